// Deterministic input mutation for decoder fuzzing: bit flips, truncation, random
// tails over real prefixes, and pure noise, from a seeded xorshift generator so a
// failure can be replayed.

export function* mutations(
  seeds: Uint8Array[],
  count: number,
  seed = 0x9e3779b9,
): Generator<Uint8Array> {
  let state = seed >>> 0 || 1;
  const rand = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  for (let i = 0; i < count; i++) {
    const base = seeds[i % seeds.length];
    switch (i % 4) {
      case 0: { // bit flips
        const input = base.slice();
        for (let k = 0; k < 1 + Math.floor(rand() * 4); k++) {
          input[Math.floor(rand() * input.length)] ^= 1 << Math.floor(rand() * 8);
        }
        yield input;
        break;
      }
      case 1: // truncation
        yield base.slice(0, Math.floor(rand() * base.length));
        break;
      case 2: { // random bytes over a real prefix
        const input = base.slice();
        const from = Math.floor(rand() * input.length);
        for (let k = from; k < input.length; k++) input[k] = Math.floor(rand() * 256);
        yield input;
        break;
      }
      default: // pure noise
        yield Uint8Array.from({ length: Math.floor(rand() * 400) }, () => Math.floor(rand() * 256));
    }
  }
}

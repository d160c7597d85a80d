// G.711 (ITU-T G.711, 1988) mu-law and A-law, table driven: both directions are
// lookups, built once from the recommendation's segment rules on 16-bit samples.
// The rounding of negative samples follows spandsp (what the rest of the telephony
// world on Debian uses): mu-law takes the magnitude |x| plus the 0x84 bias, A-law
// the ones' complement -x - 1. Tests check all 65,536 inputs and 256 codes against
// spandsp compiled from its own header.

const ULAW_BIAS = 0x84;

/** Position of the highest set bit (v > 0). */
function topBit(v: number): number {
  return 31 - Math.clz32(v);
}

function encodeUlawSample(x: number): number {
  let magnitude: number;
  let mask: number;
  if (x < 0) {
    magnitude = ULAW_BIAS - x;
    mask = 0x7f;
  } else {
    magnitude = ULAW_BIAS + x;
    mask = 0xff;
  }
  const segment = topBit(magnitude | 0xff) - 7;
  if (segment >= 8) return 0x7f ^ mask; // beyond the last segment: clip
  return ((segment << 4) | ((magnitude >> (segment + 3)) & 0x0f)) ^ mask;
}

function decodeUlawSample(code: number): number {
  const u = ~code & 0xff;
  const t = (((u & 0x0f) << 3) + ULAW_BIAS) << ((u & 0x70) >> 4);
  return u & 0x80 ? ULAW_BIAS - t : t - ULAW_BIAS;
}

function encodeAlawSample(x: number): number {
  let mask: number;
  let magnitude: number;
  if (x >= 0) {
    mask = 0xd5; // sign bit set, even bits inverted
    magnitude = x;
  } else {
    mask = 0x55;
    magnitude = -x - 1;
  }
  const segment = topBit(magnitude | 0xff) - 7;
  if (segment >= 8) return 0x7f ^ mask;
  const shift = segment ? segment + 3 : 4;
  return ((segment << 4) | ((magnitude >> shift) & 0x0f)) ^ mask;
}

function decodeAlawSample(code: number): number {
  const a = code ^ 0x55;
  const segment = (a & 0x70) >> 4;
  let t = (a & 0x0f) << 4;
  t = segment ? (t + 0x108) << (segment - 1) : t + 8;
  return a & 0x80 ? t : -t;
}

// Encode tables are indexed by the sample as an unsigned 16-bit value.
const ULAW_ENCODE = new Uint8Array(65536);
const ALAW_ENCODE = new Uint8Array(65536);
const ULAW_DECODE = new Int16Array(256);
const ALAW_DECODE = new Int16Array(256);
for (let i = 0; i < 65536; i++) {
  const x = i >= 32768 ? i - 65536 : i;
  ULAW_ENCODE[i] = encodeUlawSample(x);
  ALAW_ENCODE[i] = encodeAlawSample(x);
}
for (let c = 0; c < 256; c++) {
  ULAW_DECODE[c] = decodeUlawSample(c);
  ALAW_DECODE[c] = decodeAlawSample(c);
}

export type G711Law = "ulaw" | "alaw";

/** Encodes 16-bit PCM into `out` (one byte per sample); returns out. */
export function g711Encode<T extends Uint8Array<ArrayBufferLike> = Uint8Array>(
  law: G711Law,
  pcm: Int16Array<ArrayBufferLike>,
  out: T = new Uint8Array(pcm.length) as T,
): T {
  const table = law === "ulaw" ? ULAW_ENCODE : ALAW_ENCODE;
  for (let i = 0; i < pcm.length; i++) out[i] = table[pcm[i] & 0xffff];
  return out;
}

/** Decodes G.711 bytes into 16-bit PCM; returns out. */
export function g711Decode<T extends Int16Array<ArrayBufferLike> = Int16Array>(
  law: G711Law,
  data: Uint8Array<ArrayBufferLike>,
  out: T = new Int16Array(data.length) as T,
): T {
  const table = law === "ulaw" ? ULAW_DECODE : ALAW_DECODE;
  for (let i = 0; i < data.length; i++) out[i] = table[data[i]];
  return out;
}

/** The codes G.711 uses for silence (the encoding of 0). */
export const G711_SILENCE = { ulaw: ULAW_ENCODE[0], alaw: ALAW_ENCODE[0] } as const;

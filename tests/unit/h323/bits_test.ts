// The bit reader and writer move up to a byte at a time; these check them against
// the plain definition (one bit after another, most significant first) at every
// width and offset, including 32-bit values with the top bit set.

import assert from "node:assert/strict";
import { BitReader, BitWriter, PerError } from "../../../signaling/h323/asn1/bits.ts";

/** The definition: each bit of each value appended in order. */
function reference(fields: Array<[number, number]>): Uint8Array {
  const bits: number[] = [];
  for (const [v, n] of fields) {
    for (let i = n - 1; i >= 0; i--) bits.push(Math.floor(v / 2 ** i) % 2);
  }
  const out = new Uint8Array(Math.max(1, Math.ceil(bits.length / 8)));
  bits.forEach((b, i) => (out[i >> 3] |= b << (7 - (i & 7))));
  return out;
}

function randomFields(seed: number): Array<[number, number]> {
  let x = seed;
  const next = () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return Array.from({ length: 1 + Math.floor(next() * 40) }, () => {
    const n = 1 + Math.floor(next() * 32);
    return [Math.floor(next() * 2 ** n), n];
  });
}

Deno.test("bits written at any width and offset match the bit-by-bit definition", () => {
  for (let seed = 1; seed <= 500; seed++) {
    const fields = randomFields(seed);
    const w = new BitWriter();
    for (const [v, n] of fields) w.bits(v, n);
    const bytes = w.finish();
    assert.deepEqual(bytes, reference(fields), `seed ${seed}`);
    const r = new BitReader(bytes);
    for (const [v, n] of fields) assert.equal(r.bits(n), v, `seed ${seed}`);
  }
  const w = new BitWriter();
  w.bits(1, 3);
  w.bits(0xffffffff, 32);
  w.bits(0x80000000, 32);
  const r = new BitReader(w.finish());
  assert.deepEqual([r.bits(3), r.bits(32), r.bits(32)], [1, 0xffffffff, 0x80000000]);
});

Deno.test("bit strings and octets keep their bits at unaligned offsets; reads stay in bounds", () => {
  for (let offset = 0; offset < 8; offset++) {
    for (const n of [1, 7, 8, 9, 15, 16, 17, 63]) {
      const data = new Uint8Array(Math.ceil(n / 8)).map((_, i) => (i * 97 + n) & 0xff);
      data[data.length - 1] &= 0xff << ((8 - (n % 8)) % 8); // unused bits are zero
      const w = new BitWriter();
      w.bits(0, offset);
      w.bitString(data, n);
      w.octets(new Uint8Array([0xa5, 0x5a]));
      const r = new BitReader(w.finish());
      r.bits(offset);
      assert.deepEqual(r.bitString(n), data, `offset ${offset}, ${n} bits`);
      assert.deepEqual(r.octets(2), new Uint8Array([0xa5, 0x5a]));
    }
  }
  const r = new BitReader(new Uint8Array([0xff]));
  r.bits(5);
  assert.throws(() => r.bits(4), PerError);
  assert.equal(r.bits(3), 7);
});

Deno.test("the writer grows past its first buffer without losing bits", () => {
  const fields = Array.from({ length: 400 }, (_, i) => [i % 7, 3] as [number, number]);
  const w = new BitWriter();
  for (const [v, n] of fields) w.bits(v, n);
  w.octets(new Uint8Array(300).fill(0x3c));
  const r = new BitReader(w.finish());
  for (const [v, n] of fields) assert.equal(r.bits(n), v);
  assert.deepEqual(r.octets(300), new Uint8Array(300).fill(0x3c));
});

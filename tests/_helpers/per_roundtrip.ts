// "What decodes re-encodes" for the fuzz tests of Council's codecs: a value the
// decoder accepted must encode without any error, decode again to the same
// value, and (the encoders being canonical) encode again to the same bytes.
//
// The fuzzing found one asymmetry (issue 24): the PER decoder took characters
// outside a string type's alphabet that the encoder refuses (IA5String "0180");
// the decoder now refuses them too, and per_test.ts keeps the cases.

import { isDeepStrictEqual } from "node:util";

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

/**
 * Checks that `value`, which `dec` produced from `input`, re-encodes: throws an
 * Error naming the input (hex) and what broke.
 */
export function assertReencodes<T>(
  input: Uint8Array,
  value: T,
  dec: (b: Uint8Array) => T,
  enc: (v: T) => Uint8Array,
): void {
  const fail = (what: string, err?: unknown): never => {
    throw new Error(`input ${hex(input)}: ${what}${err ? `: ${err}` : ""}`);
  };
  let once: Uint8Array;
  try {
    once = enc(value);
  } catch (err) {
    return fail("decodes but does not re-encode", err);
  }
  let again: T;
  try {
    again = dec(once);
  } catch (err) {
    return fail(`re-encodes as ${hex(once)}, which does not decode`, err);
  }
  if (!isDeepStrictEqual(again, value)) {
    fail(`re-encodes as ${hex(once)}, which decodes to a different value`);
  }
  const twice = enc(again);
  if (hex(twice) !== hex(once)) {
    fail(`re-encodes as ${hex(once)}, then as ${hex(twice)}: the encoding is not canonical`);
  }
}

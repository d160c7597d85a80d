import { EMPTY_ROOT, nodeHash } from "../../../witness/hash.ts";

/** MTH straight from RFC 9162's recursive definition, over leaf hashes: the reference. */
export function naiveRoot(hashes: Uint8Array[]): Uint8Array {
  if (hashes.length === 0) return EMPTY_ROOT;
  if (hashes.length === 1) return hashes[0];
  let k = 1;
  while (k * 2 < hashes.length) k *= 2;
  return nodeHash(naiveRoot(hashes.slice(0, k)), naiveRoot(hashes.slice(k)));
}

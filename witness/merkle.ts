// Merkle tree algorithms of RFC 9162 section 2.1: tree hashes, inclusion and
// consistency proofs, and their verification. Pure: proofs are generated from a
// function that returns the hash of a complete (perfect, aligned) subtree, so the
// same code serves the KV-backed log and in-memory tests.

import { EMPTY_ROOT, equalBytes, nodeHash } from "./hash.ts";

/** Hash of the perfect subtree at `level` (2^level leaves) with index `index` at that level. */
export type NodeReader = (level: number, index: number) => Promise<Uint8Array>;

/** Proofs longer than this cannot belong to a tree of at most 2^63 leaves. */
export const MAX_PROOF_LENGTH = 64;

export function isPowerOfTwo(n: number): boolean {
  return n >= 1 && 2 ** Math.round(Math.log2(n)) === n;
}

/** Bit `level` of a non-negative safe integer (bitwise operators stop at 2^31). */
export function bit(n: number, level: number): boolean {
  return Math.floor(n / 2 ** level) % 2 === 1;
}

/** Largest power of two strictly less than n (n >= 2). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH(D[start:end]) for a range whose left edge is aligned as RFC 9162's recursion produces. */
export async function rangeHash(read: NodeReader, start: number, end: number): Promise<Uint8Array> {
  const n = end - start;
  if (n === 0) return EMPTY_ROOT;
  // A power-of-two range starting at a multiple of its size is one stored node.
  if (isPowerOfTwo(n) && start % n === 0) return await read(Math.log2(n), start / n);
  const k = splitPoint(n);
  return nodeHash(await rangeHash(read, start, start + k), await rangeHash(read, start + k, end));
}

/** PATH(m, D[n]), RFC 9162 section 2.1.3.1. */
export async function inclusionProof(
  read: NodeReader,
  index: number,
  size: number,
): Promise<Uint8Array[]> {
  if (!(index >= 0 && index < size)) {
    throw new RangeError(`index ${index} is not below size ${size}`);
  }
  const path: Uint8Array[] = [];
  const walk = async (m: number, start: number, end: number): Promise<void> => {
    const n = end - start;
    if (n <= 1) return;
    const k = splitPoint(n);
    if (m < k) {
      await walk(m, start, start + k);
      path.push(await rangeHash(read, start + k, end));
    } else {
      await walk(m - k, start + k, end);
      path.push(await rangeHash(read, start, start + k));
    }
  };
  await walk(index, 0, size);
  return path;
}

/** PROOF(m, D[n]), RFC 9162 section 2.1.4.1. Empty for m = 0 and m = n. */
export async function consistencyProof(
  read: NodeReader,
  first: number,
  second: number,
): Promise<Uint8Array[]> {
  if (!(first >= 0 && first <= second)) throw new RangeError(`first ${first} must be 0..${second}`);
  const path: Uint8Array[] = [];
  if (first === 0 || first === second) return path;
  const sub = async (m: number, start: number, end: number, whole: boolean): Promise<void> => {
    const n = end - start;
    if (m === n) {
      if (!whole) path.push(await rangeHash(read, start, end));
      return;
    }
    const k = splitPoint(n);
    if (m <= k) {
      await sub(m, start, start + k, whole);
      path.push(await rangeHash(read, start + k, end));
    } else {
      await sub(m - k, start + k, end, false);
      path.push(await rangeHash(read, start, start + k));
    }
  };
  await sub(first, 0, second, true);
  return path;
}

/**
 * The step both RFC 9162 verifiers share: right-shift fn and sn together until
 * fn's lowest bit is set or fn is 0.
 */
function shiftToOdd(fn: number, sn: number): [number, number] {
  while (fn % 2 === 0 && fn !== 0) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return [fn, sn];
}

/** RFC 9162 section 2.1.3.2. */
export function verifyInclusion(
  index: number,
  size: number,
  leaf: Uint8Array,
  path: Uint8Array[],
  root: Uint8Array,
): boolean {
  if (!(Number.isSafeInteger(index) && Number.isSafeInteger(size) && index >= 0 && index < size)) {
    return false;
  }
  if (path.length > MAX_PROOF_LENGTH) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of path) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      [fn, sn] = shiftToOdd(fn, sn);
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equalBytes(r, root);
}

/** RFC 9162 section 2.1.4.2, plus the trivial cases first = 0 and first = second. */
export function verifyConsistency(
  first: number,
  second: number,
  path: Uint8Array[],
  firstRoot: Uint8Array,
  secondRoot: Uint8Array,
): boolean {
  if (
    !(Number.isSafeInteger(first) && Number.isSafeInteger(second) && first >= 0 && first <= second)
  ) {
    return false;
  }
  if (path.length > MAX_PROOF_LENGTH) return false;
  if (first === 0) return path.length === 0;
  if (first === second) return path.length === 0 && equalBytes(firstRoot, secondRoot);
  if (path.length === 0) return false;
  const proof = isPowerOfTwo(first) ? [firstRoot, ...path] : path;
  let fn = first - 1;
  let sn = second - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = proof[0];
  let sr = proof[0];
  for (const c of proof.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      [fn, sn] = shiftToOdd(fn, sn);
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equalBytes(fr, firstRoot) && equalBytes(sr, secondRoot);
}

/**
 * The compact range of a growing tree (one perfect-subtree hash per set bit of the
 * size), enough to compute the root after each append without reading storage.
 */
export class Frontier {
  // levels[l] holds the hash of the perfect subtree of 2^l leaves at the right edge,
  // present exactly when bit l of size is set.
  constructor(public size = 0, private levels: Array<Uint8Array | undefined> = []) {}

  clone(): Frontier {
    return new Frontier(this.size, [...this.levels]);
  }

  /** Records a leaf; `completed` are the parents it finished, lowest level first. */
  push(leaf: Uint8Array, completed: Uint8Array[]): void {
    const top = completed.length;
    for (let l = 0; l < top; l++) this.levels[l] = undefined;
    this.levels[top] = completed.length ? completed[top - 1] : leaf;
    this.size++;
  }

  /** Appends a leaf computing the parents itself (for trees without tile storage). */
  append(leaf: Uint8Array): void {
    const completed: Uint8Array[] = [];
    let h = leaf;
    for (let l = 0; bit(this.size, l); l++) {
      h = nodeHash(this.levels[l]!, h);
      completed.push(h);
    }
    this.push(leaf, completed);
  }

  root(): Uint8Array {
    let r: Uint8Array | undefined;
    for (let l = 0; l < this.levels.length; l++) {
      const h = this.levels[l];
      if (h) r = r ? nodeHash(h, r) : h;
    }
    return r ?? EMPTY_ROOT;
  }

  /** Rebuilds from the perfect subtrees of a stored tree. */
  static async load(read: NodeReader, size: number): Promise<Frontier> {
    const levels: Array<Uint8Array | undefined> = [];
    for (let l = 0; 2 ** l <= size; l++) {
      if (bit(size, l)) levels[l] = await read(l, Math.floor(size / 2 ** l) - 1);
    }
    return new Frontier(size, levels);
  }
}

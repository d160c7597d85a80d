// RFC 9162 / RFC 6962 algorithms against the Certificate Transparency reference
// vectors (the eight-leaf tree used by CT's own test suites), then round trips
// at many sizes against an independent, naive MTH.
import assert from "node:assert/strict";
import { EMPTY_ROOT, fromHex, leafHash, nodeHash, toHex } from "../../../witness/hash.ts";
import {
  consistencyProof,
  Frontier,
  inclusionProof,
  type NodeReader,
  rangeHash,
  verifyConsistency,
  verifyInclusion,
} from "../../../witness/merkle.ts";
import { naiveRoot } from "./_naive.ts";

const LEAVES = [
  "",
  "00",
  "10",
  "2021",
  "3031",
  "40414243",
  "5051525354555657",
  "606162636465666768696a6b6c6d6e6f",
]
  .map((h) => fromHex(h)!);
const ROOTS = [
  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
  "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
  "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
  "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
  "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
  "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
  "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];
// [leaf index (0-based), tree size, path]
const INCLUSION: Array<[number, number, string[]]> = [
  [0, 8, [
    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
  ]],
  [5, 8, [
    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
  ]],
  [2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]],
  [1, 5, [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
  ]],
];
// [first, second, path]
const CONSISTENCY: Array<[number, number, string[]]> = [
  [1, 1, []],
  [1, 8, [
    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
  ]],
  [6, 8, [
    "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
  ]],
  [2, 5, [
    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
  ]],
];

/** A node reader over an in-memory list of leaf hashes. */
function memoryReader(hashes: Uint8Array[]): NodeReader {
  return (level, index) => {
    const width = 2 ** level;
    const slice = hashes.slice(index * width, (index + 1) * width);
    if (slice.length !== width) throw new Error(`node (${level}, ${index}) incomplete`);
    return Promise.resolve(naiveRoot(slice));
  };
}

const hashes = LEAVES.map(leafHash);
const hex = (path: Uint8Array[]) => path.map(toHex);

Deno.test("RFC 6962 reference roots for sizes 0..8", async () => {
  for (let n = 0; n <= 8; n++) {
    assert.equal(toHex(await rangeHash(memoryReader(hashes), 0, n)), ROOTS[n], `size ${n}`);
    const f = new Frontier();
    hashes.slice(0, n).forEach((h) => f.append(h));
    assert.equal(toHex(f.root()), ROOTS[n], `frontier size ${n}`);
  }
});

Deno.test("RFC 6962 reference inclusion proofs", async () => {
  for (const [index, size, expected] of INCLUSION) {
    const path = await inclusionProof(memoryReader(hashes), index, size);
    assert.deepEqual(hex(path), expected, `${index}/${size}`);
    assert.ok(verifyInclusion(index, size, hashes[index], path, fromHex(ROOTS[size])!));
    assert.ok(!verifyInclusion(index, size, hashes[index], path, fromHex(ROOTS[size - 1])!));
  }
});

Deno.test("RFC 6962 reference consistency proofs", async () => {
  for (const [first, second, expected] of CONSISTENCY) {
    const path = await consistencyProof(memoryReader(hashes), first, second);
    assert.deepEqual(hex(path), expected, `${first}->${second}`);
    assert.ok(
      verifyConsistency(first, second, path, fromHex(ROOTS[first])!, fromHex(ROOTS[second])!),
    );
  }
});

// Sizes around every power of two up to 130, where the recursion changes shape.
const SIZES = [0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 130];
const many = Array.from({ length: 130 }, (_, i) => leafHash(new Uint8Array([i, i >> 8, 7])));

Deno.test("inclusion proofs round-trip for every leaf at many sizes, and reject tampering", async () => {
  const read = memoryReader(many);
  for (const size of SIZES) {
    const root = naiveRoot(many.slice(0, size));
    for (let i = 0; i < size; i++) {
      const path = await inclusionProof(read, i, size);
      assert.ok(verifyInclusion(i, size, many[i], path, root), `${i}/${size}`);
      assert.ok(
        !verifyInclusion(i, size, many[(i + 1) % 130], path, root),
        `wrong leaf ${i}/${size}`,
      );
      if (size > 1) {
        const bent = path.map((p, j) => (j === 0 ? nodeHash(p, p) : p));
        assert.ok(!verifyInclusion(i, size, many[i], bent, root), `bent path ${i}/${size}`);
        assert.ok(
          !verifyInclusion(i, size, many[i], path.slice(1), root),
          `short path ${i}/${size}`,
        );
      }
    }
    await assert.rejects(() => inclusionProof(read, size, size), RangeError);
  }
  assert.ok(!verifyInclusion(-1, 4, many[0], [], naiveRoot(many.slice(0, 4))));
  assert.ok(!verifyInclusion(0, 0, many[0], [], EMPTY_ROOT));
});

Deno.test("consistency proofs round-trip for every pair of sizes, and reject tampering", async () => {
  const read = memoryReader(many);
  const roots = SIZES.map((n) => naiveRoot(many.slice(0, n)));
  for (let a = 0; a < SIZES.length; a++) {
    for (let b = a; b < SIZES.length; b++) {
      const [m, n] = [SIZES[a], SIZES[b]];
      const path = await consistencyProof(read, m, n);
      assert.ok(verifyConsistency(m, n, path, roots[a], roots[b]), `${m}->${n}`);
      if (m > 0 && m < n) {
        assert.ok(
          !verifyConsistency(m, n, path, roots[b], roots[b]),
          `wrong first root ${m}->${n}`,
        );
        assert.ok(
          !verifyConsistency(m, n, path, roots[a], roots[a]),
          `wrong second root ${m}->${n}`,
        );
        assert.ok(
          !verifyConsistency(m, n, path.slice(0, -1), roots[a], roots[b]),
          `short ${m}->${n}`,
        );
      }
    }
  }
  assert.ok(!verifyConsistency(5, 4, [], roots[0], roots[0]));
});

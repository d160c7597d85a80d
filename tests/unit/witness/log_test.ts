import assert from "node:assert/strict";
import {
  audit,
  decodeEntry,
  EntryError,
  kvAuditSource,
  openTreeHead,
  verifyConsistency,
  verifyInclusion,
  WITNESS_KEYS,
} from "../../../witness/mod.ts";
import { EMPTY_ROOT, equalBytes, leafHash } from "../../../witness/hash.ts";
import { openWitness } from "./_open.ts";
import { naiveRoot } from "./_naive.ts";

Deno.test("a new log has a key and a signed empty head", async () => {
  const w = await openWitness();
  try {
    assert.equal(w.witness.size, 0);
    const head = await openTreeHead(w.witness.latestHead.note, w.witness.signer);
    assert.equal(head.size, 0);
    assert.ok(equalBytes(head.rootHash, EMPTY_ROOT));
  } finally {
    await w.close();
  }
});

Deno.test("concurrent appends get distinct indices and one tree, batched into few commits", async () => {
  const w = await openWitness();
  try {
    const results = await Promise.all(
      Array.from(
        { length: 1000 },
        (_, i) => w.witness.append("test.event", { i, who: `g${i % 7}` }),
      ),
    );
    assert.deepEqual(
      results.map((r) => r.index).sort((a, b) => a - b),
      Array.from({ length: 1000 }, (_, i) => i),
    );
    assert.equal(w.witness.size, 1000);
    const stored = await w.witness.entries(0, 1000);
    assert.equal(stored.length, 1000);
    const hashes = stored.map((e) => leafHash(e.bytes));
    results.forEach((r) => assert.ok(equalBytes(r.leafHash, hashes[r.index])));
    assert.ok(equalBytes(w.witness.rootHash, naiveRoot(hashes)));
    // Group commit: 1000 concurrent appends must not take 1000 transactions.
    const text = await w.store.kv.get(WITNESS_KEYS.state);
    assert.ok(text.versionstamp);
    const entry = decodeEntry(stored[5].bytes);
    assert.equal(entry.type, "test.event");
  } finally {
    await w.close();
  }
});

Deno.test("proofs from the log verify against its signed heads across tile boundaries", async () => {
  const w = await openWitness();
  try {
    const heads = [];
    const checkpoints = [1, 2, 3, 255, 256, 257, 511, 512, 513, 1000, 65535, 65536, 65537, 66000];
    let size = 0;
    for (const target of checkpoints) {
      const batch = [];
      while (size < target) batch.push(w.witness.append("test.fill", { n: size++ }));
      await Promise.all(batch);
      heads.push(await w.witness.publishHead());
    }
    for (const head of heads) {
      assert.ok(
        equalBytes(await w.witness.rootAt(head.size), head.rootHash),
        `root at ${head.size}`,
      );
      for (
        const index of new Set(
          [0, 1, head.size >> 1, head.size - 2, head.size - 1].filter((i) =>
            i >= 0 && i < head.size
          ),
        )
      ) {
        const bytes = (await w.witness.entry(index))!;
        const path = await w.witness.inclusionProof(index, head.size);
        assert.ok(
          verifyInclusion(index, head.size, leafHash(bytes), path, head.rootHash),
          `${index}/${head.size}`,
        );
        assert.equal(await w.witness.indexOf(leafHash(bytes)), index);
      }
    }
    for (let a = 0; a < heads.length; a++) {
      for (let b = a; b < heads.length; b++) {
        const path = await w.witness.consistencyProof(heads[a].size, heads[b].size);
        assert.ok(
          verifyConsistency(
            heads[a].size,
            heads[b].size,
            path,
            heads[a].rootHash,
            heads[b].rootHash,
          ),
          `${heads[a].size}->${heads[b].size}`,
        );
      }
    }
    await assert.rejects(() => w.witness.inclusionProof(0, 66001), RangeError);
    const report = await audit(kvAuditSource(w.store.kv, w.witness.signer));
    assert.equal(report.ok, true, JSON.stringify(report.problems));
    assert.equal(report.entriesChecked, 66000);
  } finally {
    await w.close();
  }
});

Deno.test("reopening restores the tree; new heads are consistent with old ones", async () => {
  const first = await openWitness();
  await Promise.all(Array.from({ length: 300 }, (_, i) => first.witness.append("test.a", { i })));
  const oldHead = await first.witness.publishHead();
  const key = first.witness.signer.publicKey;
  await first.close();

  const second = await openWitness(first.kvPath);
  try {
    assert.equal(second.witness.size, 300);
    assert.ok(equalBytes(second.witness.signer.publicKey, key), "same log key");
    assert.ok(equalBytes(second.witness.rootHash, oldHead.rootHash));
    await Promise.all(
      Array.from({ length: 300 }, (_, i) => second.witness.append("test.b", { i })),
    );
    const newHead = await second.witness.publishHead();
    const path = await second.witness.consistencyProof(oldHead.size, newHead.size);
    assert.ok(verifyConsistency(300, 600, path, oldHead.rootHash, newHead.rootHash));
  } finally {
    await second.close();
  }
});

Deno.test("heads are published every N entries and on close", async () => {
  const w = await openWitness(undefined, { headEveryEntries: 10 });
  for (let i = 0; i < 25; i++) await w.witness.append("test.tick", { i });
  await w.close();
  const sizes = [];
  const kv = await Deno.openKv(w.kvPath);
  for await (const { key } of kv.list({ prefix: WITNESS_KEYS.headPrefix })) sizes.push(key[3]);
  kv.close();
  assert.deepEqual(sizes, [0, 10, 20, 25]);
});

Deno.test("heads are published on the time cadence", async () => {
  const w = await openWitness(undefined, { headIntervalMs: 20 });
  try {
    await w.witness.append("test.tick", {});
    for (let i = 0; i < 100 && w.witness.latestHead.size < 1; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(w.witness.latestHead.size, 1);
  } finally {
    await w.close();
  }
});

Deno.test("bad entries are refused with a reason and write nothing", async () => {
  const w = await openWitness();
  try {
    await w.witness.append("test.ok", { fine: true });
    const bad: Array<[string, unknown, RegExp]> = [
      ["Bad Type", {}, /type must be/],
      ["", {}, /type must be/],
      ["test.x", { n: NaN }, /not finite/],
      ["test.x", { s: "\ud800" }, /lone surrogate/],
      ["test.x", { d: new Date() }, /not a plain object/],
      ["test.x", { big: "x".repeat(40_000) }, /limit is/],
      ["test.x", { f: () => 1 }, /function, not JSON/],
    ];
    for (const [type, payload, reason] of bad) {
      await assert.rejects(
        () => w.witness.append(type, payload as never),
        (err: unknown) => err instanceof EntryError && reason.test(err.message),
        `${type} ${reason}`,
      );
    }
    let deep: unknown = 1;
    for (let i = 0; i < 40; i++) deep = [deep];
    await assert.rejects(() => w.witness.append("test.x", deep as never), /nests deeper/);
    assert.equal(w.witness.size, 1);
  } finally {
    await w.close();
  }
});

Deno.test("appends after close are refused", async () => {
  const w = await openWitness();
  await w.close();
  await assert.rejects(() => w.witness.append("test.late", {}), /closing/);
});

Deno.test("an append made just as a batch resolves is committed, not stranded", async () => {
  const w = await openWitness();
  try {
    for (let round = 0; round < 20; round++) {
      await Promise.all(
        Array.from({ length: 10 }, (_, i) => w.witness.append("test.round", { round, i })),
      );
      // Issued from the continuation of the batch's own resolution.
      const single = w.witness.append("test.single", { round });
      const settled = await Promise.race([
        single,
        new Promise((r) => setTimeout(() => r("stuck"), 2000)),
      ]);
      assert.notEqual(settled, "stuck", `round ${round}`);
    }
    assert.equal(w.witness.size, 220);
  } finally {
    await w.close();
  }
});

Deno.test("stored tiles round-trip through their compact form at every width", async () => {
  const { emptyTile, packTile, TileEdge, unpackTile } = await import("../../../witness/tiles.ts");
  const edge = new TileEdge();
  const dirty = new Map();
  for (let i = 0; i < 256; i++) {
    edge.appendLeaf(i, leafHash(new Uint8Array([i])), dirty);
    const tile = edge.get(0, 0)!;
    const packed = packTile(tile);
    assert.deepEqual(unpackTile(packed), tile, `width ${i + 1}`);
  }
  assert.equal(unpackTile({ width: 3, hashes: new Uint8Array(10) }), undefined);
  assert.equal(unpackTile({ width: 300, hashes: new Uint8Array(0) }), undefined);
  assert.equal(packTile(emptyTile()).hashes.length, 0);
});

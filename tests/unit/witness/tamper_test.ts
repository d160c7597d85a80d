// Tampering with stored data must make the audit fail and name where.
import assert from "node:assert/strict";
import { audit, kvAuditSource, WITNESS_KEYS, type WitnessLog } from "../../../witness/mod.ts";
import { openWitness } from "./_open.ts";
import { deleteStored, readStored, writeStored } from "./_tamper.ts";
import { packTile, type StoredTile, unpackTile } from "../../../witness/tiles.ts";

async function tamperedLog(change: (kv: Deno.Kv, witness: WitnessLog) => Promise<void>) {
  const w = await openWitness(undefined, { headEveryEntries: 100 });
  for (let i = 0; i < 5; i++) {
    await Promise.all(
      Array.from({ length: 100 }, (_, j) => w.witness.append("test.tamper", { i, j })),
    );
  }
  await w.witness.publishHead();
  const clean = await audit(kvAuditSource(w.store.kv, w.witness.signer));
  assert.equal(clean.ok, true, JSON.stringify(clean.problems));
  await change(w.store.kv, w.witness);
  const report = await audit(kvAuditSource(w.store.kv, w.witness.signer));
  await w.close();
  return report;
}

Deno.test("a flipped byte in a stored entry is named by index", async () => {
  const report = await tamperedLog(async (kv) => {
    const bytes = (await readStored(kv, 137)).slice();
    bytes[bytes.length - 2] ^= 0x01; // inside the payload: still JSON, different value
    await writeStored(kv, 137, bytes);
  });
  assert.equal(report.ok, false);
  assert.equal(report.firstBadIndex, 137);
  assert.ok(report.problems.some((p) => p.headSize !== undefined), "signed heads no longer match");
});

Deno.test("a deleted entry is named by index", async () => {
  const report = await tamperedLog((kv) => deleteStored(kv, 250));
  assert.equal(report.ok, false);
  assert.equal(report.firstBadIndex, 250);
  // Later entries of the bundle shift down, so 250 no longer matches and one goes missing.
  assert.match(report.problems[0].message, /entry 250 /);
  assert.ok(report.problems.some((p) => /is missing/.test(p.message)));
});

Deno.test("two swapped entries are named by the first index", async () => {
  const report = await tamperedLog(async (kv) => {
    const a = await readStored(kv, 310);
    const b = await readStored(kv, 420);
    await writeStored(kv, 310, b);
    await writeStored(kv, 420, a);
  });
  assert.equal(report.ok, false);
  assert.equal(report.firstBadIndex, 310);
});

Deno.test("a non-canonical entry is named by index", async () => {
  const report = await tamperedLog(async (kv) => {
    const bytes = await readStored(kv, 7);
    // Same JSON value, but with a space: valid JSON, not RFC 8785 canonical.
    const text = new TextDecoder().decode(bytes.subarray(10 + bytes[9]));
    const spaced = new TextEncoder().encode(text.replace(":", ": "));
    const out = new Uint8Array(10 + bytes[9] + spaced.length);
    out.set(bytes.subarray(0, 10 + bytes[9]));
    out.set(spaced, 10 + bytes[9]);
    await writeStored(kv, 7, out);
  });
  assert.equal(report.firstBadIndex, 7);
  assert.ok(report.problems.some((p) => /not in RFC 8785 canonical form/.test(p.message)));
});

Deno.test("a replaced head signature is named by its tree size", async () => {
  const report = await tamperedLog(async (kv) => {
    const note = (await kv.get<string>(WITNESS_KEYS.head(300))).value!;
    const [text, sig] = note.split("\n\n");
    const [name, b64] = sig.replace("\u2014 ", "").trim().split(" ");
    const raw = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    raw[10] ^= 0xff;
    const forged = `${text}\n\n\u2014 ${name} ${btoa(String.fromCharCode(...raw))}\n`;
    await kv.set(WITNESS_KEYS.head(300), forged);
  });
  assert.equal(report.ok, false);
  assert.equal(report.firstBadIndex, undefined);
  assert.deepEqual(report.problems.map((p) => p.headSize), [300]);
  assert.match(report.problems[0].message, /signature does not verify/);
});

Deno.test("a head re-signed over a different root is caught against the entries", async () => {
  const report = await tamperedLog(async (kv, witness) => {
    const { openTreeHead, signTreeHead } = await import("../../../witness/checkpoint.ts");
    const original = await openTreeHead(
      (await kv.get<string>(WITNESS_KEYS.head(200))).value!,
      witness.signer,
    );
    const forged = await signTreeHead(witness.signer, {
      size: 200,
      rootHash: new Uint8Array(32),
      timestamp: original.timestamp,
    });
    await kv.set(WITNESS_KEYS.head(200), forged.note);
  });
  assert.equal(report.ok, false);
  assert.deepEqual(report.problems.map((p) => p.headSize), [200]);
  assert.match(report.problems[0].message, /does not match the entries/);
});

Deno.test("a server refuses to start on a log that contradicts its signed head", async () => {
  const w = await openWitness(undefined, { headEveryEntries: 50 });
  await Promise.all(Array.from({ length: 120 }, (_, i) => w.witness.append("test.x", { i })));
  await w.witness.publishHead();
  const path = w.kvPath;
  await w.close();
  const kv = await Deno.openKv(path);
  const tile = unpackTile((await kv.get<StoredTile>(WITNESS_KEYS.tile(0, 0))).value)!;
  tile.hashes[504 * 32] ^= 1; // node (6, 0): a perfect subtree the root of size 120 rests on
  await kv.set(WITNESS_KEYS.tile(0, 0), packTile(tile));
  kv.close();
  await assert.rejects(() => openWitness(path), /does not match|not consistent/);
});

/** A log of 500 entries with signed heads, closed; its KV path. */
async function closedLog(entries = 500, headEvery = 100): Promise<string> {
  const w = await openWitness(undefined, { headEveryEntries: headEvery });
  for (let i = 0; i < entries; i += 100) {
    await Promise.all(
      Array.from({ length: 100 }, (_, j) => w.witness.append("test.tamper", { i, j })),
    );
  }
  await w.witness.publishHead();
  await w.close();
  return w.kvPath;
}

async function tamperFile(path: string, change: (kv: Deno.Kv) => Promise<void>) {
  const kv = await Deno.openKv(path);
  try {
    await change(kv);
  } finally {
    kv.close();
  }
}

Deno.test("a server refuses to start on an entry changed under its signed head, naming it", async () => {
  const path = await closedLog();
  // Tiles and tree state untouched: only re-hashing the entries can see this.
  await tamperFile(path, async (kv) => {
    const bytes = (await readStored(kv, 137)).slice();
    bytes[bytes.length - 2] ^= 0x01;
    await writeStored(kv, 137, bytes);
  });
  await assert.rejects(
    () => openWitness(path),
    /contradicts its signed head: first bad index 137: .*Refusing to serve or sign/,
  );
});

Deno.test("an entry changed after the last signed head is refused too", async () => {
  const w = await openWitness(undefined, { headEveryEntries: 1_000_000 });
  await Promise.all(Array.from({ length: 40 }, (_, i) => w.witness.append("test.x", { i })));
  await w.witness.publishHead(); // head at 40
  await Promise.all(Array.from({ length: 20 }, (_, i) => w.witness.append("test.y", { i })));
  await w.close(); // 60 entries, the last 20 under no head yet
  await tamperFile(w.kvPath, async (kv) => {
    const bytes = (await readStored(kv, 52)).slice();
    bytes[bytes.length - 2] ^= 0x01;
    await writeStored(kv, 52, bytes);
  });
  await assert.rejects(() => openWitness(w.kvPath), /first bad index 52: /);
});

Deno.test("a deleted entry is refused at start, naming it", async () => {
  const path = await closedLog();
  await tamperFile(path, (kv) => deleteStored(kv, 250));
  await assert.rejects(() => openWitness(path), /first bad index 250/);
});

Deno.test("an untouched log opens and keeps growing", async () => {
  const path = await closedLog();
  const w = await openWitness(path);
  assert.equal(w.witness.size, 500);
  await w.witness.append("test.after", { ok: true });
  await w.close();
});

// The witness audited while it runs (provenance/witness_audit.ts): a sound log
// passes while entries keep coming; a stored entry changed behind its back fails,
// is named and told; one audit at a time.

import assert from "node:assert/strict";
import { liveAuditSource, WitnessAuditor } from "../../../provenance/witness_audit.ts";
import { openWitness } from "../witness/_open.ts";
import { readStored, writeStored } from "../witness/_tamper.ts";
import type { WitnessAuditReport } from "../../../provenance/witness_audit.ts";

Deno.test("a sound log passes its audit, also with heads signed while the audit reads", async () => {
  const w = await openWitness(undefined, { headEveryEntries: 5 });
  try {
    for (let i = 0; i < 40; i++) await w.witness.append("test.entry", { i });
    await w.witness.publishHead();
    const auditor = new WitnessAuditor({
      source: () => liveAuditSource(w.store.kv, w.witness.signer),
      everyMs: 0,
    });
    const running = auditor.run("test");
    assert.equal(auditor.run("again"), running, "a second request joins the running audit");
    // Entries and heads that arrive during the audit are beyond what it counts.
    for (let i = 0; i < 20; i++) await w.witness.append("test.entry", { late: i });
    await w.witness.publishHead();
    const report = await running;
    assert.equal(report.ok, true, JSON.stringify(report.problems));
    assert.ok(report.entriesChecked >= 40);
    assert.equal(report.entriesChecked, report.size);
    assert.ok(report.headsChecked >= 1);
    assert.equal(report.by, "test");
    assert.equal(auditor.last, report);
    assert.deepEqual(auditor.counts, { runs: 1, failures: 0 });
    assert.equal((await auditor.run("after")).ok, true);
  } finally {
    await w.close();
  }
});

Deno.test("an entry changed in storage fails the audit, named, and is told once per audit", async () => {
  const w = await openWitness(undefined, { headEveryEntries: 5 });
  try {
    for (let i = 0; i < 20; i++) await w.witness.append("test.entry", { i });
    await w.witness.publishHead();
    const bytes = await readStored(w.store.kv, 7);
    const changed = bytes.slice();
    changed[changed.length - 2] ^= 1;
    await writeStored(w.store.kv, 7, changed);
    const told: WitnessAuditReport[] = [];
    const auditor = new WitnessAuditor({
      source: () => liveAuditSource(w.store.kv, w.witness.signer),
      everyMs: 0,
      onFailure: (r) => told.push(r),
    });
    const report = await auditor.run("test");
    assert.equal(report.ok, false);
    assert.equal(report.firstBadIndex, 7);
    assert.ok(report.problems.length > 0 && report.problems.length <= 10);
    assert.deepEqual(told, [report]);
    assert.deepEqual(auditor.counts, { runs: 1, failures: 1 });
  } finally {
    await w.close();
  }
});

Deno.test("storage that cannot be read is a failed audit, not a passed one", async () => {
  const auditor = new WitnessAuditor({
    source: () => ({
      verifier: { name: "x", keyId: new Uint8Array(4), publicKey: new Uint8Array(32) },
      size: () => Promise.reject(new Error("database is closed")),
      entries: async function* () {},
      heads: async function* () {},
    }),
    everyMs: 0,
  });
  const report = await auditor.run("test");
  assert.equal(report.ok, false);
  assert.match(report.problems[0].message, /could not be read: database is closed/);
});

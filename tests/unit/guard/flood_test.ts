// Flood control: buckets per key stay bounded under a flood of distinct keys, and
// repeated rejects become one witness entry per interval with their count.

import assert from "node:assert/strict";
import { KeyedLimiter, OVERFLOW_KEY, RejectLedger } from "../../../guard/flood.ts";
import type { JsonValue } from "../../../witness/mod.ts";

Deno.test("a keyed limiter limits each key on its own", () => {
  const limiter = new KeyedLimiter({ perSecond: 1, burst: 2 });
  assert.deepEqual(limiter.take("a", 0), { ok: true });
  assert.deepEqual(limiter.take("a", 0), { ok: true });
  assert.deepEqual(limiter.take("a", 0), { ok: false, retryAfter: 1 });
  // Another key is not affected by a's flood.
  assert.deepEqual(limiter.take("b", 0), { ok: true });
  // A second later a has one token again.
  assert.deepEqual(limiter.take("a", 1000), { ok: true });
  assert.equal(limiter.take("a", 1000).ok, false);
});

Deno.test("a flood of distinct keys shares one overflow bucket and memory stays bounded", () => {
  const limiter = new KeyedLimiter({ perSecond: 1, burst: 3, maxKeys: 100 });
  let admitted = 0;
  for (let i = 0; i < 10_000; i++) if (limiter.take(`10.0.${i >> 8}.${i & 255}`, 0).ok) admitted++;
  // 100 keys get their own burst of 3 (each used once); the rest share one bucket of 3.
  assert.equal(admitted, 100 + 3);
  assert.ok(limiter.size <= 101, `size ${limiter.size}`);
  // Known keys keep their own buckets under the flood.
  assert.equal(limiter.take("10.0.0.0", 0).ok, true);
});

Deno.test("idle buckets are forgotten to make room for new keys", () => {
  const limiter = new KeyedLimiter({ perSecond: 10, burst: 1, maxKeys: 2 });
  assert.equal(limiter.take("a", 0).ok, true);
  assert.equal(limiter.take("b", 0).ok, true);
  // Both refilled a second later: c gets a bucket of its own, not the overflow one.
  assert.equal(limiter.take("c", 1000).ok, true);
  assert.equal(limiter.take(OVERFLOW_KEY, 1000).ok, true, "overflow bucket untouched");
});

Deno.test("a limiter refuses a nonsense configuration", () => {
  assert.throws(() => new KeyedLimiter({ perSecond: -1, burst: 1 }), RangeError);
  assert.throws(() => new KeyedLimiter({ perSecond: 1, burst: 0 }), RangeError);
});

function fakeWitness(fail = false) {
  const entries: { type: string; payload: Record<string, JsonValue> }[] = [];
  return {
    entries,
    append(type: string, payload: JsonValue) {
      if (fail) return Promise.reject(new Error("disk full"));
      entries.push({ type, payload: payload as Record<string, JsonValue> });
      return Promise.resolve({ index: entries.length - 1 } as never);
    },
  };
}

Deno.test("the first reject of a key is witnessed at once, the rest as one counted entry", async () => {
  const witness = fakeWitness();
  let now = 1000;
  const ledger = new RejectLedger({ witness, intervalMs: 60_000, now: () => now });
  const first = await ledger.record("sip.auth.reject", "bob", { source: "127.0.0.9" });
  assert.equal(first, 0);
  for (let i = 0; i < 999; i++) {
    now++;
    assert.equal(await ledger.record("sip.auth.reject", "bob", { source: "127.0.0.9" }), undefined);
  }
  assert.equal(witness.entries.length, 1);
  await ledger.flush();
  assert.equal(witness.entries.length, 2);
  assert.deepEqual(witness.entries[1], {
    type: "sip.auth.reject",
    payload: {
      source: "127.0.0.9",
      key: "bob",
      count: 999,
      firstAt: 1000,
      lastAt: 1999,
      aggregated: true,
    },
  });
  // A new interval: the next reject is witnessed on its own again.
  assert.equal(await ledger.record("sip.auth.reject", "bob", {}), 2);
  await ledger.close();
});

Deno.test("a single reject is not written twice", async () => {
  const witness = fakeWitness();
  const ledger = new RejectLedger({ witness });
  await ledger.record("guard.reject", "x", {});
  await ledger.flush();
  assert.equal(witness.entries.length, 1);
  await ledger.close();
});

Deno.test("distinct keys beyond maxKeys are counted under one overflow entry", async () => {
  const witness = fakeWitness();
  const ledger = new RejectLedger({ witness, maxKeys: 10, overflowDetail: { decision: "reject" } });
  for (let i = 0; i < 5_000; i++) ledger.note("h323.ras.reject", `alias-${i}`, { alias: `${i}` });
  await ledger.flush();
  // 10 first entries, one overflow count; nothing else grew the log.
  assert.equal(witness.entries.length, 11);
  const overflow = witness.entries.at(-1)!;
  assert.equal(overflow.payload.key, OVERFLOW_KEY);
  assert.equal(overflow.payload.count, 4_990);
  assert.equal(overflow.payload.decision, "reject", "the overflow entry says what it counts");
  await ledger.close();
});

Deno.test("a witness failure rejects the first record and note() swallows it", async () => {
  const ledger = new RejectLedger({ witness: fakeWitness(true) });
  await assert.rejects(() => ledger.record("guard.reject", "x", {}), /disk full/);
  ledger.note("guard.reject", "y", {}); // must not throw or leave an unhandled rejection
  await ledger.close();
  // Closed: nothing more is recorded.
  assert.equal(await ledger.record("guard.reject", "z", {}), undefined);
});

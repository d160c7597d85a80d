// Each gate's accept and reject path, in order, through the real engine with a
// real witness on in-memory KV.
import assert from "node:assert/strict";
import {
  type Decision,
  DEFAULT_POLICY,
  type Policy,
  webCryptoVerifier,
} from "../../../guard/mod.ts";
import { decodeEntry } from "../../../witness/mod.ts";
import { testApp } from "../../_helpers/app.ts";
import { guardianWithKey } from "./_fixture.ts";
import { tempDir } from "../../_helpers/temp.ts";

function reason(d: Decision) {
  return d.decision === "admit" ? "ADMIT" : d.reason;
}

function policy(change: (p: Policy) => void): Policy {
  const p = structuredClone(DEFAULT_POLICY);
  change(p);
  return p;
}

Deno.test("a valid signed request is admitted with session, bandwidth, codec and media port, and witnessed", async () => {
  const t = await testApp();
  try {
    const alice = await guardianWithKey(t, "alice");
    const d = await t.guard.admit(await alice.sign({ codecs: ["G729", "PCMU"] }));
    assert.equal(d.decision, "admit");
    if (d.decision !== "admit") return;
    assert.equal(d.codec, "G729");
    assert.equal(d.bandwidthKbps, 64);
    assert.equal(d.media.host, "127.0.0.1");
    assert.ok(d.media.port >= 40000 && d.media.port % 2 === 0);
    assert.equal(d.policyVersion, "builtin-1");
    const entry = decodeEntry((await t.witness.entry(d.witnessIndex))!);
    assert.equal(entry.type, "guard.decision");
    const payload = entry.payload as Record<string, unknown>;
    assert.equal(payload.decision, "admit");
    assert.equal(payload.sessionId, d.sessionId);
    assert.equal((payload.request as { nonce: string }).nonce.length > 0, true);
    assert.deepEqual(t.guard.sessions.map((s) => s.id), [d.sessionId]);
  } finally {
    await t.stop();
  }
});

Deno.test("gate 1-2: unknown guardian, bad signature, suspended and revoked guardians", async () => {
  const t = await testApp();
  try {
    const alice = await guardianWithKey(t, "alice");
    const mallory = await guardianWithKey(t, "mallory");
    assert.equal(
      reason(await t.guard.admit({ ...(await alice.sign()), guardianId: "if://guardian/nobody" })),
      "NOT_REGISTERED",
    );
    // Signed by someone else's key.
    const forged = await mallory.sign();
    const wrongKey = await t.guard.admit({ ...forged, guardianId: alice.id });
    assert.equal(reason(wrongKey), "INVALID_SIGNATURE");
    // The refusal says whose key was expected (issue 25 item 10: a key mixed up).
    assert.match(
      (wrongKey as { message: string }).message,
      /if:\/\/guardian\/alice's registered key: signed with another key/,
    );
    // A field changed after signing.
    assert.equal(
      reason(await t.guard.admit({ ...(await alice.sign()), bandwidthKbps: 65 })),
      "INVALID_SIGNATURE",
    );
    await t.registry.update(alice.id, { status: "suspended" });
    const suspended = await t.guard.admit(await alice.sign());
    assert.equal(reason(suspended), "NOT_REGISTERED");
    assert.match((suspended as { message: string }).message, /suspended/);
    await t.registry.update(alice.id, { status: "active" });
    assert.equal(reason(await t.guard.admit(await alice.sign())), "ADMIT");
    await t.registry.update(alice.id, { status: "revoked" });
    assert.equal(reason(await t.guard.admit(await alice.sign())), "NOT_REGISTERED");
    await assert.rejects(
      () => t.registry.update(alice.id, { status: "active" }),
      /revocation is final/,
    );
  } finally {
    await t.stop();
  }
});

Deno.test("gate 3: replayed nonces and timestamps outside the window (clock skew)", async () => {
  let now = Date.now();
  const t = await testApp({ now: () => now });
  try {
    const alice = await guardianWithKey(t, "alice");
    const request = await alice.sign({ timestamp: now });
    assert.equal(reason(await t.guard.admit(request)), "ADMIT");
    const replay = await t.guard.admit(request);
    assert.equal(reason(replay), "REPLAYED");
    assert.match((replay as { message: string }).message, /nonce was already used/);
    // 29 s of skew either way is inside the 30 s window; 31 s is not.
    assert.equal(
      reason(await t.guard.admit(await alice.sign({ timestamp: now - 29_000 }))),
      "ADMIT",
    );
    assert.equal(
      reason(await t.guard.admit(await alice.sign({ timestamp: now + 29_000 }))),
      "ADMIT",
    );
    const stale = await t.guard.admit(await alice.sign({ timestamp: now - 31_000 }));
    assert.equal(reason(stale), "REPLAYED");
    assert.match((stale as { message: string }).message, /window is 30 s/);
    assert.equal(
      reason(await t.guard.admit(await alice.sign({ timestamp: now + 31_000 }))),
      "REPLAYED",
    );
    // A signature that fails does not burn the nonce.
    const fresh = await alice.sign({ timestamp: now });
    assert.equal(
      reason(await t.guard.admit({ ...fresh, signature: (await alice.sign()).signature })),
      "INVALID_SIGNATURE",
    );
    assert.equal(reason(await t.guard.admit(fresh)), "ADMIT");
    now += 120_000; // the clock moves on; the old request is now simply stale
    assert.equal(reason(await t.guard.admit(request)), "REPLAYED");
  } finally {
    await t.stop();
  }
});

Deno.test("gate 4: PII is refused in ESCALATE calls only", async () => {
  const t = await testApp();
  try {
    const alice = await guardianWithKey(t, "alice");
    assert.equal(
      reason(await t.guard.admit(await alice.sign({ callType: "ESCALATE", pii: true }))),
      "PII_POLICY_VIOLATION",
    );
    assert.equal(
      reason(await t.guard.admit(await alice.sign({ callType: "ESCALATE", pii: false }))),
      "ADMIT",
    );
    assert.equal(
      reason(await t.guard.admit(await alice.sign({ callType: "ROUTINE", pii: true, room: "r2" }))),
      "ADMIT",
    );
  } finally {
    await t.stop();
  }
});

Deno.test("an ESCALATE room refuses PII whatever call type the request names", async () => {
  const t = await testApp();
  try {
    const alice = await guardianWithKey(t, "alice");
    t.policies.setRooms({ council: { callType: "ESCALATE" } });
    assert.equal(
      reason(await t.guard.admit(await alice.sign({ room: "council", pii: true }))),
      "PII_POLICY_VIOLATION",
    );
    assert.equal(reason(await t.guard.admit(await alice.sign({ room: "council" }))), "ADMIT");
  } finally {
    await t.stop();
  }
});
Deno.test("gate 5: the guardian's quota and the room's bandwidth budget", async () => {
  const t = await testApp();
  try {
    t.setPolicy(policy((p) => (p.rooms["small"] = { bandwidthKbps: 100 })));
    const alice = await guardianWithKey(t, "alice", 128);
    const bob = await guardianWithKey(t, "bob", 1000);
    assert.equal(reason(await t.guard.admit(await alice.sign({ bandwidthKbps: 100 }))), "ADMIT");
    const over = await t.guard.admit(await alice.sign({ bandwidthKbps: 64, room: "other" }));
    assert.equal(reason(over), "BANDWIDTH_EXCEEDED");
    assert.match((over as { message: string }).message, /guardian's quota \(28 kbps left\)/);
    assert.equal(
      reason(await t.guard.admit(await bob.sign({ room: "small", bandwidthKbps: 80 }))),
      "ADMIT",
    );
    const room = await t.guard.admit(await bob.sign({ room: "small", bandwidthKbps: 30 }));
    assert.equal(reason(room), "BANDWIDTH_EXCEEDED");
    assert.match((room as { message: string }).message, /room small's budget \(20 kbps left\)/);
  } finally {
    await t.stop();
  }
});

Deno.test("gate 6: 25 concurrent guardians fill a room; the 26th gets CAPACITY_EXCEEDED", async () => {
  const t = await testApp();
  try {
    const guardians = await Promise.all(
      Array.from({ length: 26 }, (_, i) => guardianWithKey(t, `g${i}`)),
    );
    const requests = await Promise.all(guardians.map((g) => g.sign({ room: "full-house" })));
    const decisions = await Promise.all(requests.map((r) => t.guard.admit(r)));
    const outcomes = decisions.map(reason);
    assert.equal(outcomes.filter((o) => o === "ADMIT").length, 25);
    assert.deepEqual(outcomes.filter((o) => o !== "ADMIT"), ["CAPACITY_EXCEEDED"]);
    const full = decisions.find((d) => d.decision === "reject")!;
    assert.equal((full as { retryAfter?: number }).retryAfter, 30);

    // A seat frees when a session ends; the stack is told.
    const ended: string[] = [];
    t.guard.events.addEventListener(
      "session-ended",
      (e) => ended.push((e as CustomEvent).detail.reason),
    );
    const admitted = decisions.find((d) => d.decision === "admit")!;
    await t.guard.end((admitted as { sessionId: string }).sessionId, "released");
    assert.deepEqual(ended, ["released"]);
    const loser = guardians[outcomes.indexOf("CAPACITY_EXCEEDED")];
    assert.equal(reason(await t.guard.admit(await loser.sign({ room: "full-house" }))), "ADMIT");
  } finally {
    await t.stop();
  }
});

function policyFile(doc: unknown): string {
  const path = `${tempDir()}/policy.json`;
  Deno.writeTextFileSync(path, JSON.stringify(doc));
  return path;
}

Deno.test("gate 7: rate limits per call type and per guardian (token buckets)", async () => {
  const t = await testApp({
    policyFile: policyFile({
      version: "limits-1",
      rateLimits: {
        ESCALATE: { perSecond: 0.001, burst: 3 },
        perGuardian: { perSecond: 0.001, burst: 2 },
      },
    }),
  });
  try {
    const gs = await Promise.all(Array.from({ length: 5 }, (_, i) => guardianWithKey(t, `e${i}`)));
    const outcomes = [];
    for (const [i, g] of gs.entries()) {
      outcomes.push(
        reason(await t.guard.admit(await g.sign({ callType: "ESCALATE", room: `r${i}` }))),
      );
    }
    assert.deepEqual(outcomes, ["ADMIT", "ADMIT", "ADMIT", "RATE_LIMITED", "RATE_LIMITED"]);

    const solo = await guardianWithKey(t, "solo", 100_000);
    const soloOutcomes = [];
    for (let i = 0; i < 4; i++) {
      soloOutcomes.push(
        reason(await t.guard.admit(await solo.sign({ room: `s${i}`, bandwidthKbps: 1 }))),
      );
    }
    assert.deepEqual(soloOutcomes, ["ADMIT", "ADMIT", "RATE_LIMITED", "RATE_LIMITED"]);
    const limited = await t.guard.admit(await solo.sign({ room: "s9", bandwidthKbps: 1 }));
    assert.ok(((limited as { retryAfter?: number }).retryAfter ?? 0) > 0);
  } finally {
    await t.stop();
  }
});

Deno.test("policy reload under load: no admission dropped, each decided under one version", async () => {
  const path = policyFile({ version: "v1" });
  const t = await testApp({ policyFile: path });
  try {
    const gs = await Promise.all(
      Array.from({ length: 20 }, (_, i) => guardianWithKey(t, `l${i}`, 100_000)),
    );
    const requests = await Promise.all(
      Array.from(
        { length: 200 },
        (_, i) => gs[i % 20].sign({ room: `room-${i % 10}`, bandwidthKbps: 1 }),
      ),
    );
    const pending: Promise<Decision>[] = [];
    for (const [i, r] of requests.entries()) {
      pending.push(t.guard.admit(r));
      if (i === 100) {
        Deno.writeTextFileSync(path, JSON.stringify({ version: "v2", room: { capacity: 1000 } }));
        assert.equal(t.policies.reload("test"), true);
      }
    }
    const decisions = await Promise.all(pending);
    assert.equal(decisions.length, 200);
    const versions = new Set(decisions.map((d) => d.policyVersion));
    assert.deepEqual([...versions].sort(), ["v1", "v2"]);
    assert.ok(
      decisions.every((d) => d.decision === "admit" || d.reason === "RATE_LIMITED"),
      JSON.stringify(decisions.find((d) => d.decision === "reject")),
    );

    // An invalid file is refused and v2 stays.
    Deno.writeTextFileSync(path, JSON.stringify({ version: "v3", room: { capacity: "lots" } }));
    assert.equal(t.policies.reload("test"), false);
    assert.equal(t.policies.current.version, "v2");
  } finally {
    await t.stop();
  }
});

Deno.test("gate 8: codec policy picks the caller's first allowed codec or refuses", async () => {
  const t = await testApp();
  try {
    t.setPolicy(policy((p) => (p.rooms["narrow"] = { allowedCodecs: ["PCMA"] })));
    const alice = await guardianWithKey(t, "alice", 100_000);
    const refused = await t.guard.admit(
      await alice.sign({ room: "narrow", codecs: ["opus", "G729"] }),
    );
    assert.equal(reason(refused), "CODEC_UNSUPPORTED");
    assert.match((refused as { message: string }).message, /allows PCMA/);
    const ok = await t.guard.admit(await alice.sign({ room: "narrow", codecs: ["opus", "PCMA"] }));
    assert.equal(ok.decision === "admit" && ok.codec, "PCMA");
  } finally {
    await t.stop();
  }
});

Deno.test("unknown rooms are refused when the policy lists its rooms", async () => {
  const t = await testApp();
  try {
    t.setPolicy(policy((p) => {
      p.allowUnknownRooms = false;
      p.rooms["council-main"] = {};
    }));
    const alice = await guardianWithKey(t, "alice");
    assert.equal(
      reason(await t.guard.admit(await alice.sign({ room: "elsewhere" }))),
      "ROOM_NOT_FOUND",
    );
    assert.equal(reason(await t.guard.admit(await alice.sign({ room: "council-main" }))), "ADMIT");
  } finally {
    await t.stop();
  }
});

Deno.test("when the witness cannot write, the answer is INTERNAL_ERROR and nothing is held", async () => {
  const t = await testApp();
  try {
    const alice = await guardianWithKey(t, "alice");
    const original = t.witness.append.bind(t.witness);
    t.witness.append = () => Promise.reject(new Error("disk full"));
    const d = await t.guard.admit(await alice.sign({ room: "tiny" }));
    assert.equal(reason(d), "INTERNAL_ERROR");
    assert.equal((d as { witnessIndex?: number }).witnessIndex, undefined);
    assert.equal(t.guard.sessions.length, 0);
    t.witness.append = original;
    // The seat and quota were given back.
    assert.equal(reason(await t.guard.admit(await alice.sign({ room: "tiny" }))), "ADMIT");
  } finally {
    await t.stop();
  }
});

Deno.test("a restart remembers nonces from the witness, so replays stay refused", async () => {
  const kvPath = `${tempDir()}/guard.kv`;
  const first = await testApp({ kvPath });
  const alice = await guardianWithKey(first, "alice");
  const request = await alice.sign();
  assert.equal(reason(await first.guard.admit(request)), "ADMIT");
  await first.stop();

  const second = await testApp({ kvPath });
  try {
    assert.equal(await second.guard.restoreNonces(), 1);
    assert.equal(reason(await second.guard.admit(request)), "REPLAYED");
  } finally {
    await second.stop();
  }
});

Deno.test("suspending a guardian ends its sessions", async () => {
  const t = await testApp();
  try {
    const alice = await guardianWithKey(t, "alice");
    await t.guard.admit(await alice.sign());
    await t.guard.admit(await alice.sign({ room: "second" }));
    assert.equal(t.guard.sessions.length, 2);
    assert.equal(await t.guard.endGuardian(alice.id, "guardian-suspended"), 2);
    assert.equal(t.guard.sessions.length, 0);
  } finally {
    await t.stop();
  }
});

Deno.test("registry records never carry the decoded key, and list is sorted by id", async () => {
  const t = await testApp();
  try {
    await guardianWithKey(t, "zed");
    await guardianWithKey(t, "amy");
    assert.deepEqual(t.registry.list().map((g) => g.id), [
      "if://guardian/amy",
      "if://guardian/zed",
    ]);
    const record = t.registry.record("if://guardian/amy")!;
    assert.equal("key" in record, false);
    assert.equal(record.status, "active");
    assert.equal(t.registry.record("if://guardian/nobody"), undefined);
  } finally {
    await t.stop();
  }
});

Deno.test("a source that keeps failing is refused before its signatures are checked", async () => {
  let verified = 0;
  const real = webCryptoVerifier();
  const t = await testApp({
    verifier: { verify: (...args) => (verified++, real.verify(...args)) },
  });
  try {
    const alice = await guardianWithKey(t, "alice");
    // Signed first, so the loop is short; one token refills a second, so a slow host
    // may check one more per second it took.
    const forged = await Promise.all(
      Array.from({ length: 100 }, async () => ({
        ...(await alice.sign()),
        signature: btoa("x".repeat(64)),
      })),
    );
    const outcomes: string[] = [];
    const started = performance.now();
    for (const f of forged) outcomes.push(reason(await t.guard.admit(f, { source: "192.0.2.7" })));
    const refills = Math.ceil((performance.now() - started) / 1000);
    // The burst of 20 failures is checked and answered; the rest never reach the verifier.
    assert.deepEqual(outcomes.slice(0, 20), Array(20).fill("INVALID_SIGNATURE"));
    const checked = outcomes.filter((o) => o === "INVALID_SIGNATURE").length;
    assert.ok(checked <= 20 + refills, outcomes.join());
    assert.equal(checked + outcomes.filter((o) => o === "RATE_LIMITED").length, 100);
    assert.ok(verified <= 20 + refills, `${verified} signature checks`);
    // Another source is not affected.
    const d = await t.guard.admit(await alice.sign(), { source: "198.51.100.1" });
    assert.equal(d.decision, "admit");
  } finally {
    await t.stop();
  }
});

Deno.test("repeated rejects are witnessed as one counted entry, every reject accounted for", async () => {
  const t = await testApp();
  try {
    const before = t.witness.size;
    const decisions: Decision[] = [];
    for (let i = 0; i < 500; i++) {
      const request = {
        guardianId: `if://guardian/nobody-${i}`,
        room: "council-main",
        callType: "ROUTINE" as const,
        bandwidthKbps: 64,
        codecs: ["PCMU" as const],
        pii: false,
        timestamp: Date.now(),
        nonce: `nonce-${String(i).padStart(12, "0")}`,
        signature: btoa("x".repeat(64)),
      };
      // Ten addresses of one /24: one network, one aggregate per reason.
      decisions.push(await t.guard.admit(request, { source: `203.0.113.${i % 10}` }));
    }
    // The first reject of each kind carries its witness index; repeats do not.
    const indexed = decisions.filter((d) =>
      d.decision === "reject" && d.witnessIndex !== undefined
    );
    assert.equal(indexed.length, 2, "NOT_REGISTERED and RATE_LIMITED, once each");
    await t.guard.flushRejects();
    const entries = await t.witness.entries(before, t.witness.size);
    const payloads = entries.map((e) => decodeEntry(e.bytes).payload as Record<string, number>);
    assert.equal(payloads.length, 4, "two first entries and two aggregates");
    assert.equal(payloads.reduce((n, p) => n + p.count, 0), 500);
  } finally {
    await t.stop();
  }
});

Deno.test("an impostor cannot drain a guardian's own admission budget", async () => {
  const t = await testApp();
  try {
    const alice = await guardianWithKey(t, "alice");
    for (let i = 0; i < 50; i++) {
      const forged = { ...(await alice.sign()), signature: btoa("y".repeat(64)) };
      await t.guard.admit(forged, { source: `192.0.2.${i}` });
    }
    const d = await t.guard.admit(await alice.sign(), { source: "198.51.100.9" });
    assert.equal(d.decision, "admit", JSON.stringify(d));
  } finally {
    await t.stop();
  }
});

Deno.test("a password admits the call types the policy lets it; a key-signed registration any", async () => {
  const t = await testApp();
  try {
    await guardianWithKey(t, "alice");
    const vouched = (
      callType: "ROUTINE" | "ESCALATE",
      authentication: "sip-digest" | "h323-registration" | "h323-signed-registration",
    ) =>
      t.guard.admit({
        guardianId: "if://guardian/alice",
        room: "council-main",
        callType,
        bandwidthKbps: 64,
        codecs: ["PCMU"],
        pii: false,
        authentication,
      });
    assert.equal(reason(await vouched("ROUTINE", "sip-digest")), "ADMIT");
    assert.equal(reason(await vouched("ESCALATE", "sip-digest")), "INVALID_SIGNATURE");
    assert.equal(reason(await vouched("ESCALATE", "h323-registration")), "INVALID_SIGNATURE");
    const signed = await vouched("ESCALATE", "h323-signed-registration");
    assert.equal(reason(signed), "ADMIT");
    // The method is on record with the decision.
    const entry = decodeEntry((await t.witness.entry(signed.witnessIndex!))!);
    const request = (entry.payload as { request: { authentication: string; callType: string } })
      .request;
    assert.deepEqual([request.authentication, request.callType], [
      "h323-signed-registration",
      "ESCALATE",
    ]);
    // "Unless the policy says otherwise."
    t.setPolicy(policy((p) => p.passwordCallTypes = ["ROUTINE", "ESCALATE"]));
    assert.equal(reason(await vouched("ESCALATE", "sip-digest")), "ADMIT");
  } finally {
    await t.stop();
  }
});

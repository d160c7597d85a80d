// Consent to a recording (provenance/consent.ts): decided when every member asked has
// consented, at the first refusal, or when one does not answer in time; a member who
// leaves need not answer; while the recording runs, newcomers are asked one by one.

import assert from "node:assert/strict";
import { type ConsentOutcome, Consents } from "../../../provenance/consent.ts";

const alice = { memberId: "leg-a", guardianId: "if://guardian/alice" };
const bob = { memberId: "leg-b", guardianId: "if://guardian/bob" };
const carol = { memberId: "leg-c", guardianId: "if://guardian/carol" };

function consents(timeoutMs = 60_000) {
  const decided: [string, ConsentOutcome][] = [];
  const c = new Consents({ timeoutMs, decided: (id, o) => decided.push([id, o]) });
  return { c, decided };
}

Deno.test("every member consents: decided once, when the last has", () => {
  const { c, decided } = consents();
  c.ask("rec-1", "main", [alice, bob]);
  assert.equal(c.answer("main", alice.memberId, true), "consented");
  assert.deepEqual(decided, []);
  assert.deepEqual(c.pending("main"), { recordingId: "rec-1", waiting: [bob.memberId] });
  assert.equal(c.answer("main", bob.memberId, true), "consented");
  assert.deepEqual(decided, [["rec-1", { ok: true }]]);
  assert.equal(c.answer("main", bob.memberId, true), "not asked", "asked once");
  assert.equal(c.answer("other", alice.memberId, true), "not asked");
  c.forget("rec-1");
});

Deno.test("one refusal decides it, naming who refused", () => {
  const { c, decided } = consents();
  c.ask("rec-1", "main", [alice, bob]);
  assert.equal(c.answer("main", bob.memberId, false), "refused");
  assert.deepEqual(decided, [["rec-1", {
    ok: false,
    reason: "if://guardian/bob refused to be recorded",
    member: bob,
  }]]);
  assert.equal(c.pending("main"), undefined, "nothing is asked any more");
  assert.equal(c.answer("main", alice.memberId, true), "not asked");
});

Deno.test("a member who does not answer in time refuses; one who leaves need not answer", async () => {
  const { c, decided } = consents(30);
  c.ask("rec-1", "main", [alice, bob]);
  c.answer("main", alice.memberId, true);
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(decided.length, 1);
  assert.equal(decided[0][1].ok, false);
  assert.match((decided[0][1] as { reason: string }).reason, /bob did not consent within 0 s/);

  const left = consents(30);
  left.c.ask("rec-2", "main", [alice, bob]);
  left.c.answer("main", alice.memberId, true);
  left.c.left("main", bob.memberId);
  assert.deepEqual(left.decided, [["rec-2", { ok: true }]]);
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(left.decided.length, 1, "no timeout for a member who left");
  left.c.forget("rec-2");
});

Deno.test("while it records, a newcomer is asked: consent keeps it going, refusal stops it", () => {
  const { c, decided } = consents();
  c.ask("rec-1", "main", [alice]);
  c.answer("main", alice.memberId, true);
  c.started("rec-1");
  assert.equal(c.joined("main", bob), "rec-1");
  assert.equal(c.joined("elsewhere", carol), undefined);
  assert.equal(c.answer("main", bob.memberId, true), "consented");
  assert.equal(decided.length, 1, "a consenting newcomer decides nothing");
  assert.equal(c.joined("main", bob), undefined, "consented already");
  c.joined("main", carol);
  assert.equal(c.answer("main", carol.memberId, false), "refused");
  assert.equal(decided.length, 2);
  assert.equal(decided[1][1].ok, false);
});

Deno.test("a room with nobody to ask is decided at once", () => {
  const { c, decided } = consents();
  c.ask("rec-1", "main", []);
  assert.deepEqual(decided, [["rec-1", { ok: true }]]);
  c.forget("rec-1");
});

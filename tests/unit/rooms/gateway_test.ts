// The gateway's routing and leg linking with stand-in stacks (the real stacks meet
// in tests/integration/gateway_test.ts), and RFC 3398's SIP <-> Q.850 mapping.

import assert from "node:assert/strict";
import {
  type Callee,
  type CallOptions,
  type Dialled,
  Gateway,
  type GatewayStack,
  parseDialled,
  type Protocol,
} from "../../../rooms/mod.ts";
import { CallError } from "../../../signaling/call_error.ts";
import { causeOfStatus, statusOfCause } from "../../../signaling/sip/q850.ts";
import { createLogger } from "../../../telemetry/mod.ts";
import type { WitnessLog } from "../../../witness/mod.ts";

/** A stack whose registrations are a name -> guardian map and whose calls the test answers. */
class FakeStack implements GatewayStack {
  readonly hungUp: [string, number][] = [];
  readonly digits: [string, string][] = [];
  readonly calls: {
    room: string;
    callee: Callee;
    o: CallOptions;
    answer: (legId: string) => void;
    fail: (e: Error) => void;
  }[] = [];
  constructor(readonly protocol: Protocol, readonly names: Record<string, string>) {}
  locate(d: Dialled): Promise<Callee | undefined> {
    const guardianId = this.names[d.name];
    return Promise.resolve(
      guardianId ? { protocol: this.protocol, guardianId, address: d.name } : undefined,
    );
  }
  call(room: string, callee: Callee, o: CallOptions): Promise<string> {
    return new Promise((answer, fail) => {
      this.calls.push({ room, callee, o, answer, fail });
      o.signal.addEventListener("abort", () => fail(new CallError("cancelled", 487, 16)));
    });
  }
  hangup(legId: string, cause: number): Promise<boolean> {
    this.hungUp.push([legId, cause]);
    return Promise.resolve(true);
  }
  sendDigits(legId: string, digits: string): Promise<void> {
    this.digits.push([legId, digits]);
    return Promise.resolve();
  }
}

function setup() {
  const entries: { type: string; payload: Record<string, unknown> }[] = [];
  const witness = {
    append: (type: string, payload: Record<string, unknown>) => {
      entries.push({ type, payload });
      return Promise.resolve({ index: entries.length - 1 });
    },
  } as unknown as WitnessLog;
  const gateway = new Gateway(witness, createLogger({ level: "error" }));
  const sip = new FakeStack("sip", { bob: "if://guardian/bob", alice: "if://guardian/alice" });
  const h323 = new FakeStack("h323", {
    bob: "if://guardian/bob",
    "1002": "if://guardian/carol",
    alice: "if://guardian/alice",
  });
  gateway.register(sip);
  gateway.register(h323);
  return { gateway, sip, h323, entries };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

Deno.test("parseDialled: names, E.164 numbers and URIs; junk refused", () => {
  assert.deepEqual(parseDialled("bob"), { name: "bob", protocol: undefined });
  assert.deepEqual(parseDialled("+1002"), { name: "1002", protocol: undefined });
  assert.deepEqual(parseDialled("sip:bob@10.0.0.1:5060"), { name: "bob", protocol: "sip" });
  assert.deepEqual(parseDialled("h323:bob"), { name: "bob", protocol: "h323" });
  assert.deepEqual(parseDialled("bob@example.org"), { name: "bob", protocol: undefined });
  for (const bad of ["", "a b", "-bob", "x".repeat(65), "sip:", "../etc"]) {
    assert.equal(parseDialled(bad), undefined, bad);
  }
});

Deno.test("gateway routing: the other network first, then the caller's; never the caller; unknown names are cause 1", async () => {
  const { gateway } = setup();
  const caller = (protocol: Protocol) => ({ protocol, guardianId: "if://guardian/alice" });
  // Bob is on both networks: a SIP caller reaches his H.323 terminal and the reverse.
  assert.equal((await gateway.route("bob", caller("sip"))).protocol, "h323");
  assert.equal((await gateway.route("bob", caller("h323"))).protocol, "sip");
  // A named network is the only one asked.
  assert.equal((await gateway.route("sip:bob@council", caller("sip"))).protocol, "sip");
  // E.164 digits reach the terminal that registered them.
  assert.equal((await gateway.route("+1002", caller("sip"))).guardianId, "if://guardian/carol");
  // Alice dialling herself finds nobody else.
  for (const name of ["alice", "nobody", "a b"]) {
    await assert.rejects(
      gateway.route(name, caller("sip")),
      (e: unknown) => e instanceof CallError && e.status === 404 && (e.q850 === 1 || e.q850 === 28),
    );
  }
});

Deno.test("gateway legs: alerting and answer reach the caller; either hangup ends the other leg; digits cross", async () => {
  const { gateway, sip, h323, entries } = setup();
  const callee = await gateway.route("bob", { protocol: "sip", guardianId: "if://guardian/alice" });
  const room = gateway.open(
    { protocol: "sip", guardianId: "if://guardian/alice", legId: "sip-a" },
    callee,
    "bob",
  );
  assert.match(room, /^gateway\/[0-9a-f-]{13}$/);
  let rang = 0;
  const connected = gateway.connect(room, () => rang++);
  await tick();
  const dial = h323.calls[0];
  assert.equal(dial.room, room);
  assert.equal(dial.o.caller, "alice");
  // Digits before the answer belong to nobody yet: taken, not sent.
  assert.equal(gateway.relayDigits("sip-a", "1"), true);
  dial.o.alerting();
  assert.equal(rang, 1);
  dial.answer("h323-b");
  assert.equal(await connected, "h323-b");
  assert.equal(gateway.list()[0].state, "answered");

  assert.equal(gateway.relayDigits("sip-a", "*6"), true);
  assert.equal(gateway.relayDigits("h323-b", "5"), true);
  assert.equal(gateway.relayDigits("sip-other", "5"), false);
  assert.deepEqual(h323.digits, [["h323-b", "*6"]]);
  assert.deepEqual(sip.digits, [["sip-a", "5"]]);

  // The callee hangs up: the caller's leg is hung up with the cause.
  gateway.ended("h323-b", 16);
  assert.deepEqual(sip.hungUp, [["sip-a", 16]]);
  assert.deepEqual(h323.hungUp, []);
  assert.equal(gateway.count, 0);
  // The caller's own teardown afterwards changes nothing.
  gateway.ended("sip-a");
  assert.deepEqual(h323.hungUp, []);
  await tick();
  assert.deepEqual(entries.map((e) => e.type), ["gateway.call.answered", "gateway.call.ended"]);
  assert.equal(entries[1].payload.by, "callee");
});

Deno.test("gateway failures: the callee's cause comes back; a caller leaving stops the dialling; a late answer is hung up", async () => {
  const { gateway, h323, entries } = setup();
  const alice = { protocol: "sip" as const, guardianId: "if://guardian/alice" };
  const callee = await gateway.route("bob", alice);

  // Busy: the stack's cause 17 is what the caller's stack gets.
  const r1 = gateway.open({ ...alice, legId: "a1" }, callee, "bob");
  const busy = gateway.connect(r1, () => {});
  await tick();
  h323.calls[0].fail(new CallError("busy", 480, 17));
  await assert.rejects(busy, (e: unknown) => e instanceof CallError && e.q850 === 17);
  // Errors that are not CallErrors become temporary failures (41).
  const r2 = gateway.open({ ...alice, legId: "a2" }, callee, "bob");
  const broken = gateway.connect(r2, () => {});
  await tick();
  h323.calls[1].fail(new Error("socket closed"));
  await assert.rejects(broken, (e: unknown) => e instanceof CallError && e.q850 === 41);

  // The caller leaves while it rings: the callee's dialling is aborted.
  const r3 = gateway.open({ ...alice, legId: "a3" }, callee, "bob");
  const gone = gateway.connect(r3, () => {});
  await tick();
  gateway.ended("a3");
  assert.equal(h323.calls[2].o.signal.aborted, true);
  await assert.rejects(gone, (e: unknown) => e instanceof CallError && e.q850 === 16);

  // A stack that answers anyway after the caller left: that leg is hung up.
  const r4 = gateway.open({ ...alice, legId: "a4" }, callee, "bob");
  const late = gateway.connect(r4, () => {});
  await tick();
  h323.calls[3].answer("late-leg");
  gateway.ended("a4"); // before connect() sees the answer
  await assert.rejects(late, (e: unknown) => e instanceof CallError && e.q850 === 16);
  assert.deepEqual(h323.hungUp, [["late-leg", 16]]);
  assert.equal(gateway.count, 0);
  await tick();
  assert.deepEqual(
    entries.map((e) => [e.type, e.payload.cause]),
    [
      ["gateway.call.failed", 17],
      ["gateway.call.failed", 41],
      ["gateway.call.failed", 16],
    ],
  );
});

Deno.test("RFC 3398: Q.850 causes <-> SIP statuses", () => {
  for (
    const [cause, status] of [
      [1, 404],
      [17, 486],
      [18, 408],
      [19, 480],
      [21, 403],
      [28, 484],
      [
        34,
        503,
      ],
      [102, 504],
      [127, 500],
      [16, 480],
      [999, 500],
    ]
  ) {
    assert.equal(statusOfCause(cause), status, `cause ${cause}`);
  }
  assert.equal(statusOfCause(undefined), 500);
  for (
    const [status, cause] of [
      [404, 1],
      [486, 17],
      [480, 18],
      [403, 21],
      [408, 102],
      [503, 41],
      [
        603,
        21,
      ],
      [487, 127],
      [299, 127],
    ]
  ) {
    assert.equal(causeOfStatus(status), cause, `status ${status}`);
  }
});

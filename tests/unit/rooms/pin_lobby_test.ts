// The PIN lobby's state machine with an injected clock (digits, '*', '#', the
// entry and total timeouts, three wrong entries, limited entries, admission), and
// guard's side: guests admitted as room-pin on the held port, ESCALATE rooms
// refused, wrong PINs limited per source and per room before any hashing.

import assert from "node:assert/strict";
import { type LobbyClock, type LobbyIO, PinLobby } from "../../../rooms/pin_lobby.ts";
import type { PinOutcome } from "../../../guard/guard.ts";
import { DEFAULT_POLICY, type Policy } from "../../../guard/policy.ts";
import { testApp } from "../../_helpers/app.ts";

class FakeClock implements LobbyClock {
  now = 0;
  #next = 1;
  #timers = new Map<number, { at: number; fn: () => void }>();
  setTimeout(fn: () => void, ms: number): number {
    const id = this.#next++;
    this.#timers.set(id, { at: this.now + ms, fn });
    return id;
  }
  clearTimeout(id: number): void {
    this.#timers.delete(id);
  }
  async advance(ms: number): Promise<void> {
    const end = this.now + ms;
    for (;;) {
      await flush();
      const due = [...this.#timers].filter(([, t]) =>
        t.at <= end
      ).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.#timers.delete(due[0]);
      this.now = due[1].at;
      due[1].fn();
    }
    this.now = end;
    await flush();
  }
}

const flush = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

function fakeIO(outcomes: (pin: string) => PinOutcome, admit = true) {
  const log = {
    played: [] as string[],
    checked: [] as string[],
    hungUp: [] as string[],
    admitted: 0,
  };
  const io: LobbyIO = {
    play: (name) => {
      log.played.push(name);
      return Promise.resolve(2000);
    },
    check: (pin) => {
      log.checked.push(pin);
      return Promise.resolve(outcomes(pin));
    },
    admit: () => {
      log.admitted++;
      return Promise.resolve(admit ? { ok: true } : { ok: false, why: "CAPACITY_EXCEEDED" });
    },
    hangup: (reason) => log.hungUp.push(reason),
  };
  return { io, log };
}

async function allEntries(
  w: { newestFirst(o: number): AsyncIterable<{ type: string; index: number; payload: unknown }> },
) {
  const out: { type: string; index: number; payload: Record<string, unknown> }[] = [];
  for await (const e of w.newestFirst(0)) {
    out.unshift({ type: e.type, index: e.index, payload: e.payload as Record<string, unknown> });
  }
  return out;
}

const right = (pin: string): PinOutcome => pin === "2468" ? "right" : "wrong";

Deno.test("lobby: digits, * clears, # submits; a wrong then the right PIN admits", async () => {
  const clock = new FakeClock();
  const { io, log } = fakeIO(right);
  const lobby = new PinLobby(io, clock);
  lobby.start();
  await clock.advance(0);
  assert.deepEqual(log.played, ["welcome"]);
  lobby.digit("99*");
  assert.equal(lobby.entry, "");
  lobby.digit("1111#");
  await clock.advance(0);
  assert.deepEqual(log.checked, ["1111"]);
  assert.equal(lobby.wrong, 1);
  assert.deepEqual(log.played, ["welcome", "wrong"]);
  lobby.digit("2");
  lobby.digit("4");
  lobby.digit("6");
  lobby.digit("8");
  lobby.digit("#");
  await clock.advance(0);
  assert.deepEqual(log.checked, ["1111", "2468"]);
  assert.equal(log.admitted, 1);
  assert.equal(lobby.state, "admitted");
  assert.deepEqual(log.played, ["welcome", "wrong", "joining"]);
  // Admitted: digits are no longer the lobby's, and no timer hangs up.
  lobby.digit("1#");
  await clock.advance(120_000);
  assert.deepEqual(log.hungUp, []);
  assert.equal(log.checked.length, 2);
});

Deno.test("lobby: three wrong entries are a goodbye, then the hang-up after it played", async () => {
  const clock = new FakeClock();
  const { io, log } = fakeIO(right);
  const lobby = new PinLobby(io, clock);
  lobby.start();
  // Keyed ahead while the first is checked: they wait for its outcome.
  lobby.digit("1#2#3#");
  await clock.advance(0);
  assert.deepEqual(log.checked, ["1", "2", "3"]);
  assert.equal(lobby.state, "leaving");
  assert.equal(log.played.at(-1), "goodbye");
  assert.deepEqual(log.hungUp, []);
  await clock.advance(2000 + 250);
  assert.deepEqual(log.hungUp, ["pin-wrong"]);
  assert.equal(log.admitted, 0);
});

Deno.test("lobby: a limited entry is a goodbye at once; a refused admission too", async () => {
  const clock = new FakeClock();
  const limited = fakeIO(() => "limited");
  new PinLobby(limited.io, clock).start();
  const l = new PinLobby(limited.io, clock);
  l.start();
  l.digit("1234#");
  await clock.advance(3000);
  assert.deepEqual(limited.log.hungUp, ["pin-limited"]);

  const refused = fakeIO(() => "right", false);
  const r = new PinLobby(refused.io, clock);
  r.start();
  r.digit("1234#");
  await clock.advance(3000);
  assert.equal(refused.log.played.at(-1), "refused");
  assert.match(refused.log.hungUp[0], /^pin-refused: CAPACITY_EXCEEDED/);
});

Deno.test("lobby: 20 s without an entry prompts again; 60 s in all hangs up", async () => {
  const clock = new FakeClock();
  const { io, log } = fakeIO(right);
  const lobby = new PinLobby(io, clock);
  lobby.start();
  await clock.advance(2000 + 20_000 - 1);
  assert.deepEqual(log.played, ["welcome"]);
  await clock.advance(1);
  assert.deepEqual(log.played, ["welcome", "again"]);
  // A digit restarts the wait; an unfinished entry is dropped when it runs out.
  lobby.digit("12");
  await clock.advance(19_000);
  assert.deepEqual(log.played, ["welcome", "again"]);
  await clock.advance(1_000);
  assert.equal(lobby.entry, "");
  assert.deepEqual(log.played, ["welcome", "again", "again"]);
  await clock.advance(60_000 - clock.now);
  assert.equal(lobby.state, "leaving");
  await clock.advance(2250);
  assert.deepEqual(log.hungUp, ["pin-lobby-timeout"]);
  assert.deepEqual(log.checked, []);
});

Deno.test("lobby: stop() ends every timer (the call went away)", async () => {
  const clock = new FakeClock();
  const { io, log } = fakeIO(right);
  const lobby = new PinLobby(io, clock);
  lobby.start();
  lobby.stop();
  lobby.digit("2468#");
  await clock.advance(200_000);
  assert.deepEqual([log.checked, log.hungUp, log.played], [[], [], ["welcome"]]);
});

function pinPolicy(over: Partial<Policy["roomPin"]> = {}): Policy {
  return {
    ...structuredClone(DEFAULT_POLICY),
    version: "pin-test",
    roomPin: { ...DEFAULT_POLICY.roomPin, ...over },
    rooms: { esc: { callType: "ESCALATE" }, tiny: { capacity: 1 } },
  };
}

Deno.test("guard: a guest is admitted as room-pin on the lobby's port, witnessed with its claim", async () => {
  const t = await testApp();
  try {
    t.setPolicy(pinPolicy());
    const held = t.guard.holdLobby("main", "192.0.2.7");
    assert.ok("hold" in held);
    const hold = held.hold;
    assert.equal(t.guard.lobbyCount("main"), 1);
    const d = await t.guard.admit({
      guardianId: "guest-0a1b2c3d",
      room: "main",
      callType: "ROUTINE",
      bandwidthKbps: 80,
      codecs: ["PCMU"],
      pii: false,
      authentication: "room-pin",
      claimedIdentity: "Vera <visitor>",
    }, { source: "192.0.2.7", hold });
    assert.equal(d.decision, "admit");
    if (d.decision !== "admit") return;
    assert.equal(d.media.port, hold.media.port, "the guest keeps the lobby's port");
    assert.equal(t.guard.lobbyCount("main"), 0);
    t.guard.releaseLobby(hold); // adopted: the port stays the session's
    const p = (await allEntries(t.witness)).find((e) => e.index === d.witnessIndex)!.payload;
    assert.equal(p.method, "room-pin");
    assert.deepEqual(p.guest, {
      source: "192.0.2.7",
      claimedIdentity: "Vera <visitor>",
      verified: false,
    });
    // Guests count toward seats: "tiny" holds one.
    const h2 = t.guard.holdLobby("tiny", "192.0.2.8");
    const h3 = t.guard.holdLobby("tiny", "192.0.2.9");
    assert.ok("hold" in h2 && "hold" in h3);
    const guest = (id: string, room: string, hold: ReturnType<typeof t.guard.holdLobby>) =>
      t.guard.admit({
        guardianId: id,
        room,
        callType: "ROUTINE",
        bandwidthKbps: 80,
        codecs: ["PCMU"],
        pii: false,
        authentication: "room-pin",
      }, { source: "192.0.2.8", hold: "hold" in hold ? hold.hold : undefined });
    assert.equal((await guest("guest-00000001", "tiny", h2)).decision, "admit");
    const full = await guest("guest-00000002", "tiny", h3);
    assert.equal(full.decision === "reject" && full.reason, "CAPACITY_EXCEEDED");
    // ESCALATE rooms and over-quota bandwidth are refused; a guest id must look like one.
    const esc = t.guard.holdLobby("esc", "192.0.2.8");
    const e = await guest("guest-00000003", "esc", esc);
    assert.equal(e.decision === "reject" && e.reason, "INVALID_SIGNATURE");
    assert.match(
      e.decision === "reject" ? e.message : "",
      /ESCALATE rooms do not admit callers by PIN/,
    );
    const bad = await t.guard.admit({
      guardianId: "if://guardian/someone",
      room: "main",
      callType: "ROUTINE",
      bandwidthKbps: 80,
      codecs: ["PCMU"],
      pii: false,
      authentication: "room-pin",
    });
    assert.equal(bad.decision, "reject");
    const wide = await t.guard.admit({
      guardianId: "guest-00000004",
      room: "main",
      callType: "ROUTINE",
      bandwidthKbps: 129,
      codecs: ["PCMU"],
      pii: false,
      authentication: "room-pin",
    });
    assert.equal(wide.decision === "reject" && wide.reason, "BANDWIDTH_EXCEEDED");
  } finally {
    await t.stop();
  }
});

Deno.test("guard: lobby seats are capped per room and in all", async () => {
  const t = await testApp();
  try {
    t.setPolicy(pinPolicy({ lobbyPerRoom: 2, lobbyTotal: 3 }));
    const a = t.guard.holdLobby("r1", "192.0.2.1");
    const b = t.guard.holdLobby("r1", "192.0.2.1");
    const c = t.guard.holdLobby("r1", "192.0.2.1");
    assert.ok("hold" in a && "hold" in b && "refused" in c);
    assert.match(c.refused, /r1's PIN lobby is full/);
    assert.ok("hold" in t.guard.holdLobby("r2", "192.0.2.1"));
    const d = t.guard.holdLobby("r3", "192.0.2.1");
    assert.ok("refused" in d && /lobbies are full/.test(d.refused));
    t.guard.releaseLobby(a.hold);
    t.guard.releaseLobby(a.hold); // twice is once
    assert.equal(t.guard.lobbyCount(), 2);
    assert.ok("hold" in t.guard.holdLobby("r3", "192.0.2.1"));
  } finally {
    await t.stop();
  }
});

Deno.test("attack: wrong PINs from one source are cut off before hashing and witnessed in aggregate", async () => {
  const t = await testApp();
  try {
    t.setPolicy(pinPolicy());
    const held = t.guard.holdLobby("main", "198.51.100.20");
    assert.ok("hold" in held);
    let hashed = 0;
    const wrongPin = () => {
      hashed++;
      return Promise.resolve(false);
    };
    const outcomes: PinOutcome[] = [];
    for (let i = 0; i < 200; i++) {
      outcomes.push(await t.guard.checkPin(held.hold, "attacker", wrongPin));
    }
    // Five wrong entries are checked (the source's burst); the other 195 never hash.
    assert.equal(hashed, 5);
    assert.equal(outcomes.filter((o) => o === "wrong").length, 5);
    assert.equal(outcomes.filter((o) => o === "limited").length, 195);
    // Another address of the same /24 shares the limit; another network does not.
    const same = t.guard.holdLobby("main", "198.51.100.99");
    assert.ok("hold" in same);
    assert.equal(await t.guard.checkPin(same.hold, "x", wrongPin), "limited");
    const other = t.guard.holdLobby("main", "203.0.113.5");
    assert.ok("hold" in other);
    assert.equal(await t.guard.checkPin(other.hold, "x", () => Promise.resolve(true)), "right");
    // A right PIN gives its tokens back: it never counts against anyone.
    for (let i = 0; i < 10; i++) {
      assert.equal(await t.guard.checkPin(other.hold, "x", () => Promise.resolve(true)), "right");
    }
    await t.guard.flushRejects();
    const entries = (await allEntries(t.witness)).filter((e) => e.type === "guard.pin")
      .map((e) => e.payload);
    const count = (outcome: string) =>
      entries.filter((e) => e.outcome === outcome).reduce((n, e) => n + (e.count as number), 0);
    assert.equal(count("wrong"), 5);
    assert.equal(count("limited"), 196);
    assert.ok(entries.length <= 4, `${entries.length} entries`);
  } finally {
    await t.stop();
  }
});

Deno.test("guard: wrong PINs per room cap many sources together", async () => {
  const t = await testApp();
  try {
    t.setPolicy(pinPolicy({ wrongPerRoom: { perSecond: 0, burst: 3 } }));
    let hashed = 0;
    const wrongPin = () => {
      hashed++;
      return Promise.resolve(false);
    };
    const outcomes: PinOutcome[] = [];
    for (let i = 0; i < 6; i++) {
      const h = t.guard.holdLobby("main", `10.${i}.0.1`);
      assert.ok("hold" in h);
      outcomes.push(await t.guard.checkPin(h.hold, "x", wrongPin));
      t.guard.releaseLobby(h.hold);
    }
    assert.deepEqual(outcomes, ["wrong", "wrong", "wrong", "limited", "limited", "limited"]);
    assert.equal(hashed, 3);
  } finally {
    await t.stop();
  }
});

// The leg's acceptance rule (media/engine/source_lock.ts) and how a Leg applies it:
// media only from the signalled host, the port locked on the first packet of the
// agreed stream and never re-latched, media sent to the announced address.

import assert from "node:assert/strict";
import { LATCH_WINDOW_MS, SourceLock } from "../../../media/engine/source_lock.ts";
import { Leg, type LegEvents } from "../../../media/engine/leg.ts";
import type { LegSpec, RemoteAddress, SourceLockState } from "../../../media/engine/protocol.ts";
import { serializeRtp } from "../../../media/rtp/mod.ts";
import { serializeReport } from "../../../media/rtcp/mod.ts";

const PHONE = { address: "127.0.0.1", port: 30000 };
const at = (address: string, port: number): RemoteAddress => ({ address, port });

Deno.test("source lock: nothing signalled and latching off accepts nothing", () => {
  const lock = new SourceLock(undefined, "off", 0);
  assert.equal(lock.admitsRtp(at("127.0.0.2", 30000), 1), false);
  assert.equal(lock.admitsRtcp(at("127.0.0.2", 30001)), false);
  assert.equal(lock.sendTo, undefined);
});

Deno.test("source lock: a stranger is refused before and after the phone's first packet", () => {
  const lock = new SourceLock(PHONE, "off", 0);
  // Before: the attacker races the phone.
  assert.equal(lock.admitsRtp(at("127.0.0.2", 30000), 10), false);
  assert.equal(lock.admitsRtp(PHONE, 20), true);
  lock.lock(PHONE, 7);
  // Long after (the phone silent for minutes): still refused, no re-latch.
  assert.equal(lock.admitsRtp(at("127.0.0.2", 30000), 600_000), false);
  assert.deepEqual(lock.sendTo, PHONE);
});

Deno.test("source lock: a terminal sending from another port on its host is locked on that port; media still goes to the announced one", () => {
  const announced = at("10.77.0.2", 5000);
  const lock = new SourceLock(announced, "off", 0);
  const sending = at("10.77.0.2", 43261);
  assert.equal(lock.admitsRtp(sending, 5), true);
  const state = lock.lock(sending, 0x2e3c2369);
  assert.deepEqual(state, { address: "10.77.0.2", port: 43261, ssrc: 0x2e3c2369, latched: false });
  assert.deepEqual(lock.sendTo, announced, "sent to the announced port, not the source port");
  assert.deepEqual(lock.rtcpTo(false), at("10.77.0.2", 5001));
  // Locked once: the announced port itself, or a third socket on the host, is refused now.
  assert.equal(lock.admitsRtp(announced, 6), false);
  assert.equal(lock.admitsRtp(at("10.77.0.2", 40000), 7), false);
  assert.equal(lock.lock(at("10.77.0.2", 40000), 1), undefined, "never re-latched");
});

Deno.test("source lock: RTCP from the peer's host only, its port locked on the first report", () => {
  const lock = new SourceLock(PHONE, "off", 0);
  assert.equal(lock.admitsRtcp(at("127.0.0.2", 30001)), false);
  lock.lock(PHONE, 1);
  assert.equal(lock.admitsRtcp(at("127.0.0.1", 30001)), true);
  assert.equal(lock.admitsRtcp(at("127.0.0.1", 30001)), true);
  assert.equal(lock.admitsRtcp(at("127.0.0.1", 30009)), false);
});

Deno.test("source lock: a new announced address (re-INVITE) drops the lock; the same one keeps it", () => {
  const lock = new SourceLock(PHONE, "off", 0);
  lock.lock(PHONE, 1);
  lock.signal({ ...PHONE }, 100);
  assert.ok(lock.state, "same address: lock kept");
  const moved = at("127.0.0.3", 32000);
  lock.signal(moved, 200);
  assert.equal(lock.state, undefined);
  assert.equal(lock.admitsRtp(PHONE, 201), false, "the old host is a stranger now");
  assert.equal(lock.admitsRtp(moved, 202), true);
});

Deno.test("source lock: latching policy takes the first source within the window, once", () => {
  const lock = new SourceLock(at("192.168.1.10", 4000), "first-packets", 1000);
  const nat = at("203.0.113.5", 61000);
  assert.equal(lock.admitsRtp(nat, 1000 + LATCH_WINDOW_MS), true);
  const state = lock.lock(nat, 99);
  assert.equal(state?.latched, true);
  assert.deepEqual(lock.sendTo, nat, "sent back to the NAT's mapping");
  assert.equal(lock.admitsRtp(at("203.0.113.6", 61000), 1000 + LATCH_WINDOW_MS), false);
  assert.equal(lock.lock(at("203.0.113.6", 61000), 5), undefined);
});

Deno.test("source lock: latching policy after its window accepts only the signalled host", () => {
  const lock = new SourceLock(PHONE, "first-packets", 0);
  assert.equal(lock.admitsRtp(at("127.0.0.2", 1), LATCH_WINDOW_MS + 1), false);
  assert.equal(lock.admitsRtp(at("127.0.0.1", 1234), LATCH_WINDOW_MS + 1), true);
  // Same host, other port: not a NAT; media still goes to the announced port.
  assert.equal(lock.lock(at("127.0.0.1", 1234), 1)?.latched, false);
  assert.deepEqual(lock.sendTo, PHONE);
});

Deno.test("source lock: a lock restored on failover stands only for its own host", () => {
  const kept: SourceLockState = { address: "127.0.0.1", port: 41000, ssrc: 3, latched: false };
  const restored = new SourceLock(PHONE, "off", 0, kept);
  assert.deepEqual(restored.state, kept);
  assert.equal(restored.admitsRtp(PHONE, 1), false, "locked on 41000, not the announced port");
  const elsewhere = new SourceLock(at("127.0.0.9", 1), "off", 0, kept);
  assert.equal(elsewhere.state, undefined);
});

// --- the Leg ---------------------------------------------------------------

interface Sent {
  to: RemoteAddress;
  rtcp: boolean;
}

function legFor(spec: Partial<LegSpec> = {}) {
  const sent: Sent[] = [];
  const locks: SourceLockState[] = [];
  const rejects: { count: number; total: number }[] = [];
  const events: LegEvents = {
    locked: (_l, lock) => locks.push(lock),
    rejected: (_l, _from, count, total) => rejects.push({ count, total }),
    dtmf: () => {},
  };
  const leg = new Leg(
    {
      legId: "leg-1",
      roomId: "room-1",
      port: 40000,
      host: "127.0.0.1",
      codec: { codec: "PCMU", payloadType: 0 },
      remote: PHONE,
      rtcpMux: true,
      ...spec,
    },
    8000,
    { send: (_data, to, rtcp) => sent.push({ to: { ...to }, rtcp }) },
    events,
    0,
  );
  return { leg, sent, locks, rejects };
}

const rtp = (seq: number, ssrc = 1234) =>
  serializeRtp({
    marker: false,
    payloadType: 0,
    sequenceNumber: seq,
    timestamp: seq * 160,
    ssrc,
    payload: new Uint8Array(160).fill(0xff),
  });

Deno.test("leg: a stranger's RTP before and after the phone's is counted and dropped; the mix goes to the announced address", () => {
  const { leg, sent, locks, rejects } = legFor();
  const attacker = at("127.0.0.2", 30000);
  for (let i = 0; i < 5; i++) leg.onDatagram(rtp(i, 666), attacker, i * 20, false);
  for (let i = 0; i < 5; i++) leg.onDatagram(rtp(100 + i), PHONE, 100 + i * 20, false);
  // Three seconds of the phone's silence, then the attacker again.
  for (let i = 0; i < 5; i++) leg.onDatagram(rtp(i + 5, 666), attacker, 3300 + i * 20, false);
  const s = leg.stats();
  assert.equal(s.rejectedSource, 10);
  assert.equal(s.packetsIn, 5);
  assert.deepEqual(s.source, PHONE);
  assert.deepEqual(s.remote, PHONE);
  assert.equal(s.latched, false);
  assert.deepEqual(locks, [{ ...PHONE, ssrc: 1234, latched: false }]);
  // Reported at once, then at most every 10 s: two reports would be a flood of events.
  assert.deepEqual(rejects, [{ count: 1, total: 1 }]);
  leg.sendFrame(new Uint8Array(160));
  assert.deepEqual(sent.map((x) => x.to), [PHONE]);
  leg.close();
});

Deno.test("leg: a terminal announcing port A and sending from port B gets its media on A", () => {
  const announced = at("127.0.0.1", 5000);
  const { leg, sent } = legFor({ remote: announced, rtcpMux: false });
  for (let i = 0; i < 3; i++) leg.onDatagram(rtp(i), at("127.0.0.1", 43261), i * 20, false);
  leg.sendFrame(new Uint8Array(160));
  const s = leg.stats();
  assert.equal(s.packetsIn, 3);
  assert.deepEqual(s.source, at("127.0.0.1", 43261));
  assert.deepEqual(sent.filter((x) => !x.rtcp).map((x) => x.to), [announced]);
  // RTCP reports go to the announced RTCP port (A + 1), not to where RTCP comes from.
  leg.onDatagram(
    serializeReport({ ssrc: 1234, cname: "t", reports: [], bye: false }),
    at("127.0.0.1", 43262),
    100,
    true,
  );
  leg.close(); // sends a BYE report
  assert.deepEqual(sent.filter((x) => x.rtcp).at(-1)?.to, at("127.0.0.1", 5001));
});

Deno.test("leg: RTCP from a stranger is rejected and does not keep the leg alive", () => {
  const { leg } = legFor({ inactivityMs: 1000 });
  const report = serializeReport({ ssrc: 9, cname: "x", reports: [], bye: false });
  for (let t = 0; t < 2000; t += 200) leg.onDatagram(report, at("127.0.0.2", 30001), t, true);
  assert.equal(leg.stats().rejectedSource, 10);
  assert.ok(leg.housekeep(2000), "reported dead: the stranger's RTCP did not count as the peer");
  leg.close();
});

Deno.test("leg: the spec handed to failover keeps the announced address and the lock", () => {
  const { leg } = legFor();
  leg.onDatagram(rtp(1), at("127.0.0.1", 30002), 0, false);
  const spec = leg.spec;
  assert.deepEqual(spec.remote, PHONE);
  assert.deepEqual(spec.lock, { address: "127.0.0.1", port: 30002, ssrc: 1234, latched: false });
  leg.close();
  const rebuilt = legFor(spec).leg;
  rebuilt.onDatagram(rtp(2), PHONE, 10, false);
  rebuilt.onDatagram(rtp(3), at("127.0.0.1", 30002), 20, false);
  assert.equal(rebuilt.stats().rejectedSource, 1, "the rebuilt leg takes only the locked source");
  assert.equal(rebuilt.stats().packetsIn, 1);
  rebuilt.close();
});

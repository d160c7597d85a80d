// Streams whose checkpoints arrive apart from their frames (a browser's audio through
// mediasoup, its checkpoints over /ws): provenance/detached_verifier.ts pairs them by
// RTP timestamp and StreamVerifier judges. Each case is something the network, the
// page's connection or an attacker can do; loss and pauses are never "broken",
// tampering, forgery and a page that stops signing always are, naming the frame.
// The page's own chain (web/src/chain_transform.ts, run here on WHATWG streams as
// the browser runs it) verifies here as Council verifies it.

import assert from "node:assert/strict";
import * as ed from "@noble/ed25519";
import { genesisLink, newStreamId, nextLink } from "../../../provenance/chain.ts";
import { checkpointBytes } from "../../../provenance/checkpoint.ts";
import {
  type DetachedChange,
  type DetachedCheckpoint,
  DetachedVerifier,
} from "../../../provenance/detached_verifier.ts";
import { checkpointVerifier, ed25519Key } from "../../../provenance/stream_signer.ts";
import { sign as opensslSign } from "node:crypto";
import {
  type ChainMark,
  chainWorker,
  type EncodedFrame,
} from "../../../web/src/chain_transform.ts";
import { fromHex } from "../../../witness/base64.ts";

const K = 25;
const DURATION = 960; // 20 ms of Opus at 48 kHz
const secret = ed.utils.randomSecretKey();
const publicKey = await ed.getPublicKeyAsync(secret);
const key = ed25519Key(secret);
const signWith = (bytes: Uint8Array, k = key) => new Uint8Array(opensslSign(null, bytes, k));

interface Frame {
  ts: number;
  payload: Uint8Array;
}

/** What the page sends: frames, and a signed checkpoint every K frames. */
function page(frames: number, o: { streamId?: Uint8Array; ts0?: number; signUntil?: number } = {}) {
  const streamId = o.streamId ?? newStreamId();
  const out: Frame[] = [];
  const checkpoints = new Map<number, DetachedCheckpoint>();
  let link = genesisLink(streamId);
  for (let i = 0; i < frames; i++) {
    const payload = new Uint8Array(60 + (i % 20)).map((_, k) => (i * 31 + k) & 0xff);
    const ts = ((o.ts0 ?? 123_456) + i * DURATION) >>> 0;
    link = nextLink(link, streamId, ts, payload);
    out.push({ ts, payload });
    if ((i + 1) % K === 0 && (o.signUntil === undefined || i <= o.signUntil)) {
      checkpoints.set(i, sign(streamId, i, ts, link));
    }
  }
  return { streamId, frames: out, checkpoints };
}

function sign(streamId: Uint8Array, index: number, ts: number, link: Uint8Array) {
  return {
    streamId,
    index,
    rtpTimestamp: ts,
    link,
    signature: signWith(checkpointBytes(streamId, index, link)),
  };
}

function verifier(streamId: Uint8Array, pk = publicKey) {
  const changes: DetachedChange[] = [];
  const bad: string[] = [];
  const check = checkpointVerifier(pk);
  const v = new DetachedVerifier({
    streamId,
    publicKey: pk,
    checkpointEvery: K,
    verify: (sid, cp) => check(sid, cp),
    onChange: (c) => changes.push(c),
    onBad: (index, reason) => bad.push(`${index}: ${reason}`),
  });
  const seen = () => changes.map((c) => `${c.state}@${c.index}`);
  return { v, changes, bad, seen };
}

/**
 * Delivers frames at 20 ms each (at = i * 20), every checkpoint `delay` frames after
 * its frame (negative: before it), skipping the frames `drop` names.
 */
async function deliver(
  v: DetachedVerifier,
  p: ReturnType<typeof page>,
  o: { delay?: number; drop?: (i: number) => boolean; alter?: number } = {},
) {
  const delay = o.delay ?? 1;
  const due = new Map<number, DetachedCheckpoint[]>();
  for (const [i, cp] of p.checkpoints) {
    const at = Math.max(0, i + delay);
    due.set(at, [...(due.get(at) ?? []), cp]);
  }
  for (let i = 0; i < p.frames.length; i++) {
    for (const cp of due.get(i) ?? []) v.checkpoint(cp, i * 20);
    if (o.drop?.(i)) continue;
    const f = p.frames[i];
    const payload = i === o.alter ? f.payload.map((b, k) => k === 3 ? b ^ 1 : b) : f.payload;
    v.frame(f.ts, DURATION, payload, i * 20 + 1);
  }
  await v.settled();
}

Deno.test("a clean stream verifies at its second checkpoint, arriving late or early", async () => {
  for (const delay of [1, 5, -3]) {
    const p = page(200);
    const { v, seen, changes } = verifier(p.streamId);
    await deliver(v, p, { delay });
    // The first checkpoint anchors the chain; the second proves the frames between.
    assert.deepEqual(seen(), ["verified@49"], `delay ${delay}`);
    assert.equal(v.state, "verified");
    assert.ok(v.provenThrough >= 174, `proven through ${v.provenThrough}`);
    // The change is dated by the later of the frame's arrival and its checkpoint's.
    const expected = delay > 0 ? (49 + delay) * 20 : 49 * 20 + 1;
    assert.equal(changes[0].at, expected, `delay ${delay}`);
  }
});

Deno.test("a stream joined midway is unverified until a checkpoint pairs with a frame", async () => {
  const p = page(150);
  const { v, seen } = verifier(p.streamId);
  await deliver(v, p, { drop: (i) => i < 37 }); // first frame seen: 37
  assert.deepEqual(seen(), ["verified@74"]);
});

Deno.test("loss and a muted pause are unverified until the next checkpoint, never broken", async () => {
  const p = page(300);
  const { v, seen } = verifier(p.streamId);
  // A lost burst (frames 60-62), and a pause (frames 120-199 not forwarded while muted).
  await deliver(v, p, { drop: (i) => (i >= 60 && i <= 62) || (i >= 120 && i < 200) });
  assert.deepEqual(seen(), [
    "verified@49",
    "unverified@63",
    "verified@99",
    "unverified@200",
    "verified@249",
  ]);
  assert.equal(v.firstBad, undefined);
});

Deno.test("an altered frame breaks the chain at the next checkpoint, and stays broken", async () => {
  const p = page(200);
  const { v, seen, changes } = verifier(p.streamId);
  await deliver(v, p, { alter: 60 });
  assert.deepEqual(seen(), ["verified@49", "broken@74"]);
  assert.match(changes[1].reason, /not what was sent/);
  assert.equal(v.state, "broken");
});

Deno.test("a dropped frame whose successors are shifted into its place is broken", async () => {
  const p = page(200);
  // Frame 40 removed; every later frame relabelled one frame earlier (no gap to see).
  const shifted = {
    ...p,
    frames: [
      ...p.frames.slice(0, 40),
      ...p.frames.slice(41).map((f) => ({ ...f, ts: (f.ts - DURATION) >>> 0 })),
    ],
  };
  const { v, seen } = verifier(p.streamId);
  await deliver(v, shifted);
  assert.deepEqual(seen(), ["broken@49"]);
});

Deno.test("a forged checkpoint is broken as it arrives, even if its frame never does", async () => {
  const p = page(120);
  const { v, seen, changes } = verifier(p.streamId);
  const forged = { ...p.checkpoints.get(74)!, signature: new Uint8Array(64).fill(7) };
  p.checkpoints.set(74, forged);
  await deliver(v, p, { drop: (i) => i === 74 });
  assert.deepEqual(seen(), ["verified@49", "broken@74"]);
  assert.match(changes[1].reason, /signature does not verify/);
  // Signed by another key: the same.
  const other = ed.utils.randomSecretKey();
  const p2 = page(60);
  const cp = p2.checkpoints.get(24)!;
  p2.checkpoints.set(24, {
    ...cp,
    signature: signWith(checkpointBytes(p2.streamId, 24, cp.link), ed25519Key(other)),
  });
  const w = verifier(p2.streamId);
  await deliver(w.v, p2);
  assert.deepEqual(w.seen(), ["broken@24"]);
});

Deno.test("another stream's checkpoint, or a replayed one at another frame, is broken", async () => {
  const p = page(100);
  const foreign = page(100);
  const { v, seen, changes } = verifier(p.streamId);
  p.checkpoints.set(74, foreign.checkpoints.get(74)!);
  await deliver(v, p);
  assert.deepEqual(seen(), ["verified@49", "broken@74"]);
  assert.match(changes[1].reason, /another stream/);
  // The stream's own checkpoint 24, replayed with frame 49's timestamp.
  const q = page(100);
  const w = verifier(q.streamId);
  q.checkpoints.set(74, { ...q.checkpoints.get(24)!, rtpTimestamp: q.frames[74].ts });
  await deliver(w.v, q);
  assert.deepEqual(w.seen(), ["verified@49", "broken@74"]);
});

Deno.test("a page that stops signing midway is broken; one that never signs too", async () => {
  const p = page(200, { signUntil: 60 });
  const { v, seen, changes } = verifier(p.streamId);
  await deliver(v, p);
  assert.equal(seen()[0], "verified@49");
  assert.equal(v.state, "broken");
  assert.match(changes.at(-1)!.reason, /stopped signing/);
  const never = page(700, { signUntil: -1 });
  const w = verifier(never.streamId);
  await deliver(w.v, never);
  assert.equal(w.v.state, "broken");
  assert.match(w.changes.at(-1)!.reason, /stopped signing/);
});

Deno.test("checkpoints cut off by the page's lost socket are unverified, not a stopped signer", async () => {
  const p = page(300);
  const { v, seen } = verifier(p.streamId);
  // The socket drops before frame 75: the checkpoints of frames 74-199 never arrive.
  const gone = (i: number) => i >= 74 && i < 200;
  for (const i of [...p.checkpoints.keys()]) if (gone(i)) p.checkpoints.delete(i);
  const frames = p.frames;
  for (let i = 0; i < frames.length; i++) {
    if (i === 75) v.interrupt("the page's connection was lost", i * 20);
    const cp = p.checkpoints.get(i - 1);
    if (cp) v.checkpoint(cp, i * 20);
    v.frame(frames[i].ts, DURATION, frames[i].payload, i * 20);
  }
  await v.settled();
  // Unverified from the last frame linked before the drop (frame 74 waits for its
  // checkpoint, then goes on without one); the first checkpoint after anchors the
  // chain again, the next proves it.
  assert.deepEqual(seen(), ["verified@49", "unverified@73", "verified@249"]);
  assert.equal(v.firstBad, undefined);
});

Deno.test("late and duplicated packets are dropped, not judged", async () => {
  const p = page(100);
  const { v, seen } = verifier(p.streamId);
  for (let i = 0; i < p.frames.length; i++) {
    const cp = p.checkpoints.get(i - 1);
    if (cp) v.checkpoint(cp, i);
    v.frame(p.frames[i].ts, DURATION, p.frames[i].payload, i);
    if (i % 10 === 5) v.frame(p.frames[i - 2].ts, DURATION, p.frames[i - 2].payload, i);
  }
  await v.settled();
  assert.deepEqual(seen(), ["verified@49"]);
  assert.ok(v.counts.late >= 9);
});

Deno.test("repeated failures of a broken stream are each reported to onBad", async () => {
  const p = page(200);
  const { v, bad } = verifier(p.streamId);
  for (const i of [49, 74, 99, 124]) {
    p.checkpoints.set(i, { ...p.checkpoints.get(i)!, signature: new Uint8Array(64) });
  }
  await deliver(v, p);
  assert.equal(v.state, "broken");
  for (const i of [49, 74, 99, 124]) {
    assert.ok(bad.some((b) => b.startsWith(`${i}: checkpoint at frame ${i}`)), bad.join("\n"));
  }
});

/** Encoded frames as a browser's sender transform sees them. */
function encoded(frames: Frame[]): ReadableStream<EncodedFrame> {
  return ReadableStream.from(frames.map((f) => ({
    data: f.payload.slice().buffer,
    getMetadata: () => ({ rtpTimestamp: f.ts }),
  })));
}

Deno.test("the join page's transform chains as Council verifies, frames untouched", async () => {
  const p = page(130);
  const marks: ChainMark[] = [];
  const run = chainWorker({ postMessage: (m) => m.type === "checkpoint" && marks.push(m) });
  const passed: EncodedFrame[] = [];
  const streamId = [...p.streamId].map((b) => b.toString(16).padStart(2, "0")).join("");
  await run(encoded(p.frames), new WritableStream({ write: (f) => void passed.push(f) }), {
    streamId,
    every: K,
  });
  // The last marks are posted after hashing.
  for (let i = 0; i < 100 && marks.length < 5; i++) await new Promise((r) => setTimeout(r, 10));
  // Every frame passed on as it was.
  assert.equal(passed.length, p.frames.length);
  assert.deepEqual(new Uint8Array(passed[77].data), p.frames[77].payload);
  // Its marks are chain.ts's links at every K-th frame, with their timestamps.
  assert.deepEqual(marks.map((m) => m.index), [24, 49, 74, 99, 124]);
  for (const m of marks) {
    assert.deepEqual(fromHex(m.link), new Uint8Array(p.checkpoints.get(m.index)!.link));
    assert.equal(m.rtpTimestamp, p.frames[m.index].ts);
  }
  // Signed as the page signs them, they verify in Council's verifier.
  const { v, seen } = verifier(p.streamId);
  const byIndex = new Map(marks.map((m) => [m.index, m]));
  for (let i = 0; i < p.frames.length; i++) {
    v.frame(p.frames[i].ts, DURATION, p.frames[i].payload, i);
    const m = byIndex.get(i);
    if (m) v.checkpoint(sign(p.streamId, m.index, m.rtpTimestamp, fromHex(m.link)!), i);
  }
  await v.settled();
  assert.deepEqual(seen(), ["verified@49"]);
});

Deno.test("checkpoints a second and a half late (a page short of CPU) still verify", async () => {
  const p = page(400);
  const { v, seen } = verifier(p.streamId);
  await deliver(v, p, { delay: 75 });
  assert.deepEqual(seen(), ["verified@49"]);
  assert.ok(v.provenThrough >= 299, `proven through ${v.provenThrough}`);
});

Deno.test("a gap whose timestamps skip a fraction of a frame is loss: numbering follows the page", async () => {
  // The sender's clock skips half a frame during a pause: frames 100.. come 480 ticks later.
  const p = page(300);
  const frames = p.frames.map((f, i) => i >= 100 ? { ...f, ts: (f.ts + 480) >>> 0 } : f);
  // The chain is the page's, over the timestamps it saw.
  let link = genesisLink(p.streamId);
  const checkpoints = new Map<number, DetachedCheckpoint>();
  frames.forEach((f, i) => {
    link = nextLink(link, p.streamId, f.ts, f.payload);
    if ((i + 1) % K === 0) checkpoints.set(i, sign(p.streamId, i, f.ts, link));
  });
  // When each change was seen: the frame being delivered then.
  let now = 0;
  const seenAt: string[] = [];
  const check = checkpointVerifier(publicKey);
  const v = new DetachedVerifier({
    streamId: p.streamId,
    publicKey,
    checkpointEvery: K,
    verify: (sid, cp) => check(sid, cp),
    onChange: (c) => seenAt.push(`${c.state}@${c.index} seen at ${now}`),
  });
  for (now = 0; now < frames.length; now++) {
    const cp = checkpoints.get(now - 1);
    if (cp) v.checkpoint(cp, now * 20);
    if (now >= 90 && now < 100) continue;
    v.frame(frames[now].ts, DURATION, frames[now].payload, now * 20 + 1);
    await v.settled();
  }
  // Frame 100's number is estimated from its timestamp (10.5 frames later: 101); the
  // checkpoint that restarts the chain sets the page's numbering again. Frame 123, taken
  // for frame 124 by the estimate, does not hold the stream up waiting for a checkpoint
  // that is not coming: verified as soon as frame 149's checkpoint comes.
  assert.deepEqual(seenAt, [
    "verified@49 seen at 50",
    "unverified@101 seen at 100",
    "verified@149 seen at 150",
  ]);
  assert.equal(v.firstBad, undefined);
});

Deno.test("on a receiver the transform passes every frame on and posts it for the page's verifier", async () => {
  const p = page(60);
  const posted: { ts: number; data: Uint8Array }[] = [];
  const run = chainWorker({
    postMessage: (m) =>
      m.type === "frame" && posted.push({ ts: m.rtpTimestamp, data: new Uint8Array(m.data) }),
  });
  const passed: EncodedFrame[] = [];
  await run(encoded(p.frames), new WritableStream({ write: (f) => void passed.push(f) }), {
    streamId: "mix",
    every: 0,
    receive: true,
  });
  assert.equal(passed.length, 60);
  assert.deepEqual(posted.map((f) => f.ts), p.frames.map((f) => f.ts));
  assert.deepEqual(posted[33].data, p.frames[33].payload);
  // What it posts verifies against the sender's checkpoints.
  const { v, seen } = verifier(p.streamId);
  posted.forEach((f, i) => {
    v.frame(f.ts, DURATION, f.data, i);
    const cp = p.checkpoints.get(i);
    if (cp) v.checkpoint(cp, i);
  });
  await v.settled();
  assert.deepEqual(seen(), ["verified@49"]);
});

Deno.test("checkpoints three seconds late are a slow page, not a stopped signer: frames wait longer", async () => {
  const p = page(1200);
  const { v, seen, changes } = verifier(p.streamId);
  await deliver(v, p, { delay: 150 });
  assert.equal(v.firstBad, undefined, JSON.stringify(changes));
  // The first checkpoint's lateness sets how long frames wait: every later one pairs.
  assert.deepEqual(seen(), ["verified@49"]);
  assert.ok(v.provenThrough >= 999, `proven through ${v.provenThrough}`);
});

Deno.test("a checkpoint later than frames wait resynchronises the chain, and frames wait longer", async () => {
  // Checkpoints come 5 frames late until frame 300, then one comes 200 frames late.
  const p = page(700);
  const { v, seen } = verifier(p.streamId);
  const late = p.checkpoints.get(324)!;
  p.checkpoints.delete(324);
  const frames = p.frames;
  for (let i = 0; i < frames.length; i++) {
    const cp = p.checkpoints.get(i - 5);
    if (cp) v.checkpoint(cp, i * 20);
    if (i === 324 + 200) v.checkpoint(late, i * 20);
    v.frame(frames[i].ts, DURATION, frames[i].payload, i * 20);
  }
  await v.settled();
  assert.equal(v.firstBad, undefined, seen().join(" "));
  assert.equal(v.counts.late, 1);
  assert.equal(seen()[0], "verified@49");
  assert.equal(v.state, "verified", seen().join(" "));
  assert.ok(seen().some((s) => s.startsWith("unverified")), seen().join(" "));
});

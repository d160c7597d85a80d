// Chain health (provenance/chain_health.ts): Council's own chains checked apart from
// the worker with the media key, members' chains from the workers' reports, breaks
// counted once per stream and kept per room, rooms' uptime.

import assert from "node:assert/strict";
import * as ed from "@noble/ed25519";
import { ChainHealth } from "../../../provenance/chain_health.ts";
import { newStreamId } from "../../../provenance/chain.ts";
import { StreamSigner } from "../../../provenance/stream_signer.ts";
import type { ProvenanceHeads } from "../../../media/engine/protocol.ts";
import { toBase64 } from "../../../witness/base64.ts";
import { toHex } from "../../../witness/hash.ts";

const seed = ed.utils.randomSecretKey();
const publicKey = await ed.getPublicKeyAsync(seed);

/** A leg's head after `frames` frames, as a worker reports it. */
function headOf(signer: StreamSigner, frames: number, legId = "leg-a", roomId = "main") {
  for (let i = signer.index + 1; i < frames; i++) {
    signer.next(1000 + i * 160, new Uint8Array(160).fill(i & 0xff));
  }
  const cp = signer.lastCheckpoint;
  return {
    legId,
    roomId,
    streamId: toHex(signer.streamId),
    frames: signer.index + 1,
    link: toHex(signer.link),
    ...(cp
      ? { checkpoint: { index: cp.index, link: toHex(cp.link), signature: toBase64(cp.signature) } }
      : {}),
  };
}

const heads = (legs: ProvenanceHeads["legs"], inbound: ProvenanceHeads["inbound"] = []) => ({
  recordings: [],
  legs,
  inbound,
});

function health(now = { t: 1_000_000 }, rooms = [{ room: "main", since: 900_000 }]) {
  return new ChainHealth({
    mediaPublicKey: () => Promise.resolve(publicKey),
    activeRooms: () => rooms,
    now: () => now.t,
  });
}

Deno.test("Council's chain: unverified before its first checkpoint, verified by it, checked every read", async () => {
  const h = health();
  const signer = new StreamSigner(newStreamId(), seed, 25);
  await h.check(heads([headOf(signer, 10)]));
  assert.equal(h.streams()[0].state, "unverified");
  assert.match(h.streams()[0].reason, /no checkpoint/);
  await h.check(heads([headOf(signer, 60)]));
  assert.equal(h.streams()[0].state, "verified");
  assert.equal(h.streams()[0].reason, "checkpoint 49 verifies");
  assert.equal(h.streams()[0].direction, "out");
  assert.equal(h.counts.checkpoints, 1);
  assert.deepEqual(h.rooms()[0].streams, { verified: 1, unverified: 0, broken: 0 });
  assert.equal(h.rooms()[0].breaks, 0);
});

Deno.test("a checkpoint signed by another key, a forked one and a head that goes back are breaks, counted once", async () => {
  const h = health();
  const other = new StreamSigner(newStreamId(), ed.utils.randomSecretKey(), 25);
  await h.check(heads([headOf(other, 30, "leg-forged")]));
  const forged = h.streams().find((s) => s.legId === "leg-forged")!;
  assert.equal(forged.state, "broken");
  assert.match(forged.reason, /signature does not verify/);

  const good = new StreamSigner(newStreamId(), seed, 25);
  const forkHead = { ...headOf(good, 25, "leg-fork"), link: "00".repeat(32) };
  await h.check(heads([headOf(other, 40, "leg-forged"), forkHead]));
  const fork = h.streams().find((s) => s.legId === "leg-fork")!;
  assert.equal(fork.state, "broken");
  assert.match(fork.reason, /forks/);

  const back = new StreamSigner(newStreamId(), seed, 25);
  const first = headOf(back, 60, "leg-back");
  await h.check(heads([headOf(other, 50, "leg-forged"), forkHead, first]));
  await h.check(heads([headOf(other, 60, "leg-forged"), forkHead, { ...first, frames: 30 }]));
  const went = h.streams().find((s) => s.legId === "leg-back")!;
  assert.equal(went.state, "broken");
  assert.match(went.reason, /went back from 60 frames to 30/);
  // Three streams broke, each counted once however often it was read broken.
  assert.equal(h.rooms()[0].breaks, 3);
  assert.deepEqual(h.rooms()[0].streams, { verified: 0, unverified: 0, broken: 3 });
});

Deno.test("members' chains follow the workers' reports; breaks stay counted after the stream ends", () => {
  const h = health();
  const streamId = toHex(newStreamId());
  const state = (s: "verified" | "unverified" | "broken", index: number) => ({
    ev: "provenance.state" as const,
    legId: "leg-b",
    roomId: "main",
    streamId,
    state: s,
    reason: `${s} at ${index}`,
    index,
    at: 0,
  });
  h.onMedia(state("unverified", 0));
  h.onMedia(state("verified", 49));
  assert.equal(h.streams()[0].state, "verified");
  assert.equal(h.streams()[0].direction, "in");
  h.onMedia(state("broken", 75));
  h.onMedia(state("verified", 99)); // broken stays broken, with what broke it
  assert.equal(h.streams()[0].state, "broken");
  assert.equal(h.streams()[0].reason, "broken at 75");
  assert.equal(h.rooms()[0].breaks, 1);
  h.onMedia({
    ev: "provenance.end",
    legId: "leg-b",
    roomId: "main",
    reason: "member left",
    inbound: {
      streamId,
      state: "broken",
      reason: "x",
      frames: 100,
      checkpoints: 4,
      provenThrough: 49,
      firstBad: 75,
    },
  });
  assert.equal(h.streams().length, 0);
  assert.equal(h.rooms()[0].breaks, 1);
});

Deno.test("a room's uptime runs from its first member's join; a closed room with breaks stays listed", async () => {
  const now = { t: 1_000_000 };
  const rooms = [{ room: "main", since: 940_000 }];
  const h = health(now, rooms);
  await h.check(heads([]));
  now.t += 30_000;
  assert.equal(h.rooms()[0].uptimeSeconds, 90);
  const other = new StreamSigner(newStreamId(), ed.utils.randomSecretKey(), 25);
  await h.check(heads([headOf(other, 25)]));
  rooms.length = 0;
  await h.check(heads([]));
  // Gone from the heads: not live any more; its break is kept.
  assert.equal(h.streams().length, 0);
  assert.deepEqual(h.rooms(), [{
    room: "main",
    openedAt: "",
    uptimeSeconds: 0,
    streams: { verified: 0, unverified: 0, broken: 0 },
    breaks: 1,
  }]);
});

Deno.test("a worker's death ends its streams in the health view", async () => {
  const h = health();
  const signer = new StreamSigner(newStreamId(), seed, 25);
  const head = headOf(signer, 30);
  await h.check(heads([head]));
  h.onMedia({
    ev: "failover",
    worker: 0,
    rooms: ["main"],
    ms: 5,
    reason: "killed",
    ended: [{ legId: head.legId, roomId: "main", streamId: head.streamId, direction: "out" }],
  });
  assert.equal(h.streams().length, 0);
});

// A stream's end is provable (docs/provenance.md, "Ends and health"): a media worker
// reports a chained leg's final head when the leg closes (before it answers, so the
// main thread has it first), and the anchors witness it as `provenance.end`; a
// worker's death ends its chains with the last anchored head, marked not final.

import assert from "node:assert/strict";
import * as ed from "@noble/ed25519";
import { WorkerHost } from "../../../media/engine/worker_host.ts";
import type { Command, WorkerEvent, WorkerMessage } from "../../../media/engine/protocol.ts";
import type { MediaEngine, MediaEvent } from "../../../media/engine/mod.ts";
import { ChainAnchors } from "../../../provenance/chain_anchors.ts";
import { genesisLink, newStreamId } from "../../../provenance/chain.ts";
import { createLogger } from "../../../telemetry/mod.ts";
import type { WitnessLog } from "../../../witness/mod.ts";
import { toHex } from "../../../witness/hash.ts";

const quiet = createLogger({ level: "error", sink: () => {} });
const seed = ed.utils.randomSecretKey();

Deno.test("a closing leg's final head reaches the main thread before the close is answered", async () => {
  const seen: WorkerMessage[] = [];
  const host = new WorkerHost((m) => seen.push(m));
  let id = 0;
  const run = (cmd: Command) => host.handle({ ...cmd, id: ++id });
  const streamId = newStreamId();
  const leg = (legId: string) => ({
    legId,
    roomId: "r1",
    port: 0,
    host: "127.0.0.1",
    codec: { codec: "PCMU" as const, payloadType: 0 },
    remote: { address: "127.0.0.1", port: 9 },
    provenance: { extId: 5, streamId, seed, checkpointEvery: 25 },
  });
  try {
    await run({ op: "room.create", room: { roomId: "r1", mixRate: 8000 } });
    await run({ op: "leg.create", leg: leg("leg-1") });
    await run({ op: "leg.create", leg: { ...leg("leg-plain"), provenance: undefined } });
    seen.length = 0;
    await run({ op: "leg.close", legId: "leg-1", reason: "hung up" });
    const end = seen[0] as Extract<WorkerEvent, { ev: "provenance.end" }>;
    assert.equal(end.ev, "provenance.end");
    assert.equal(end.legId, "leg-1");
    assert.equal(end.reason, "hung up");
    assert.equal(end.outbound!.streamId, toHex(streamId));
    // Nothing sent yet (no tick has mixed for it): the head is the genesis link.
    assert.ok(end.outbound!.frames >= 0);
    if (end.outbound!.frames === 0) assert.equal(end.outbound!.link, toHex(genesisLink(streamId)));
    assert.ok("id" in seen[1] && seen[1].ok, "the reply comes after the final head");
    // An unchained leg has no final head to report; a room's close ends its legs.
    seen.length = 0;
    await run({ op: "leg.create", leg: leg("leg-2") });
    await run({ op: "room.close", roomId: "r1" });
    const ends = seen.filter((m) => "ev" in m && m.ev === "provenance.end") as typeof end[];
    assert.deepEqual(ends.map((e) => [e.legId, e.reason]), [["leg-2", "room closed"]]);
  } finally {
    host.close();
  }
});

function fakes() {
  const listeners: ((e: MediaEvent) => void)[] = [];
  const appended: { type: string; payload: Record<string, unknown> }[] = [];
  const heads = { recordings: [], legs: [] as unknown[], inbound: [] };
  const media = {
    on: (l: (e: MediaEvent) => void) => {
      listeners.push(l);
      return () => {};
    },
    provenanceHeads: () => Promise.resolve(heads),
  } as unknown as MediaEngine;
  const witness = {
    append: (type: string, payload: Record<string, unknown>) => {
      appended.push({ type, payload });
      return Promise.resolve({ index: appended.length - 1 });
    },
  } as unknown as WitnessLog;
  const emit = (e: MediaEvent) => listeners.forEach((l) => l(e));
  return { media, witness, appended, heads, emit };
}

Deno.test("final heads are witnessed; a dead worker's chains end with their last anchored head", async () => {
  const f = fakes();
  const anchors = new ChainAnchors({
    media: f.media,
    witness: f.witness,
    log: quiet,
    everyMs: 3_600_000,
  });
  try {
    const out = { streamId: "aa".repeat(16), frames: 120, link: "11".repeat(32) };
    f.emit({
      ev: "provenance.end",
      legId: "leg-1",
      roomId: "main",
      reason: "member left",
      outbound: out,
    });
    assert.deepEqual(f.appended[0], {
      type: "provenance.end",
      payload: {
        legId: "leg-1",
        room: "main",
        reason: "member left",
        final: true,
        outbound: out,
        inbound: null,
      },
    });
    // Anchored at 500 frames, then the worker dies: the last anchor is all there is.
    f.heads.legs = [{
      legId: "leg-2",
      roomId: "main",
      streamId: "bb".repeat(16),
      frames: 500,
      link: "22".repeat(32),
    }];
    await anchors.anchor();
    assert.equal(f.appended[1].type, "provenance.heads");
    f.emit({
      ev: "failover",
      worker: 0,
      rooms: ["main"],
      ms: 3,
      reason: "killed",
      ended: [
        { legId: "leg-2", roomId: "main", streamId: "bb".repeat(16), direction: "out" },
        { legId: "leg-3", roomId: "main", streamId: "cc".repeat(16), direction: "in" },
      ],
    });
    assert.deepEqual(f.appended.slice(2).map((a) => a.payload), [
      {
        legId: "leg-2",
        room: "main",
        reason: "media worker died: killed",
        final: false,
        outbound: { streamId: "bb".repeat(16), frames: 500, link: "22".repeat(32) },
        inbound: null,
      },
      {
        legId: "leg-3",
        room: "main",
        reason: "media worker died: killed",
        final: false,
        outbound: null,
        inbound: { streamId: "cc".repeat(16), state: "interrupted" },
      },
    ]);
    assert.equal(anchors.ends, 3);
  } finally {
    anchors.close();
  }
});

Deno.test("no heads, no anchor entry; each read goes to the health checks", async () => {
  const f = fakes();
  const anchors = new ChainAnchors({
    media: f.media,
    witness: f.witness,
    log: quiet,
    everyMs: 3_600_000,
  });
  const reads: unknown[] = [];
  anchors.onHeads((h) => reads.push(h));
  try {
    await anchors.anchor();
    assert.equal(f.appended.length, 0);
    assert.equal(reads.length, 1);
  } finally {
    anchors.close();
  }
});

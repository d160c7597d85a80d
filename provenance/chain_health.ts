// Health of every live chain, 24/7 (docs/provenance.md, "Health"). Two kinds of
// stream are watched:
// - what members send that Council verifies (browsers' signed audio): their state
//   comes from the media workers as it changes (provenance.state) and again with
//   every anchor's read of the heads;
// - what Council sends (each chained leg's mix): at every anchor (10 s) the last
//   checkpoint its worker signed is checked here, apart from the worker, with the
//   media key's public half, and the chain must only grow. A checkpoint that does
//   not verify, or a head that goes back or forks, is a broken stream.
// Per room: since when it is open (uptime), streams by state, breaks so far. A
// break is counted once per stream, when it first becomes broken.

import type { MediaEvent } from "../media/engine/mod.ts";
import type { LegChainHead, ProvenanceHeads } from "../media/engine/protocol.ts";
import { fromBase64, fromHex } from "../witness/base64.ts";
import { checkpointVerifier } from "./stream_signer.ts";

export type StreamState = "verified" | "unverified" | "broken";

export interface StreamHealth {
  streamId: string;
  room: string;
  legId: string;
  /** "out": what Council sends the leg; "in": what the member sends, verified. */
  direction: "out" | "in";
  state: StreamState;
  reason: string;
  frames: number;
  /** When it was last checked (ISO). */
  checkedAt: string;
}

export interface RoomHealth {
  room: string;
  openedAt: string;
  uptimeSeconds: number;
  streams: Record<StreamState, number>;
  /** Streams of this room that broke since Council started (kept after they end). */
  breaks: number;
}

export interface ChainHealthOptions {
  /** The media key's public half (32 bytes), once there is one. */
  mediaPublicKey: () => Promise<Uint8Array | undefined>;
  /** Rooms open now, each since when (epoch ms: its longest-present member's join). */
  activeRooms: () => { room: string; since: number }[];
  now?: () => number;
}

type StateEvent = Extract<MediaEvent, { ev: "provenance.state" }>;

export class ChainHealth {
  readonly #streams = new Map<string, StreamHealth>();
  readonly #breaks = new Map<string, number>();
  readonly #opened = new Map<string, number>();
  #verify: { key: string; check: ReturnType<typeof checkpointVerifier> } | undefined;
  readonly #now: () => number;
  /** Outbound checkpoints checked, and heads read. */
  readonly counts = { checkpoints: 0, checks: 0 };

  constructor(private readonly o: ChainHealthOptions) {
    this.#now = o.now ?? Date.now;
  }

  /** Media events: inbound states as they change, streams that end. */
  onMedia(e: MediaEvent): void {
    if (e.ev === "provenance.state") this.#inboundState(e);
    else if (e.ev === "provenance.end") {
      if (e.outbound) this.#streams.delete(e.outbound.streamId);
      if (e.inbound) this.#streams.delete(e.inbound.streamId);
    } else if (e.ev === "failover") {
      for (const c of e.ended) this.#streams.delete(c.streamId);
    }
  }

  /** Checks every live chain in one read of the heads (ChainAnchors.onHeads). */
  async check(heads: ProvenanceHeads): Promise<void> {
    this.counts.checks++;
    const live = new Set<string>();
    const key = heads.legs.length ? await this.o.mediaPublicKey() : undefined;
    for (const h of heads.legs) {
      live.add(h.streamId);
      this.#outbound(h, key);
    }
    for (const { legId, roomId, inbound } of heads.inbound) {
      live.add(inbound.streamId);
      this.#set({
        streamId: inbound.streamId,
        room: roomId,
        legId,
        direction: "in",
        state: inbound.state,
        reason: inbound.reason,
        frames: inbound.frames,
      });
    }
    // A stream gone without an end event (its worker's report lost) is not live.
    for (const id of [...this.#streams.keys()]) if (!live.has(id)) this.#streams.delete(id);
    this.#syncRooms();
  }

  #outbound(h: ProvenanceHeads["legs"][number], key: Uint8Array | undefined): void {
    const before = this.#streams.get(h.streamId);
    const verdict = this.#judge(h, before, key);
    this.#set({
      streamId: h.streamId,
      room: h.roomId,
      legId: h.legId,
      direction: "out",
      ...verdict,
      frames: h.frames,
    });
  }

  #judge(
    h: LegChainHead,
    before: StreamHealth | undefined,
    key: Uint8Array | undefined,
  ): { state: StreamState; reason: string } {
    if (before?.state === "broken") return before;
    if (before && h.frames < before.frames) {
      return {
        state: "broken",
        reason: `the chain went back from ${before.frames} frames to ${h.frames}`,
      };
    }
    const cp = h.checkpoint;
    if (!cp) return { state: "unverified", reason: "no checkpoint yet" };
    if (!key) return { state: "unverified", reason: "no media key to check with" };
    if (cp.index >= h.frames) {
      return {
        state: "broken",
        reason: `checkpoint ${cp.index} is past the head (${h.frames} frames)`,
      };
    }
    if (cp.index === h.frames - 1 && cp.link !== h.link) {
      return { state: "broken", reason: `checkpoint ${cp.index} forks from the head's link` };
    }
    this.counts.checkpoints++;
    if (
      !this.#checker(key)(fromHex(h.streamId)!, {
        index: cp.index,
        link: fromHex(cp.link) ?? new Uint8Array(),
        signature: fromBase64(cp.signature) ?? new Uint8Array(),
      })
    ) {
      return { state: "broken", reason: `checkpoint ${cp.index}'s signature does not verify` };
    }
    return { state: "verified", reason: `checkpoint ${cp.index} verifies` };
  }

  #checker(key: Uint8Array) {
    const hex = key.join(",");
    if (this.#verify?.key !== hex) this.#verify = { key: hex, check: checkpointVerifier(key) };
    return this.#verify.check;
  }

  #inboundState(e: StateEvent): void {
    const before = this.#streams.get(e.streamId);
    this.#set({
      streamId: e.streamId,
      room: e.roomId,
      legId: e.legId,
      direction: "in",
      state: e.state,
      reason: e.reason,
      frames: Math.max(before?.frames ?? 0, e.index + 1),
    });
  }

  #set(s: Omit<StreamHealth, "checkedAt">): void {
    const before = this.#streams.get(s.streamId);
    if (s.state === "broken" && before?.state !== "broken") {
      this.#breaks.set(s.room, (this.#breaks.get(s.room) ?? 0) + 1);
    }
    // Broken stays broken, with the reason that broke it.
    const next = before?.state === "broken"
      ? { ...s, state: before.state, reason: before.reason }
      : s;
    this.#streams.set(s.streamId, { ...next, checkedAt: new Date(this.#now()).toISOString() });
  }

  #syncRooms(): void {
    const active = new Map(this.o.activeRooms().map((r) => [r.room, r.since]));
    for (const [room, since] of active) if (!this.#opened.has(room)) this.#opened.set(room, since);
    for (const room of [...this.#opened.keys()]) if (!active.has(room)) this.#opened.delete(room);
  }

  streams(): StreamHealth[] {
    return [...this.#streams.values()].sort((a, b) =>
      a.room.localeCompare(b.room) || a.legId.localeCompare(b.legId) ||
      a.direction.localeCompare(b.direction)
    );
  }

  /** Every open room, and rooms with breaks since start. */
  rooms(): RoomHealth[] {
    this.#syncRooms();
    const now = this.#now();
    const names = new Set([...this.#opened.keys(), ...this.#breaks.keys()]);
    return [...names].sort().map((room) => {
      const streams = { verified: 0, unverified: 0, broken: 0 };
      for (const s of this.#streams.values()) if (s.room === room) streams[s.state]++;
      const opened = this.#opened.get(room);
      return {
        room,
        openedAt: opened !== undefined ? new Date(opened).toISOString() : "",
        uptimeSeconds: opened !== undefined ? Math.round((now - opened) / 1000) : 0,
        streams,
        breaks: this.#breaks.get(room) ?? 0,
      };
    });
  }
}

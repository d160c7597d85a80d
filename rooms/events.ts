// Each room's events, numbered, for whoever watches a room from outside it:
// operators' server-sent streams and WebSockets (and later the dashboard). A
// watcher that reconnects with the last number it saw gets what it missed.

import type { Logger } from "../telemetry/mod.ts";
import { EventLog, type Numbered } from "./event_log.ts";

export interface RoomMemberInfo {
  memberId: string;
  guardianId: string;
  protocol: "sip" | "h323" | "webrtc" | "feed" | "agent";
  codec: string;
  muted: boolean;
  joinedAt: number;
  /** A guest admitted by the room's PIN: the identity it claimed, unverified. */
  displayName?: string;
  guest?: boolean;
}

/** How far a member's own stream is proven (docs/provenance.md, "Browsers"). */
export interface MemberProvenance {
  memberId: string;
  state: "unverified" | "verified" | "broken";
  /** What the last change was about, in words. */
  reason: string;
  /** The member's stream id (hex), when it signs one. */
  streamId?: string;
  /** The frame index the change is about. */
  index?: number;
  /** When the evidence for it arrived at the media worker (epoch ms). */
  at?: number;
}

export type RoomEvent =
  | { name: "room.created"; data: { room: string } }
  | { name: "room.closed"; data: { room: string; reason: string } }
  | { name: "member.joined"; data: RoomMemberInfo }
  | { name: "member.left"; data: { memberId: string; reason: string } }
  | { name: "member.muted"; data: { memberId: string; muted: boolean } }
  | { name: "speaker"; data: { memberId: string | null } }
  | { name: "evidence.shown"; data: Record<string, unknown> }
  | {
    name: "vote.opened";
    data: { voteId: string; question: string; options: string[]; deadline: string };
  }
  | { name: "vote.closed"; data: { voteId: string; result: unknown; witnessIndex: number } }
  /** The room's mix is being recorded (or no longer): members are told (docs/provenance.md). */
  | { name: "recording.started"; data: { recordingId: string; by: string } }
  | { name: "recording.stopped"; data: { recordingId: string; reason: string } }
  /** The policy requires every member's consent: answer with `consent` (docs/provenance.md). */
  | { name: "recording.consent"; data: { recordingId: string; why: string; timeoutMs: number } }
  /** A member refused (or did not answer): nothing is recorded. */
  | { name: "recording.refused"; data: { recordingId: string; reason: string } }
  /** A member's signed stream was verified, lost its proof, or broke. */
  | { name: "provenance.state"; data: MemberProvenance }
  // Server-wide events, on the operators' channel (and a room's, when about it).
  | { name: "room.event"; data: { room: string; name: string; data: unknown } }
  | { name: "cost.alert"; data: Record<string, unknown> }
  /** A scheduled validation call fell below policy (docs/talent.md, "Validation calls"). */
  | { name: "validation.alert"; data: Record<string, unknown> }
  /** A member's chain broke (docs/provenance.md): one per stream per interval. */
  | { name: "provenance.alert"; data: Record<string, unknown> }
  /** The witness failed its scheduled or asked-for full audit (docs/provenance.md, "Health"). */
  | { name: "witness.audit"; data: Record<string, unknown> }
  | { name: "guard.decision"; data: Record<string, unknown> }
  | { name: "cost.report"; data: Record<string, unknown> };

/**
 * The operators' channel (`/api/v1/events`): every room's events as `room.event`,
 * and server-wide ones (cost alerts and reports). No room can have this name.
 */
export const OPERATOR_CHANNEL = "*";

export type NumberedRoomEvent = Numbered<RoomEvent>;
type Listener = (e: NumberedRoomEvent) => void;

/** Per room; and at most MAX_ROOMS rooms' logs (the oldest dropped first). */
const EVENTS_PER_ROOM = 1000;
const MAX_ROOMS = 10_000;

export class RoomEvents {
  #logs = new Map<string, EventLog<RoomEvent>>();
  #listeners = new Map<string, Set<Listener>>();
  #any = new Set<(room: string, e: NumberedRoomEvent) => void>();

  constructor(private readonly log?: Logger) {}

  /** A listener's failure is logged, never the publisher's problem. */
  #call(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log?.error("room event listener failed", { err });
    }
  }

  /** Every room's events (the WebRTC stack shows evidence and votes to browsers). */
  onAny(listener: (room: string, e: NumberedRoomEvent) => void): () => void {
    this.#any.add(listener);
    return () => this.#any.delete(listener);
  }

  #log(room: string): EventLog<RoomEvent> {
    let log = this.#logs.get(room);
    if (!log) {
      // Bounded: the oldest room's log goes first (its watchers resync).
      if (this.#logs.size >= MAX_ROOMS) {
        const oldest = this.#logs.keys().next().value!;
        this.#logs.delete(oldest);
      }
      log = new EventLog<RoomEvent>(EVENTS_PER_ROOM);
      this.#logs.set(room, log);
    }
    return log;
  }

  publish(room: string, event: RoomEvent): NumberedRoomEvent {
    const numbered = this.#log(room).append(event);
    for (const l of this.#listeners.get(room) ?? []) this.#call(() => l(numbered));
    for (const l of this.#any) this.#call(() => l(room, numbered));
    if (room !== OPERATOR_CHANNEL) {
      this.publish(OPERATOR_CHANNEL, {
        name: "room.event",
        data: { room, name: event.name, data: event.data },
      });
    }
    return numbered;
  }

  seq(room: string): number {
    return this.#logs.get(room)?.seq ?? 0;
  }

  /**
   * Calls `listener` with the events after `afterSeq` still held (undefined, and
   * nothing replayed, when some are gone), then with every new one.
   */
  subscribe(
    room: string,
    afterSeq: number | undefined,
    listener: Listener,
  ): { replayed: NumberedRoomEvent[] | undefined; unsubscribe: () => void } {
    const replayed = afterSeq === undefined ? [] : this.#log(room).since(afterSeq);
    let set = this.#listeners.get(room);
    if (!set) this.#listeners.set(room, set = new Set());
    set.add(listener);
    return {
      replayed,
      unsubscribe: () => {
        set!.delete(listener);
        if (set!.size === 0) this.#listeners.delete(room);
      },
    };
  }
}

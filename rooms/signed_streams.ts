// Members' signed streams, on the main thread (docs/provenance.md): whatever carries
// a member's chain (a browser's checkpoints over /ws, an RTP member's header
// extension), its leg's media worker verifies the frames; here the states it
// reports become room events (the pages' and the dashboard's overlay), and a broken
// chain raises an alert (operators' event stream, webhook, witness), one per stream
// per interval; the policy may mute the member, who stays in the call.

import type { Policy } from "../guard/policy.ts";
import type { WorkerEvent } from "../media/engine/protocol.ts";
import { AlertLimiter } from "../provenance/alert_limiter.ts";
import { type MemberProvenance, OPERATOR_CHANNEL } from "./events.ts";
import type { Rooms } from "./mod.ts";
import type { Logger } from "../telemetry/mod.ts";
import type { WitnessLog } from "../witness/mod.ts";

/** What alerts need from the rest of Council (wired in main.ts). */
export interface SignedStreamsDeps {
  policy(): Policy;
  /** The operators' webhook (the cost alerts' one), when one is configured. */
  webhook?: () => { send(body: unknown): void } | undefined;
  /** One alert per stream per this many ms (default 10 s). */
  alertIntervalMs?: number;
}

/** A member whose stream is signed. */
export interface SignedMember {
  readonly memberId: string;
  readonly guardianId: string;
  readonly room: string;
}

interface Chain {
  room: string;
  guardianId: string;
  streamId: string;
  /** Muted by the policy after a break (the member may not unmute itself). */
  muted: boolean;
  info: MemberProvenance;
}

const ALERT_INTERVAL_MS = 10_000;

type ProvenanceEvent = Extract<WorkerEvent, { ev: "provenance.state" | "provenance.bad" }>;

export class SignedStreams {
  readonly #chains = new Map<string, Chain>();
  readonly #limiter: AlertLimiter;
  /** Checkpoints passed on, chains broken, alerts raised, failures counted into later alerts. */
  readonly counters = { checkpoints: 0, breaks: 0, alerts: 0, suppressed: 0 };

  constructor(
    private readonly alerts: SignedStreamsDeps,
    protected readonly o: { rooms: Rooms; witness: WitnessLog; log: Logger },
  ) {
    this.#limiter = new AlertLimiter(alerts.alertIntervalMs ?? ALERT_INTERVAL_MS);
  }

  /** Members of a room whose stream is signed, as far as each is proven. */
  states(room: string): MemberProvenance[] {
    return [...this.#chains.values()].filter((c) => c.room === room).map((c) => c.info);
  }

  info(memberId: string): MemberProvenance | undefined {
    return this.#chains.get(memberId)?.info;
  }

  /** Whether the member's stream is signed (a chain is being verified). */
  has(memberId: string): boolean {
    return this.#chains.has(memberId);
  }

  /** Whether the policy muted the member for a broken chain. */
  mutedByPolicy(memberId: string): boolean {
    return this.#chains.get(memberId)?.muted ?? false;
  }

  /** The member's stream is signed under `streamId` (hex); its leg verifies it. */
  track(member: SignedMember, streamId: string): void {
    const previous = this.#chains.get(member.memberId);
    if (previous) this.#limiter.forget(`${member.memberId}/${previous.streamId}`);
    const chain: Chain = {
      room: member.room,
      guardianId: member.guardianId,
      streamId,
      muted: previous?.muted ?? false,
      info: {
        memberId: member.memberId,
        state: "unverified",
        reason: "no checkpoint yet",
        streamId,
      },
    };
    this.#chains.set(member.memberId, chain);
    this.#publish(chain);
  }

  /** The member left (its leg closes with it). */
  left(memberId: string): void {
    const chain = this.#chains.get(memberId);
    if (!chain) return;
    this.#chains.delete(memberId);
    this.#limiter.forget(`${memberId}/${chain.streamId}`);
  }

  /** A media worker died: its rooms' legs were rebuilt, their verifiers start afresh. */
  failover(rooms: string[]): void {
    for (const [memberId, chain] of this.#chains) {
      if (!rooms.includes(chain.room) || chain.info.state === "broken") continue;
      chain.info = {
        memberId,
        state: "unverified",
        reason: "the media worker was replaced; resynchronising",
        streamId: chain.streamId,
      };
      this.#publish(chain);
    }
  }

  /** A media worker's report on a leg's inbound chain. */
  onMedia(e: ProvenanceEvent): void {
    const chain = this.#chains.get(e.legId);
    if (!chain || chain.streamId !== e.streamId) return; // an older stream's, or a gone member's
    if (e.ev === "provenance.bad") {
      return this.#alert(chain, e.legId, e.index, e.reason, false, e.count);
    }
    chain.info = {
      memberId: e.legId,
      state: e.state,
      reason: e.reason,
      streamId: e.streamId,
      index: e.index,
      at: e.at,
    };
    this.#publish(chain);
    if (e.state === "broken") {
      this.counters.breaks++;
      this.#alert(chain, e.legId, e.index, e.reason, true, 1);
    }
  }

  #publish(chain: Chain): void {
    this.o.rooms.events.publish(chain.room, { name: "provenance.state", data: chain.info });
  }

  #alert(
    chain: Chain,
    memberId: string,
    index: number,
    reason: string,
    breaking: boolean,
    count: number,
  ): void {
    const action = this.alerts.policy().provenance.onBreak;
    if (breaking && action === "mute" && !chain.muted) {
      chain.muted = true;
      this.o.rooms.update(memberId, { muted: true }).catch((err) =>
        this.o.log.error("could not mute a member whose chain broke", { err, memberId })
      );
    }
    const decision = this.#limiter.note(`${memberId}/${chain.streamId}`, Date.now(), count);
    if (!decision.alert) {
      this.counters.suppressed += count;
      return;
    }
    this.counters.alerts++;
    const alert = {
      room: chain.room,
      memberId,
      guardianId: chain.guardianId,
      streamId: chain.streamId,
      index,
      reason,
      action,
      /** Failures of this stream since its last alert, not alerted one by one. */
      repeats: decision.repeats,
      at: new Date().toISOString(),
    };
    this.o.log.warn("a member's signed stream broke", alert);
    this.o.witness.append("provenance.break", alert).catch((err) =>
      this.o.log.error("provenance break not witnessed", { err, memberId })
    );
    this.o.rooms.events.publish(OPERATOR_CHANNEL, { name: "provenance.alert", data: alert });
    this.alerts.webhook?.()?.send({ type: "council.provenance.break", ...alert });
  }
}

// ESCALATE calls: guard decides whether an escalation convenes the council; if it
// does, an ESCALATE room is created and every active guardian is called where
// Council can reach them (SIP registration, then H.323 registration) and invited
// on every browser they have connected. Who answered, declined or could not be
// reached, and when, is witnessed as it happens.

import {
  decideEscalation,
  type Escalation,
  type EscalationDecision,
  type GuardianRegistry,
} from "../guard/mod.ts";
import type { Logger } from "../telemetry/mod.ts";
import type { WitnessLog } from "../witness/mod.ts";
import { CallError } from "../signaling/call_error.ts";
import type { Protocol, Rooms } from "./mod.ts";
import type { RoomOperations } from "./operations.ts";
import { MAX_CAPACITY, parseRoomDefinition } from "./registry.ts";

export type Outcome =
  | { guardianId: string; outcome: "answered"; protocol: Protocol; legId: string; ms: number }
  | { guardianId: string; outcome: "invited"; protocol: "webrtc"; browsers: number; ms: number }
  | { guardianId: string; outcome: "declined" | "failed"; why: string; ms: number }
  | { guardianId: string; outcome: "unreachable"; why: string; ms: number };

export interface EscalationRecord {
  id: string;
  escalation: Escalation;
  decision: EscalationDecision["decision"];
  reason: string;
  room?: string;
  at: string;
  /** Guardians being called; their outcomes arrive in `outcomes`. */
  calling: string[];
  outcomes: Outcome[];
}

/** Invites a guardian's connected browsers; resolves with how many were told. */
export type InviteBrowsers = (
  guardianId: string,
  invitation: { room: string; escalationId: string; severity: string; summary: string },
) => number;

/**
 * The swarm of certified agents (talent/swarm.ts): those whose expertise matches an
 * escalation's hazards are called (experts first), and seated by starting them.
 */
export interface SwarmSeats {
  /** Active swarm agents matching the hazards, best match first. */
  experts(hazards: string[]): string[];
  isAgent(guardianId: string): boolean;
  /** Starts the agent; resolves once it is a member of the room. */
  seat(guardianId: string, room: string): Promise<{ memberId: string }>;
}

/** SIP and H.323 answers that mean "no" rather than "not there" (RFC 3398 / Q.850). */
const DECLINES = new Set([486, 600, 603, 480]);
const MAX_KEPT = 200;

export class Escalations {
  #records = new Map<string, EscalationRecord>();
  #inviteBrowsers?: InviteBrowsers;
  #swarm?: SwarmSeats;

  constructor(
    private readonly o: {
      rooms: Rooms;
      operations: RoomOperations;
      registry: GuardianRegistry;
      witness: WitnessLog;
      log: Logger;
    },
  ) {}

  /** The WebRTC stack tells browsers; without it only calls are placed. */
  useBrowsers(invite: InviteBrowsers): void {
    this.#inviteBrowsers = invite;
  }

  /** With a swarm, matching agents are called first and non-matching ones not at all. */
  useSwarm(swarm: SwarmSeats): void {
    this.#swarm = swarm;
  }

  get(id: string): EscalationRecord | undefined {
    return this.#records.get(id);
  }

  list(): EscalationRecord[] {
    return [...this.#records.values()].reverse();
  }

  /**
   * Decides (witnessed before the answer) and, on "convene", opens the room and
   * starts the calls; the outcomes arrive in the record as guardians answer.
   */
  async raise(escalation: Escalation): Promise<EscalationRecord> {
    const id = crypto.randomUUID();
    const verdict = decideEscalation(escalation);
    const record: EscalationRecord = {
      id,
      escalation,
      decision: verdict.decision,
      reason: verdict.decision === "reject"
        ? `${verdict.reason}: ${verdict.message}`
        : verdict.reason,
      at: new Date().toISOString(),
      calling: [],
      outcomes: [],
    };
    if (verdict.decision === "convene") {
      record.room = `escalate-${id.slice(0, 8)}`;
      const experts = this.#swarm?.experts(escalation.hazards) ?? [];
      const people = this.o.registry.list()
        .filter((g) => g.status === "active" && !this.#swarm?.isAgent(g.id)).map((g) => g.id);
      record.calling = [...experts, ...people].slice(0, MAX_CAPACITY);
    }
    await this.o.witness.append("guard.escalation", {
      id,
      source: escalation.source,
      hazards: escalation.hazards,
      severity: escalation.severity,
      pii: escalation.pii,
      decision: verdict.decision,
      reason: record.reason,
      ...(record.room ? { room: record.room, calling: record.calling } : {}),
    });
    this.#keep(record);
    if (verdict.decision !== "convene") return record;

    await this.o.operations.create(
      parseRoomDefinition({ name: record.room!, callType: "ESCALATE" }, new Date()),
    );
    const started = Date.now();
    for (const guardianId of record.calling) {
      this.#reach(record, guardianId, started).catch((err) =>
        this.o.log.error("escalation call failed", { err, guardianId, id })
      );
    }
    return record;
  }

  async #reach(record: EscalationRecord, guardianId: string, started: number): Promise<void> {
    const room = record.room!;
    if (this.#swarm?.isAgent(guardianId)) {
      let outcome: Outcome;
      try {
        const { memberId } = await this.#swarm.seat(guardianId, room);
        const ms = Date.now() - started;
        outcome = { guardianId, outcome: "answered", protocol: "agent", legId: memberId, ms };
      } catch (err) {
        const why = (err as Error).message.slice(0, 300);
        outcome = { guardianId, outcome: "failed", why, ms: Date.now() - started };
      }
      return await this.#outcome(record, outcome);
    }
    const browsers = this.#inviteBrowsers?.(guardianId, {
      room,
      escalationId: record.id,
      severity: record.escalation.severity,
      summary: record.escalation.summary,
    }) ?? 0;
    if (browsers > 0) {
      await this.#outcome(record, {
        guardianId,
        outcome: "invited",
        protocol: "webrtc",
        browsers,
        ms: Date.now() - started,
      });
    }
    let outcome: Outcome;
    try {
      const placed = await this.o.rooms.invite(room, guardianId);
      outcome = { guardianId, outcome: "answered", ...placed, ms: Date.now() - started };
    } catch (err) {
      const ms = Date.now() - started;
      const why = (err as Error).message.slice(0, 300);
      if (!(err instanceof CallError)) {
        outcome = { guardianId, outcome: "failed", why, ms };
      } else if (err.status === 404) {
        // A browser invitation is reach enough; say "unreachable" only without one.
        if (browsers > 0) return;
        outcome = { guardianId, outcome: "unreachable", why, ms };
      } else {
        const declined = (err.status !== undefined && DECLINES.has(err.status)) ||
          err.q850 === 17 || err.q850 === 21;
        outcome = { guardianId, outcome: declined ? "declined" : "failed", why, ms };
      }
    }
    await this.#outcome(record, outcome);
  }

  async #outcome(record: EscalationRecord, outcome: Outcome): Promise<void> {
    record.outcomes.push(outcome);
    await this.o.witness.append(`escalation.${outcome.outcome}`, {
      id: record.id,
      room: record.room!,
      ...outcome,
    });
  }

  #keep(record: EscalationRecord): void {
    this.#records.set(record.id, record);
    if (this.#records.size > MAX_KEPT) {
      this.#records.delete(this.#records.keys().next().value!);
    }
  }
}

// The gateway: a call from one endpoint to another (a SIP phone dialling an H.323
// terminal's alias or E.164 number, an H.323 terminal dialling a SIP user) runs as
// a private two-member room "gateway/<id>". Each leg is admitted by guard and joins
// that room through its own stack; the room's mix transcodes between their codecs
// (each hears only the other). The gateway links the legs: the callee is dialled
// through its stack, ringing and the failure cause travel back to the caller,
// digits cross, and the end of either leg ends the other. Stacks meet here only
// through GatewayStack, never each other's internals (ARCHITECTURE.md).

import { GATEWAY_ROOM } from "../guard/mod.ts";
import { CallError } from "../signaling/call_error.ts";
import type { Logger } from "../telemetry/mod.ts";
import type { JsonValue, WitnessLog } from "../witness/mod.ts";
import type { Protocol } from "./mod.ts";

/** Q.850 causes the gateway itself gives (ITU-T Q.850 Table 1). */
export const Q850 = {
  unallocatedNumber: 1,
  normalClearing: 16,
  temporaryFailure: 41,
  interworking: 127,
} as const;

/** What a caller dialled: a name or number, and the network when it named one. */
export interface Dialled {
  /** "bob", "1002" (E.164 digits without "+"). */
  name: string;
  /** Set by "sip:bob@host" or "h323:bob": only that stack is asked. */
  protocol?: Protocol;
}

/** A registered endpoint a stack can call. */
export interface Callee {
  protocol: Protocol;
  guardianId: string;
  /** How the stack reaches it (a binding's contact, a terminal's alias). */
  address: string;
}

export interface CallOptions {
  /** The caller as the callee should see it (a guardian name). */
  caller: string;
  /** Aborted when the caller gives up before the callee answers. */
  signal: AbortSignal;
  /** The callee is ringing (SIP 180, H.225.0 Alerting). */
  alerting: () => void;
}

/** What a signalling stack offers the gateway. */
export interface GatewayStack {
  readonly protocol: Protocol;
  /** The registration a dialled name reaches on this stack, if any. */
  locate(dialled: Dialled): Promise<Callee | undefined>;
  /**
   * Calls the callee into `room` (its admission is the stack's: guard, vouched for
   * by the registration). Resolves with the leg id once answered; throws CallError
   * with a Q.850 cause otherwise.
   */
  call(room: string, callee: Callee, o: CallOptions): Promise<string>;
  /** Ends a leg, telling its endpoint the cause. */
  hangup(legId: string, cause: number): Promise<boolean>;
  /** Sends keypad digits to a leg's endpoint. */
  sendDigits(legId: string, digits: string): Promise<void>;
}

export interface GatewayParty {
  protocol: Protocol;
  guardianId: string;
  legId: string;
}

interface GatewayCall {
  room: string;
  dialled: string;
  caller: GatewayParty;
  callee: Callee;
  calleeLeg?: string;
  /** Aborts the callee's dialling when the caller leaves first. */
  pending: AbortController;
  ended: boolean;
  openedAt: number;
  answeredAt?: number;
}

/** Parses what a caller dialled: "bob", "+1002", "sip:bob@host", "h323:bob". */
export function parseDialled(text: string): Dialled | undefined {
  const m = /^(?:(sip|sips|h323):)?([^@;:]{1,64})(?:[@;].*)?$/i.exec(text.trim());
  if (!m) return undefined;
  const name = decodeURIComponentSafe(m[2]).replace(/^\+(?=\d)/, "");
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)) return undefined;
  const scheme = m[1]?.toLowerCase();
  return { name, protocol: scheme === "h323" ? "h323" : scheme ? "sip" : undefined };
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export class Gateway {
  #stacks = new Map<Protocol, GatewayStack>();
  #calls = new Map<string, GatewayCall>();
  #byLeg = new Map<string, GatewayCall>();
  readonly counters = { attempted: 0, answered: 0, failed: 0 };

  constructor(private readonly witness: WitnessLog, private readonly log: Logger) {}

  register(stack: GatewayStack): void {
    this.#stacks.set(stack.protocol, stack);
  }

  get count(): number {
    return this.#calls.size;
  }

  /** Whether a media room is a gateway call's. */
  static isGatewayRoom(room: string): boolean {
    return room.startsWith(`${GATEWAY_ROOM}/`);
  }

  /**
   * Finds who `dialled` reaches: another network's registration first (that is
   * what a gateway is for), then the caller's own; never the caller itself.
   * Throws CallError (404, cause 1) when nobody answers to the name.
   */
  async route(dialled: string, caller: Omit<GatewayParty, "legId">): Promise<Callee> {
    const d = parseDialled(dialled);
    if (!d) throw new CallError(`"${dialled}" is not a name or number`, 404, 28);
    const order = [...this.#stacks.values()].sort((a, b) =>
      Number(a.protocol === caller.protocol) - Number(b.protocol === caller.protocol)
    );
    for (const stack of order) {
      if (d.protocol && stack.protocol !== d.protocol) continue;
      const found = await stack.locate(d);
      if (found && found.guardianId !== caller.guardianId) return found;
    }
    throw new CallError(`nobody registered answers to ${d.name}`, 404, Q850.unallocatedNumber);
  }

  /** Opens the private room of a call whose caller leg is `caller.legId`. */
  open(caller: GatewayParty, callee: Callee, dialled: string): string {
    const room = `${GATEWAY_ROOM}/${crypto.randomUUID().slice(0, 13)}`;
    const call: GatewayCall = {
      room,
      dialled,
      caller,
      callee,
      pending: new AbortController(),
      ended: false,
      openedAt: Date.now(),
    };
    this.#calls.set(room, call);
    this.#byLeg.set(caller.legId, call);
    this.counters.attempted++;
    return room;
  }

  /**
   * Dials the callee of an opened call; resolves with its leg id once it answered.
   * Throws CallError with the Q.850 cause for the caller's stack to pass on.
   */
  async connect(room: string, alerting: () => void): Promise<string> {
    const call = this.#calls.get(room);
    if (!call || call.ended) throw new CallError("the caller has gone", 487, Q850.normalClearing);
    const stack = this.#stacks.get(call.callee.protocol)!;
    let legId: string;
    try {
      legId = await stack.call(room, call.callee, {
        caller: call.caller.guardianId.slice("if://guardian/".length),
        signal: call.pending.signal,
        alerting: () => {
          if (!call.ended) alerting();
        },
      });
    } catch (err) {
      const e = err instanceof CallError
        ? err
        : new CallError((err as Error).message, 500, Q850.temporaryFailure);
      this.counters.failed++;
      this.#forget(call);
      await this.#witness("gateway.call.failed", call, {
        cause: e.q850 ?? Q850.interworking,
        why: e.message.slice(0, 200),
      });
      throw new CallError(e.message, e.status, e.q850 ?? Q850.interworking);
    }
    if (call.ended) {
      // The caller left while the callee was answering.
      await stack.hangup(legId, Q850.normalClearing).catch(() => {});
      throw new CallError("the caller has gone", 487, Q850.normalClearing);
    }
    call.calleeLeg = legId;
    call.answeredAt = Date.now();
    this.#byLeg.set(legId, call);
    this.counters.answered++;
    await this.#witness("gateway.call.answered", call, {
      ringMs: call.answeredAt - call.openedAt,
    });
    return legId;
  }

  /** A leg of some call ended (its stack says so): the other leg ends too. */
  ended(legId: string, cause: number = Q850.normalClearing): void {
    const call = this.#byLeg.get(legId);
    if (!call || call.ended) return;
    const answered = call.calleeLeg !== undefined;
    this.#forget(call);
    call.pending.abort();
    if (!answered) return; // connect() reports the failed attempt
    const other = legId === call.caller.legId
      ? { protocol: call.callee.protocol, legId: call.calleeLeg! }
      : call.caller;
    this.#stacks.get(other.protocol)?.hangup(other.legId, cause).catch((err) =>
      this.log.warn("gateway leg not hung up", { err, legId: other.legId })
    );
    this.#witness("gateway.call.ended", call, {
      by: legId === call.caller.legId ? "caller" : "callee",
      cause,
      durationMs: Date.now() - (call.answeredAt ?? call.openedAt),
    });
  }

  /** Digits from a leg of a gateway call go to the other leg; false for other legs. */
  relayDigits(legId: string, digits: string): boolean {
    const call = this.#byLeg.get(legId);
    if (!call) return false;
    const other = legId === call.caller.legId
      ? call.calleeLeg && { protocol: call.callee.protocol, legId: call.calleeLeg }
      : call.caller;
    if (other) {
      this.#stacks.get(other.protocol)?.sendDigits(other.legId, digits).catch((err) =>
        this.log.warn("digits not relayed", { err, legId: other.legId })
      );
    }
    return true;
  }

  list(): Record<string, JsonValue>[] {
    return [...this.#calls.values()].map((c) => ({
      room: c.room,
      dialled: c.dialled,
      caller: { ...c.caller },
      callee: {
        protocol: c.callee.protocol,
        guardianId: c.callee.guardianId,
        legId: c.calleeLeg ?? null,
      },
      state: c.calleeLeg ? "answered" : "dialling",
      openedAt: new Date(c.openedAt).toISOString(),
    }));
  }

  #forget(call: GatewayCall): void {
    call.ended = true;
    this.#calls.delete(call.room);
    this.#byLeg.delete(call.caller.legId);
    if (call.calleeLeg) this.#byLeg.delete(call.calleeLeg);
  }

  async #witness(type: string, call: GatewayCall, extra: Record<string, JsonValue>) {
    await this.witness.append(type, {
      room: call.room,
      dialled: call.dialled,
      caller: { ...call.caller },
      callee: {
        protocol: call.callee.protocol,
        guardianId: call.callee.guardianId,
        legId: call.calleeLeg ?? null,
      },
      ...extra,
    }).catch((err) => this.log.warn("gateway event not witnessed", { err, type }));
  }
}

// The gatekeeper's RAS logic (H.225.0 clause 7): discovery, registration,
// admission through IF.guard, bandwidth, disengage, location and status. It turns
// one decoded RasMessage into the answer (or none); ras/server.ts owns the socket.

import {
  type AdmissionRequest,
  type Decision,
  GATEWAY_ROOM,
  type Guard,
  GUARDIAN_ID_RE,
  type GuardianRegistry,
  type RejectReason,
} from "../../../guard/mod.ts";
import type { Gateway } from "../../../rooms/mod.ts";
import type { Logger } from "../../../telemetry/log.ts";
import { type JsonValue, toHex, type WitnessLog } from "../../../witness/mod.ts";
import {
  aliasKey,
  aliasOf,
  dialledAlias,
  type HostPort,
  hostPort,
  transportAddress,
} from "../h225/address.ts";
import { H225_PROTOCOL, type RasValue } from "../h225/mod.ts";
import type { Endpoint, Endpoints } from "./endpoints.ts";
import { admissionRequestOf } from "./token.ts";

type Msg = Record<string, unknown>;

/** IF.guard's reasons as ARJ reasons (H.225.0 7.8.3; docs/API.md). */
export const ARJ_REASON: Record<RejectReason, string> = {
  INVALID_SIGNATURE: "securityDenial",
  NOT_REGISTERED: "callerNotRegistered",
  REPLAYED: "securityDenial",
  PII_POLICY_VIOLATION: "requestDenied",
  BANDWIDTH_EXCEEDED: "resourceUnavailable",
  CAPACITY_EXCEEDED: "exceedsCallCapacity",
  RATE_LIMITED: "resourceUnavailable",
  CODEC_UNSUPPORTED: "requestDenied",
  ROOM_NOT_FOUND: "calledPartyNotRegistered",
  INTERNAL_ERROR: "undefinedReason",
};

const ROOM_ALIAS_RE = /^council-([a-z0-9][a-z0-9._-]{0,63})$/;

export interface GatekeeperOptions {
  gatekeeperId: string;
  /** Where endpoints reach this gatekeeper's RAS and call signalling. */
  ras: HostPort;
  callSignal: HostPort;
  /** Registration lifetime granted at most, in seconds. */
  timeToLive: number;
  guard: Guard;
  registry: GuardianRegistry;
  endpoints: Endpoints;
  /** Routes ARQs that dial someone rather than a room (SIP <-> H.323). */
  gateway?: Gateway;
  witness: WitnessLog;
  log: Logger;
}

/** A call admitted by ARQ, until its DRQ (or the endpoint's unregistration). */
export interface AdmittedCall {
  endpointId: string;
  sessionId: string;
  callId: string;
  conferenceId: string;
  crv: number;
  room: string;
  bandwidth: number;
}

/** Council asks for no copies of call signalling messages (uuiesRequested). */
const NO_UUIES = {
  setup: false,
  callProceeding: false,
  connect: false,
  alerting: false,
  information: false,
  releaseComplete: false,
  facility: false,
  progress: false,
  empty: false,
};

export class Gatekeeper {
  readonly calls = new Map<string, AdmittedCall>();
  /**
   * Calls Council places to registered endpoints, by callIdentifier: the callee's
   * answerCall ARQ (H.225.0 7.8) is confirmed for these, already admitted.
   */
  readonly placed = new Map<string, { endpointId: string; bandwidth: number }>();
  readonly counters = { admitted: 0, rejected: 0, registered: 0 };
  #nextId = 1;

  constructor(readonly o: GatekeeperOptions) {}

  /** The answer to one RAS message from `from`, or undefined when none is due. */
  async handle(message: RasValue, from: HostPort): Promise<RasValue | undefined> {
    const [kind] = Object.keys(message);
    const m = message[kind] as Msg;
    switch (kind) {
      case "gatekeeperRequest":
        return this.#grq(m);
      case "registrationRequest":
        return await this.#rrq(m, from);
      case "unregistrationRequest":
        return await this.#urq(m);
      case "admissionRequest":
        return await this.#arq(m);
      case "bandwidthRequest":
        return this.#brq(m);
      case "disengageRequest":
        return await this.#drq(m);
      case "locationRequest":
        return this.#lrq(m);
      case "infoRequestResponse":
        return m.needResponse ? { infoRequestAck: { requestSeqNum: m.requestSeqNum } } : undefined;
      case "resourcesAvailableIndicate":
        return {
          resourcesAvailableConfirm: {
            requestSeqNum: m.requestSeqNum,
            protocolIdentifier: H225_PROTOCOL,
          },
        };
      // Answers to requests Council sent, and indications: nothing to say back.
      case "unregistrationConfirm":
      case "unregistrationReject":
      case "disengageConfirm":
      case "disengageReject":
      case "infoRequestAck":
      case "infoRequestNak":
      case "unknownMessageResponse":
        return undefined;
      default:
        // H.225.0 7.15: XRS for a message this gatekeeper does not handle.
        if (typeof m?.requestSeqNum !== "number") return undefined;
        return {
          unknownMessageResponse: {
            requestSeqNum: m.requestSeqNum,
            messageNotUnderstood: new TextEncoder().encode(kind),
          },
        };
    }
  }

  #grq(m: Msg): RasValue {
    const seq = m.requestSeqNum;
    if (m.gatekeeperIdentifier !== undefined && m.gatekeeperIdentifier !== this.o.gatekeeperId) {
      return {
        gatekeeperReject: {
          requestSeqNum: seq,
          protocolIdentifier: H225_PROTOCOL,
          gatekeeperIdentifier: this.o.gatekeeperId,
          rejectReason: { terminalExcluded: null },
        },
      };
    }
    return {
      gatekeeperConfirm: {
        requestSeqNum: seq,
        protocolIdentifier: H225_PROTOCOL,
        gatekeeperIdentifier: this.o.gatekeeperId,
        rasAddress: transportAddress(this.o.ras),
      },
    };
  }

  async #rrq(m: Msg, from: HostPort): Promise<RasValue> {
    const seq = m.requestSeqNum;
    const reject = async (reason: Msg, why: string) => {
      await this.#witness("h323.ras.rrj", { reason: Object.keys(reason)[0], why });
      return {
        registrationReject: {
          requestSeqNum: seq,
          protocolIdentifier: H225_PROTOCOL,
          rejectReason: reason,
          gatekeeperIdentifier: this.o.gatekeeperId,
        },
      };
    };
    if (m.gatekeeperIdentifier !== undefined && m.gatekeeperIdentifier !== this.o.gatekeeperId) {
      return reject({ undefinedReason: null }, "another gatekeeper's identifier");
    }
    const ttl = Math.min(
      this.o.timeToLive,
      typeof m.timeToLive === "number" ? m.timeToLive : this.o.timeToLive,
    );
    // Lightweight re-registration (7.2.2): keepAlive with the identifier we gave.
    if (m.keepAlive === true) {
      const e = typeof m.endpointIdentifier === "string"
        ? this.o.endpoints.get(m.endpointIdentifier)
        : undefined;
      if (!e) return reject({ fullRegistrationRequired: null }, "unknown endpoint identifier");
      const next = { ...e, timeToLive: ttl, expiresAt: Date.now() + ttl * 1000 };
      await this.o.endpoints.put(next);
      return this.#rcf(seq, next);
    }
    const aliases = ((m.terminalAlias as unknown[]) ?? []).map(aliasKey).filter((a): a is string =>
      a !== undefined
    );
    const guardianId = aliases
      .filter((a) => a.startsWith("h323-ID:"))
      .map((a) => `if://guardian/${a.slice("h323-ID:".length)}`)
      .find((id) => GUARDIAN_ID_RE.test(id) && this.o.registry.get(id)?.status === "active");
    if (!guardianId) {
      return reject({ invalidAlias: null }, "no h323-ID alias names an active guardian");
    }
    const callSignal = ((m.callSignalAddress as unknown[]) ?? []).map(hostPort).filter((
      a,
    ): a is HostPort => a !== undefined);
    const ras = ((m.rasAddress as unknown[]) ?? []).map(hostPort).find((a) => a) ?? from;
    if (callSignal.length === 0) {
      return reject({ invalidCallSignalAddress: null }, "no IPv4 call signalling address");
    }
    // An alias held by another endpoint is a conflict unless it is this endpoint again.
    const taken = aliases.filter((a) => {
      const other = this.o.endpoints.byAlias(a);
      return other && other.callSignal[0]?.host + ":" + other.callSignal[0]?.port !==
          callSignal[0].host + ":" + callSignal[0].port;
    });
    if (taken.length) {
      return reject({ duplicateAlias: taken.map(aliasOf) }, `aliases in use: ${taken.join(", ")}`);
    }
    const previous = aliases.map((a) => this.o.endpoints.byAlias(a)).find((e) => e);
    const vendor = (m.endpointVendor as { productId?: Uint8Array } | undefined)?.productId;
    const e: Endpoint = {
      id: previous?.id ?? `${Date.now().toString(36)}-${(this.#nextId++).toString(36)}`,
      guardianId,
      aliases,
      ras,
      callSignal,
      timeToLive: ttl,
      expiresAt: Date.now() + ttl * 1000,
      vendor: vendor ? new TextDecoder().decode(vendor).replace(/\0+$/, "") : undefined,
    };
    await this.o.endpoints.put(e);
    this.counters.registered++;
    await this.#witness("h323.ras.rcf", {
      endpointId: e.id,
      guardianId,
      aliases,
      callSignal: `${callSignal[0].host}:${callSignal[0].port}`,
      timeToLive: ttl,
    });
    return this.#rcf(seq, e);
  }

  #rcf(seq: unknown, e: Endpoint): RasValue {
    return {
      registrationConfirm: {
        requestSeqNum: seq,
        protocolIdentifier: H225_PROTOCOL,
        callSignalAddress: [transportAddress(this.o.callSignal)],
        terminalAlias: e.aliases.map(aliasOf),
        gatekeeperIdentifier: this.o.gatekeeperId,
        endpointIdentifier: e.id,
        timeToLive: e.timeToLive,
        willRespondToIRR: false,
        maintainConnection: false,
      },
    };
  }

  async #urq(m: Msg): Promise<RasValue> {
    const seq = m.requestSeqNum;
    const e = typeof m.endpointIdentifier === "string"
      ? this.o.endpoints.get(m.endpointIdentifier)
      : this.#byCallSignal(m.callSignalAddress);
    if (!e) {
      return {
        unregistrationReject: {
          requestSeqNum: seq,
          rejectReason: { notCurrentlyRegistered: null },
        },
      };
    }
    await this.unregister(e, "urq");
    return { unregistrationConfirm: { requestSeqNum: seq } };
  }

  /** Removes a registration and ends its calls' guard sessions. */
  async unregister(e: Endpoint, why: string): Promise<void> {
    await this.o.endpoints.remove(e.id);
    await this.endCallsOf(e.id);
    await this.#witness("h323.ras.unregistered", {
      endpointId: e.id,
      guardianId: e.guardianId,
      why,
    });
  }

  async endCallsOf(endpointId: string): Promise<void> {
    for (const [key, c] of [...this.calls]) {
      if (c.endpointId !== endpointId) continue;
      this.calls.delete(key);
      await this.o.guard.end(c.sessionId, "released").catch(() => {});
    }
  }

  #byCallSignal(addresses: unknown): Endpoint | undefined {
    const wanted = ((addresses as unknown[]) ?? []).map(hostPort).filter((a) => a);
    return this.o.endpoints.list().find((e) =>
      e.callSignal.some((c) => wanted.some((w) => w!.host === c.host && w!.port === c.port))
    );
  }

  async #arq(m: Msg): Promise<RasValue> {
    const seq = m.requestSeqNum;
    const reject = (reason: string) => {
      this.counters.rejected++;
      return { admissionReject: { requestSeqNum: seq, rejectReason: { [reason]: null } } };
    };
    const e = typeof m.endpointIdentifier === "string"
      ? this.o.endpoints.get(m.endpointIdentifier)
      : undefined;
    if (!e) return reject("callerNotRegistered");
    if (m.answerCall === true) {
      // Answering a call Council placed: that leg was admitted when Council dialled.
      const guid = (m.callIdentifier as { guid?: Uint8Array } | undefined)?.guid;
      const placed = guid ? this.placed.get(hex(guid)) : undefined;
      if (!placed || placed.endpointId !== e.id) return reject("requestDenied");
      return {
        admissionConfirm: {
          requestSeqNum: seq,
          bandWidth: placed.bandwidth,
          callModel: { direct: null },
          destCallSignalAddress: transportAddress(e.callSignal[0]),
          willRespondToIRR: false,
          uuiesRequested: NO_UUIES,
        },
      };
    }
    const destination = ((m.destinationInfo as unknown[]) ?? []).map(aliasKey);
    let room = destination
      .map((a) => a && /^(?:h323-ID|url-ID|email-ID):(?:sip:|h323:)?([^@]+)/.exec(a)?.[1])
      .map((u) => u && ROOM_ALIAS_RE.exec(u)?.[1])
      .find((r) => r);
    // Someone to call rather than a room: admitted as a gateway call when the
    // gateway knows where the callee is registered (Council routes the call).
    const dialled = room ? undefined : dialledAlias(destination);
    if (!room && dialled && this.o.gateway) {
      const found = await this.o.gateway.route(dialled, {
        protocol: "h323",
        guardianId: e.guardianId,
      }).catch(() => undefined);
      if (found) room = GATEWAY_ROOM;
    }
    if (!room) return reject("calledPartyNotRegistered");
    const token = admissionRequestOf(m.tokens);
    if (!token.ok) {
      this.o.log.debug("ARQ without a usable admission token", { why: token.error });
      return reject("securityDenial");
    }
    const request: AdmissionRequest = token.request;
    if (request.room !== room || request.guardianId !== e.guardianId) {
      return reject("securityDenial");
    }
    const decision: Decision = await this.o.guard.admit(request);
    if (decision.decision === "reject") return reject(ARJ_REASON[decision.reason]);
    const guid = (m.callIdentifier as { guid?: Uint8Array } | undefined)?.guid;
    const callId = guid ? hex(guid) : hex(m.conferenceID as Uint8Array);
    const bandwidth = decision.bandwidthKbps * 10; // BandWidth counts 100 bit/s
    this.calls.set(callId, {
      endpointId: e.id,
      sessionId: decision.sessionId,
      callId,
      conferenceId: hex(m.conferenceID as Uint8Array),
      crv: m.callReferenceValue as number,
      room,
      bandwidth,
    });
    this.counters.admitted++;
    return {
      admissionConfirm: {
        requestSeqNum: seq,
        bandWidth: bandwidth,
        callModel: { gatekeeperRouted: null },
        destCallSignalAddress: transportAddress(this.o.callSignal),
        willRespondToIRR: false,
        uuiesRequested: NO_UUIES,
      },
    };
  }

  #brq(m: Msg): RasValue {
    const seq = m.requestSeqNum;
    const guid = (m.callIdentifier as { guid?: Uint8Array } | undefined)?.guid;
    const call = guid ? this.calls.get(hex(guid)) : undefined;
    const wanted = m.bandWidth as number;
    if (!call || call.endpointId !== m.endpointIdentifier) {
      return {
        bandwidthReject: {
          requestSeqNum: seq,
          rejectReason: { invalidConferenceID: null },
          allowedBandWidth: 0,
        },
      };
    }
    if (wanted > call.bandwidth) {
      return {
        bandwidthReject: {
          requestSeqNum: seq,
          rejectReason: { insufficientResources: null },
          allowedBandWidth: call.bandwidth,
        },
      };
    }
    return { bandwidthConfirm: { requestSeqNum: seq, bandWidth: wanted } };
  }

  async #drq(m: Msg): Promise<RasValue> {
    const seq = m.requestSeqNum;
    const e = typeof m.endpointIdentifier === "string"
      ? this.o.endpoints.get(m.endpointIdentifier)
      : undefined;
    if (!e) {
      return { disengageReject: { requestSeqNum: seq, rejectReason: { notRegistered: null } } };
    }
    const guid = (m.callIdentifier as { guid?: Uint8Array } | undefined)?.guid;
    const key = guid ? hex(guid) : hex(m.conferenceID as Uint8Array);
    const call = this.calls.get(key);
    if (call && call.endpointId === e.id) {
      this.calls.delete(key);
      await this.o.guard.end(call.sessionId, "released").catch(() => {});
    }
    // A DRQ for a call already gone (a retransmission, a restart) is still confirmed.
    return { disengageConfirm: { requestSeqNum: seq } };
  }

  #lrq(m: Msg): RasValue {
    const seq = m.requestSeqNum;
    for (const alias of ((m.destinationInfo as unknown[]) ?? []).map(aliasKey)) {
      if (!alias) continue;
      const user = alias.slice(alias.indexOf(":") + 1);
      const e = this.o.endpoints.byAlias(alias);
      if (e) {
        return {
          locationConfirm: {
            requestSeqNum: seq,
            callSignalAddress: transportAddress(e.callSignal[0]),
            rasAddress: transportAddress(e.ras),
          },
        };
      }
      if (ROOM_ALIAS_RE.test(user)) {
        return {
          locationConfirm: {
            requestSeqNum: seq,
            callSignalAddress: transportAddress(this.o.callSignal),
            rasAddress: transportAddress(this.o.ras),
          },
        };
      }
    }
    return { locationReject: { requestSeqNum: seq, rejectReason: { requestDenied: null } } };
  }

  async #witness(type: string, payload: Record<string, JsonValue>): Promise<void> {
    await this.o.witness.append(type, payload).catch((err) =>
      this.o.log.warn("RAS event not witnessed", { err, type })
    );
  }
}

function hex(b: Uint8Array | undefined): string {
  return b ? toHex(b) : "";
}

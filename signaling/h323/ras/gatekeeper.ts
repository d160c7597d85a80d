// The gatekeeper's RAS logic (H.225.0 clause 7): discovery, registration,
// admission through IF.guard, bandwidth, disengage, location and status. It turns
// one decoded RasMessage into the answer (or none); ras/server.ts owns the socket.

import {
  type AdmissionRequest,
  type AuthenticatedRequest,
  type Codec,
  type Decision,
  GATEWAY_ROOM,
  type Guard,
  GUARDIAN_ID_RE,
  type GuardianRegistry,
  type RejectReason,
} from "../../../guard/mod.ts";
import { KeyedLimiter, type RejectLedger } from "../../../guard/mod.ts";
import { CODEC_INFO } from "../../../media/codecs/catalog.ts";
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
import { roomOfAliases } from "../room_alias.ts";
import type { Policy } from "../../../guard/policy.ts";
import { H235_1_OIDS } from "../security/h235_1.ts";
import type { Neighbour } from "../security/neighbours.ts";
import type { H323Passwords } from "../security/passwords.ts";
import { type Proven, type RasAuthenticator, sourceKey } from "../security/ras_auth.ts";
import { createHash } from "node:crypto";

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

/** What an H.323 terminal without Council's token is admitted with (calls.ts plays them). */
const H323_AUDIO: Codec[] = ["PCMU", "PCMA", "G722", "G729"];

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
  /** Proves who sent a request (H.235.1, Council's RAS token) and signs answers. */
  auth: RasAuthenticator;
  /** Repeated refusals become one counted witness entry per interval. */
  ledger: RejectLedger;
  /** Gatekeepers whose LRQs are answered; "anyone": every LRQ is. */
  neighbours: Neighbour[];
  lrqFrom: "neighbours" | "anyone";
  /** Requests per second per claimed alias or endpoint, before any HMAC or signature. */
  perIdentityPerSec: number;
  /** A room's call type (policy); a password admits to ROUTINE rooms only. */
  roomCallType?: (room: string) => string | undefined;
  /** The policy whose rooms' E.164 numbers are aliases too (by name only without it). */
  policy?: () => Policy;
}

/** A RAS answer and, for an endpoint proven by H.235.1, the key to sign it with. */
export interface Answer {
  message: RasValue;
  sign?: { key: Uint8Array; generalID?: string };
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
export const NO_UUIES = {
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
  readonly counters = { admitted: 0, rejected: 0, registered: 0, denied: 0, limited: 0 };
  /** Told when a registration ends, so answers remembered for it are forgotten. */
  onUnregistered?: (e: Endpoint) => void;
  #identities: KeyedLimiter;
  /** Answers to sign, by the answer object (ras/server.ts encodes them). */
  #signing = new WeakMap<RasValue, { key: Uint8Array; generalID?: string }>();

  constructor(readonly o: GatekeeperOptions) {
    this.#identities = new KeyedLimiter({
      perSecond: o.perIdentityPerSec,
      burst: 2 * o.perIdentityPerSec,
      maxKeys: 50_000,
    });
  }

  /**
   * The answer to one RAS message from `from`, or undefined when none is due.
   * `raw` is the datagram as received: H.235.1 hashes are checked over it.
   */
  async handle(
    message: RasValue,
    from: HostPort,
    raw: Uint8Array = new Uint8Array(0),
  ): Promise<RasValue | undefined> {
    const [kind] = Object.keys(message);
    const m = message[kind] as Msg;
    switch (kind) {
      case "gatekeeperRequest":
        return this.#grq(m);
      case "registrationRequest":
        return await this.#rrq(m, from, raw);
      case "unregistrationRequest":
        return await this.#urq(m, from, raw);
      case "admissionRequest":
        return await this.#arq(m, from, raw);
      case "bandwidthRequest":
        return await this.#brq(m, from, raw);
      case "disengageRequest":
        return await this.#drq(m, from, raw);
      case "locationRequest":
        return await this.#lrq(m, from, raw);
      case "infoRequestResponse":
        return await this.#irr(m, from, raw);
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

  /** Per-guardian H.323 passwords (H.235.1). */
  get passwords(): H323Passwords {
    return this.o.auth.o.passwords;
  }

  /** The bytes of an answer: with an H.235.1 token when the request was proven so. */
  encode(answer: RasValue): Uint8Array | undefined {
    const sign = this.#signing.get(answer);
    return sign ? this.o.auth.sign(answer, sign.key, sign.generalID) : undefined;
  }

  #signed(answer: RasValue, e: Endpoint | undefined, proven: Proven): RasValue {
    if (proven.ok && proven.method === "h235.1" && e) {
      const key = this.o.auth.o.passwords.keyOf(e.guardianId);
      if (key) this.#signing.set(answer, { key, generalID: e.id });
    }
    return answer;
  }

  /** One token per claimed identity; over the limit the request is dropped (counted). */
  #overLimit(identity: string, kind: string, from: HostPort): boolean {
    if (this.#identities.take(identity).ok) return false;
    this.counters.limited++;
    this.o.ledger.note("h323.ras.rate_limited", identity, { kind, source: sourceKey(from) });
    return true;
  }

  /** Notes a refused proof in the witness (aggregated) and counts it. */
  #denied(kind: string, key: string, from: HostPort, why: string): void {
    this.counters.denied++;
    this.o.ledger.note("h323.ras.security_denial", `${kind} ${key}`, {
      kind,
      source: sourceKey(from),
      why,
    });
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
    const gcf: Msg = {
      requestSeqNum: seq,
      protocolIdentifier: H225_PROTOCOL,
      gatekeeperIdentifier: this.o.gatekeeperId,
      rasAddress: transportAddress(this.o.ras),
    };
    // An endpoint offering H.235.1 is told to use it (H.225.0 7.2.1; H323Plus
    // activates its authenticator only when the GCF names the mode).
    const offered = ((m.authenticationCapability as Msg[]) ?? []).some((c) => "pwdHash" in c) &&
      ((m.algorithmOIDs as string[]) ?? []).includes(H235_1_OIDS.hmacSha1_96);
    if (offered) {
      gcf.authenticationMode = { pwdHash: null };
      gcf.algorithmOID = H235_1_OIDS.hmacSha1_96;
    }
    return { gatekeeperConfirm: gcf };
  }

  async #rrq(m: Msg, from: HostPort, raw: Uint8Array): Promise<RasValue | undefined> {
    const seq = m.requestSeqNum;
    const reject = (reason: Msg, e?: Endpoint, proven?: Proven): RasValue => {
      const rrj = {
        registrationReject: {
          requestSeqNum: seq,
          protocolIdentifier: H225_PROTOCOL,
          rejectReason: reason,
          gatekeeperIdentifier: this.o.gatekeeperId,
        },
      };
      return proven ? this.#signed(rrj, e, proven) : rrj;
    };
    if (m.gatekeeperIdentifier !== undefined && m.gatekeeperIdentifier !== this.o.gatekeeperId) {
      return reject({ undefinedReason: null });
    }
    const ttl = Math.min(
      this.o.timeToLive,
      typeof m.timeToLive === "number" ? m.timeToLive : this.o.timeToLive,
    );
    // Lightweight re-registration (7.2.2): keepAlive with the identifier we gave,
    // proven like any other request from the endpoint.
    if (m.keepAlive === true) {
      const id = typeof m.endpointIdentifier === "string" ? m.endpointIdentifier : "";
      if (this.#overLimit(`ep:${id}`, "registrationRequest", from)) return undefined;
      const e = this.o.endpoints.get(id);
      if (!e) return reject({ fullRegistrationRequired: null });
      const proven = await this.o.auth.prove(raw, "registrationRequest", m, e.guardianId);
      if (!proven.ok) {
        this.#denied("registrationRequest", e.guardianId, from, proven.why);
        return reject({ securityDenial: null });
      }
      const next = { ...e, timeToLive: ttl, expiresAt: Date.now() + ttl * 1000 };
      await this.o.endpoints.put(next);
      return this.#signed(this.#rcf(seq, next), next, proven);
    }
    const aliases = ((m.terminalAlias as unknown[]) ?? []).map(aliasKey).filter((a): a is string =>
      a !== undefined
    ).slice(0, 32);
    const claimed = aliases.find((a) => a.startsWith("h323-ID:")) ?? aliases[0] ?? "";
    if (this.#overLimit(`alias:${claimed}`, "registrationRequest", from)) return undefined;
    const guardianId = aliases
      .filter((a) => a.startsWith("h323-ID:"))
      .map((a) => `if://guardian/${a.slice("h323-ID:".length)}`)
      .find((id) => GUARDIAN_ID_RE.test(id) && this.o.registry.get(id)?.status === "active");
    // No proof, a wrong one, or no such guardian: one answer, so aliases cannot be probed.
    const proven = await this.o.auth.prove(raw, "registrationRequest", m, guardianId);
    if (!guardianId || !proven.ok) {
      this.#denied(
        "registrationRequest",
        claimed,
        from,
        guardianId ? (proven as { why: string }).why : "no h323-ID alias names an active guardian",
      );
      return reject({ securityDenial: null });
    }
    const callSignal = ((m.callSignalAddress as unknown[]) ?? []).map(hostPort).filter((
      a,
    ): a is HostPort => a !== undefined);
    const ras = ((m.rasAddress as unknown[]) ?? []).map(hostPort).find((a) => a) ?? from;
    if (callSignal.length === 0) return reject({ invalidCallSignalAddress: null });
    // An alias another guardian holds is a conflict; the proven guardian's own older
    // registrations (a restarted terminal) are replaced.
    const holders = aliases.map((a) => this.o.endpoints.byAlias(a)).filter((e): e is Endpoint =>
      e !== undefined
    );
    const taken = aliases.filter((a) => {
      const other = this.o.endpoints.byAlias(a);
      return other && other.guardianId !== guardianId;
    });
    if (taken.length) return reject({ duplicateAlias: taken.map(aliasOf) });
    for (const old of new Set(holders)) await this.unregister(old, "replaced");
    const vendor = (m.endpointVendor as { productId?: Uint8Array } | undefined)?.productId;
    const e: Endpoint = {
      // 128 random bits: an identifier cannot be guessed (it is never published).
      id: toHex(crypto.getRandomValues(new Uint8Array(16))),
      guardianId,
      aliases,
      ras,
      source: from,
      callSignal,
      timeToLive: ttl,
      expiresAt: Date.now() + ttl * 1000,
      vendor: vendor ? new TextDecoder().decode(vendor).replace(/\0+$/, "") : undefined,
      proof: proven.method,
    };
    await this.o.endpoints.put(e);
    this.counters.registered++;
    // The witness is public: neither the identifier nor the terminal's address is in it.
    await this.#witness("h323.ras.rcf", {
      registration: registrationRef(e.id),
      guardianId,
      aliases,
      timeToLive: ttl,
      proof: proven.method,
    });
    return this.#signed(this.#rcf(seq, e), e, proven);
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

  /** The registered endpoint a request names, and whether it proved to be it. */
  async #prove(
    kind: string,
    m: Msg,
    from: HostPort,
    raw: Uint8Array,
    e: Endpoint | undefined,
  ): Promise<Proven> {
    if (!e) return { ok: false, missing: true, why: "not registered" };
    const proven = await this.o.auth.prove(raw, kind, m, e.guardianId);
    if (!proven.ok && !(proven.missing && kind === "admissionRequest")) {
      this.#denied(kind, e.guardianId, from, proven.why);
    }
    return proven;
  }

  async #urq(m: Msg, from: HostPort, raw: Uint8Array): Promise<RasValue | undefined> {
    const seq = m.requestSeqNum;
    const id = typeof m.endpointIdentifier === "string" ? m.endpointIdentifier : undefined;
    if (this.#overLimit(`ep:${id ?? sourceKey(from)}`, "unregistrationRequest", from)) {
      return undefined;
    }
    const e = id !== undefined ? this.o.endpoints.get(id) : this.#byCallSignal(m.callSignalAddress);
    if (!e) {
      // Nothing says who this is: the same answer whether or not the guess was right.
      this.#denied("unregistrationRequest", sourceKey(from), from, "no registration proven");
      return {
        unregistrationReject: { requestSeqNum: seq, rejectReason: { securityDenial: null } },
      };
    }
    const proven = await this.#prove("unregistrationRequest", m, from, raw, e);
    if (!proven.ok) {
      return {
        unregistrationReject: { requestSeqNum: seq, rejectReason: { securityDenial: null } },
      };
    }
    await this.unregister(e, "urq");
    return this.#signed({ unregistrationConfirm: { requestSeqNum: seq } }, e, proven);
  }

  /** Removes a registration and ends its calls' guard sessions. */
  async unregister(e: Endpoint, why: string): Promise<void> {
    await this.o.endpoints.remove(e.id);
    this.onUnregistered?.(e);
    await this.endCallsOf(e.id);
    await this.#witness("h323.ras.unregistered", {
      registration: registrationRef(e.id),
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

  async #arq(m: Msg, from: HostPort, raw: Uint8Array): Promise<RasValue | undefined> {
    const seq = m.requestSeqNum;
    const reject = (reason: string, e?: Endpoint, proven?: Proven) => {
      this.counters.rejected++;
      const arj = { admissionReject: { requestSeqNum: seq, rejectReason: { [reason]: null } } };
      return proven ? this.#signed(arj, e, proven) : arj;
    };
    const id = typeof m.endpointIdentifier === "string" ? m.endpointIdentifier : "";
    if (this.#overLimit(`ep:${id}`, "admissionRequest", from)) return undefined;
    const e = this.o.endpoints.get(id);
    if (!e) return reject("callerNotRegistered");
    // An H.235.1 endpoint proves every ARQ; a Council-aware one may prove it by the
    // signed admission request it carries (checked by guard below).
    const proven = await this.#prove("admissionRequest", m, from, raw, e);
    if (!proven.ok && !(proven.missing && e.proof === "council-token" && !m.answerCall)) {
      if (proven.missing) this.#denied("admissionRequest", e.guardianId, from, proven.why);
      return reject("securityDenial");
    }
    if (m.answerCall === true) {
      // Answering a call Council placed: that leg was admitted when Council dialled.
      const guid = (m.callIdentifier as { guid?: Uint8Array } | undefined)?.guid;
      const placed = guid ? this.placed.get(hex(guid)) : undefined;
      if (!placed || placed.endpointId !== e.id) return reject("requestDenied", e, proven);
      // What the terminal asked, up to what the call was admitted for (both directions).
      const asked = typeof m.bandWidth === "number" && m.bandWidth > 0 ? m.bandWidth : Infinity;
      return this.#signed(
        {
          admissionConfirm: {
            requestSeqNum: seq,
            bandWidth: Math.min(asked, placed.bandwidth),
            callModel: { direct: null },
            destCallSignalAddress: transportAddress(e.callSignal[0]),
            willRespondToIRR: false,
            uuiesRequested: NO_UUIES,
          },
        },
        e,
        proven,
      );
    }
    const destination = ((m.destinationInfo as unknown[]) ?? []).map(aliasKey);
    let room = this.#roomOf(destination);
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
    if (!room) return reject("calledPartyNotRegistered", e, proven);
    const token = admissionRequestOf(m.tokens);
    let request: AdmissionRequest | AuthenticatedRequest;
    if (token.ok) {
      request = token.request;
    } else if (
      token.missing && proven.ok && proven.method === "h235.1" &&
      (this.o.roomCallType?.(room) ?? "ROUTINE") === "ROUTINE"
    ) {
      // An ordinary terminal proven by its password (issue 23): admitted like a SIP
      // phone with digest, ROUTINE only; guard picks the codec from the room's.
      request = {
        guardianId: e.guardianId,
        room,
        callType: "ROUTINE",
        bandwidthKbps: CODEC_INFO.PCMU.streamKbps,
        codecs: H323_AUDIO,
        pii: false,
        authentication: "h323-registration",
      };
    } else {
      this.o.log.debug("ARQ without a usable admission token", { why: token.error });
      return reject("securityDenial", e, proven);
    }
    if (request.room !== room || request.guardianId !== e.guardianId) {
      return reject("securityDenial", e, proven);
    }
    const decision: Decision = await this.o.guard.admit(request);
    if (decision.decision === "reject") return reject(ARJ_REASON[decision.reason], e, proven);
    const guid = (m.callIdentifier as { guid?: Uint8Array } | undefined)?.guid;
    const callId = guid ? hex(guid) : hex(m.conferenceID as Uint8Array);
    const bandwidth = callBandwidth(decision.bandwidthKbps);
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
    return this.#signed(
      {
        admissionConfirm: {
          requestSeqNum: seq,
          bandWidth: bandwidth,
          callModel: { gatekeeperRouted: null },
          destCallSignalAddress: transportAddress(this.o.callSignal),
          willRespondToIRR: false,
          uuiesRequested: NO_UUIES,
        },
      },
      e,
      proven,
    );
  }

  async #brq(m: Msg, from: HostPort, raw: Uint8Array): Promise<RasValue | undefined> {
    const seq = m.requestSeqNum;
    const id = typeof m.endpointIdentifier === "string" ? m.endpointIdentifier : "";
    if (this.#overLimit(`ep:${id}`, "bandwidthRequest", from)) return undefined;
    const e = this.o.endpoints.get(id);
    const proven = await this.#prove("bandwidthRequest", m, from, raw, e);
    const brj = (reason: string, allowed: number) =>
      this.#signed(
        {
          bandwidthReject: {
            requestSeqNum: seq,
            rejectReason: { [reason]: null },
            allowedBandWidth: allowed,
          },
        },
        e,
        proven,
      );
    if (!e || !proven.ok) return brj("securityDenial", 0);
    const guid = (m.callIdentifier as { guid?: Uint8Array } | undefined)?.guid;
    const call = guid ? this.calls.get(hex(guid)) : undefined;
    const wanted = m.bandWidth as number;
    if (!call || call.endpointId !== e.id) return brj("invalidConferenceID", 0);
    if (wanted > call.bandwidth) return brj("insufficientResources", call.bandwidth);
    return this.#signed({ bandwidthConfirm: { requestSeqNum: seq, bandWidth: wanted } }, e, proven);
  }

  async #drq(m: Msg, from: HostPort, raw: Uint8Array): Promise<RasValue | undefined> {
    const seq = m.requestSeqNum;
    const id = typeof m.endpointIdentifier === "string" ? m.endpointIdentifier : "";
    if (this.#overLimit(`ep:${id}`, "disengageRequest", from)) return undefined;
    const e = this.o.endpoints.get(id);
    if (!e) {
      return { disengageReject: { requestSeqNum: seq, rejectReason: { notRegistered: null } } };
    }
    const proven = await this.#prove("disengageRequest", m, from, raw, e);
    if (!proven.ok) {
      return { disengageReject: { requestSeqNum: seq, rejectReason: { securityDenial: null } } };
    }
    const guid = (m.callIdentifier as { guid?: Uint8Array } | undefined)?.guid;
    const key = guid ? hex(guid) : hex(m.conferenceID as Uint8Array);
    const call = this.calls.get(key);
    if (call && call.endpointId === e.id) {
      this.calls.delete(key);
      await this.o.guard.end(call.sessionId, "released").catch(() => {});
    }
    // A DRQ for a call already gone (a retransmission, a restart) is still confirmed.
    return this.#signed({ disengageConfirm: { requestSeqNum: seq } }, e, proven);
  }

  async #irr(m: Msg, from: HostPort, raw: Uint8Array): Promise<RasValue | undefined> {
    const id = typeof m.endpointIdentifier === "string" ? m.endpointIdentifier : "";
    if (this.#overLimit(`ep:${id}`, "infoRequestResponse", from)) return undefined;
    const e = this.o.endpoints.get(id);
    const proven = await this.#prove("infoRequestResponse", m, from, raw, e);
    if (!m.needResponse) return undefined;
    if (!proven.ok) {
      return {
        infoRequestNak: {
          requestSeqNum: m.requestSeqNum,
          nakReason: { [e ? "securityDenial" : "notRegistered"]: null },
        },
      };
    }
    return this.#signed({ infoRequestAck: { requestSeqNum: m.requestSeqNum } }, e, proven);
  }

  /** The room aliases name (council-<room>, or a room's E.164 number), if any. */
  #roomOf(aliases: readonly (string | undefined)[]): string | undefined {
    return roomOfAliases(aliases, this.o.policy?.());
  }

  /** The configured neighbour an LRQ comes from, if any. */
  #neighbour(from: HostPort): Neighbour | undefined {
    return this.o.neighbours.find((n) =>
      n.host === from.host && (n.port === undefined || n.port === from.port)
    );
  }

  async #lrq(m: Msg, from: HostPort, raw: Uint8Array): Promise<RasValue | undefined> {
    const seq = m.requestSeqNum;
    const deny = (why: string): RasValue => {
      this.#denied("locationRequest", sourceKey(from), from, why);
      return { locationReject: { requestSeqNum: seq, rejectReason: { securityDenial: null } } };
    };
    if (this.#overLimit(`lrq:${sourceKey(from)}`, "locationRequest", from)) return undefined;
    const neighbour = this.#neighbour(from);
    let sign: { key: Uint8Array } | undefined;
    if (neighbour?.key) {
      const proven = await this.o.auth.prove(raw, "locationRequest", m, undefined, neighbour.key);
      if (!proven.ok) return deny(`neighbour ${from.host}: ${proven.why}`);
      sign = { key: neighbour.key };
    } else if (!neighbour && this.o.lrqFrom !== "anyone") {
      return deny("not a configured neighbour");
    }
    const answer = this.#locate(m, seq);
    if (sign) this.#signing.set(answer, sign);
    return answer;
  }

  #locate(m: Msg, seq: unknown): RasValue {
    for (const alias of ((m.destinationInfo as unknown[]) ?? []).map(aliasKey)) {
      if (!alias) continue;
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
      if (this.#roomOf([alias])) {
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

/**
 * What the witness records of an endpoint identifier: a hash that tells
 * registrations apart without being usable in a RAS request.
 */
export function registrationRef(endpointId: string): string {
  return createHash("sha256").update(`h323-registration ${endpointId}`).digest("hex").slice(0, 16);
}

function hex(b: Uint8Array | undefined): string {
  return b ? toHex(b) : "";
}

/**
 * RAS BandWidth for a call admitted at `kbps` a stream: H.225.0 counts 100 bit/s
 * units for both directions of the call (7.8.1, bandWidth "for the bidirectional
 * call"), so two-way G.711 needs at least 1280. Granting one direction made
 * H323Plus open one of two Fast Start channels, or refuse H.245 channels with
 * insufficientBandwidth (issue 23 item 5).
 */
export function callBandwidth(kbps: number): number {
  return 2 * kbps * 10;
}

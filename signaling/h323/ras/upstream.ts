// Council behind another gatekeeper (h323.upstream): Council registers with it as
// an MCU whose aliases are its rooms (council-<room>, and each room's E.164
// number), the way a conference bridge joins an existing H.323 zone:
// - GRQ when the gatekeeper's identifier is not configured, then RRQ; a
//   lightweight RRQ (keepAlive) before the time to live runs out (H.225.0 7.9.1);
//   a full one again when the gatekeeper asks (RRJ fullRegistrationRequired, URQ);
//   URQ when Council stops.
// - ARQ (answerCall) for each call the gatekeeper's zone places to Council and
//   DRQ when it ends (H.225.0 7.11: a registered endpoint asks before answering);
//   ARQ to find where an alias of that zone is, for Council's own calls.
// - IRQ answered with an IRR, BRQ with a BCF, so the gatekeeper keeps its view.
// With a password (h323.upstreamPasswordFile) every request carries an H.235.1
// token (procedure I), and answers that carry one are checked; answers are taken
// only from the gatekeeper's address and only for a request outstanding.

import type { Subsystem } from "../../../lifecycle/mod.ts";
import type { Logger } from "../../../telemetry/log.ts";
import type { JsonValue, WitnessLog } from "../../../witness/mod.ts";
import { UdpSocket } from "../../net/udp_socket.ts";
import { PerError } from "../asn1/per.ts";
import { aliasOf, type HostPort, hostPort, transportAddress } from "../h225/address.ts";
import { decodeRas, encodeRas, H225_PROTOCOL, type RasValue } from "../h225/mod.ts";
import { hashMatches, readHashedToken, signRas } from "../security/h235_1.ts";

type Msg = Record<string, unknown>;

export interface UpstreamOptions {
  /** The gatekeeper's RAS address. */
  gatekeeper: HostPort;
  /** Its gatekeeperIdentifier; learnt from a GCF when absent. */
  gatekeeperId?: string;
  /** Where Council's RAS socket for it binds (port 0: any). */
  bind: HostPort;
  /** Council's call signalling address, announced in the RRQ. */
  callSignal: HostPort;
  /** The aliases Council answers to, as alias keys ("h323-ID:council-main", "dialedDigits:4100"). */
  aliases: () => string[];
  /** The H.323 ID Council registers under first (H.235.1 looks the password up by it). */
  name: string;
  /** H.235.1 key of the password the gatekeeper holds for `name`. */
  key?: Uint8Array;
  /** Requested time to live, s. */
  timeToLive: number;
  witness: WitnessLog;
  log: Logger;
  /** Retransmissions of an unanswered request (H.225.0 7.5: 2 by default) and the wait, ms. */
  retries?: number;
  retryMs?: number;
  now?: () => number;
  /** The first request's sequence number (a test replaying a capture); random otherwise. */
  firstSequenceNumber?: number;
}

export type UpstreamState = "off" | "discovering" | "registering" | "registered" | "rejected";

export interface UpstreamStatus {
  state: UpstreamState;
  gatekeeper: string;
  gatekeeperId?: string;
  aliases: string[];
  /** Seconds the registration lasts, as the gatekeeper granted. */
  timeToLive?: number;
  /** Why the last registration attempt failed. */
  why?: string;
  registeredAt?: string;
}

/** An admission the zone's gatekeeper gave for a call to Council. */
export interface ZoneAdmission {
  ok: boolean;
  /** ARJ reason, or why no answer came. */
  why?: string;
  /** BandWidth granted, 100 bit/s units both ways. */
  bandWidth?: number;
}

export interface ZoneCall {
  callId: Uint8Array;
  conferenceId: Uint8Array;
  callReference: number;
  /** Caller's aliases from the Setup (sourceAddress). */
  srcInfo: Msg[];
  /** Called aliases (destinationAddress). */
  destinationInfo: Msg[];
  /** Caller's call signalling address as the Setup or TCP peer shows it. */
  srcCallSignal?: HostPort;
  bandWidth: number;
}

interface Pending {
  kind: string;
  resolve: (answer: { kind: string; body: Msg } | undefined) => void;
  bytes: Uint8Array;
  tries: number;
  timer: ReturnType<typeof setTimeout>;
}

const ANSWERS: Record<string, string[]> = {
  gatekeeperRequest: ["gatekeeperConfirm", "gatekeeperReject"],
  registrationRequest: ["registrationConfirm", "registrationReject"],
  unregistrationRequest: ["unregistrationConfirm", "unregistrationReject"],
  admissionRequest: ["admissionConfirm", "admissionReject"],
  disengageRequest: ["disengageConfirm", "disengageReject"],
};

const COUNCIL_VENDOR = {
  // ITU-T T.35: 181 is the United States, used by most H.323 stacks without a code of their own.
  vendor: { t35CountryCode: 181, t35Extension: 0, manufacturerCode: 0 },
  productId: new TextEncoder().encode("Council"),
  versionId: new TextEncoder().encode("1"),
};
const COUNCIL_TYPE = { mcu: {}, mc: true, undefinedNode: false };

function callKey(callId: Uint8Array): string {
  return Array.from(callId, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The first alias of a key list as RAS AliasAddress values, those that encode. */
function aliasValues(keys: string[]): Msg[] {
  return keys.map(aliasOf).filter((a) => Object.keys(a).length === 1);
}

export class UpstreamGatekeeper implements Subsystem {
  readonly name = "h323-upstream";
  readonly counters = { sent: 0, answered: 0, timeouts: 0, refusedAnswers: 0 };
  #state: UpstreamState = "discovering";
  #gkId?: string;
  #endpointId?: string;
  #ttl?: number;
  #why?: string;
  #registeredAt?: string;
  #registeredAliases: string[] = [];
  #seq: number;
  #random = Math.floor(Math.random() * 0x7fff_ffff);
  #pending = new Map<number, Pending>();
  #timer?: ReturnType<typeof setTimeout>;
  #closing = false;
  #registering?: Promise<void>;
  /** Calls the gatekeeper admitted (ACF), by call identifier: each gets one DRQ. */
  #admitted = new Set<string>();

  private constructor(private readonly o: UpstreamOptions, private readonly socket: UdpSocket) {
    this.#gkId = o.gatekeeperId;
    // #request increments before use.
    this.#seq = (o.firstSequenceNumber ?? Math.floor(Math.random() * 60_000) + 1) - 1;
  }

  static async start(o: UpstreamOptions): Promise<UpstreamGatekeeper> {
    const box: { up?: UpstreamGatekeeper } = {};
    const socket = await UdpSocket.bind(
      { host: o.bind.host, port: o.bind.port, name: "h323-upstream" },
      (data, address, port) => box.up && box.up.#datagram(data, { host: address, port }),
    );
    const up = box.up = new UpstreamGatekeeper(o, socket);
    up.#schedule(0);
    return up;
  }

  /**
   * Always ready: without the upstream registration only that zone's calls fail,
   * and status() (GET /api/v1/h323/upstream) says why.
   */
  ready(): boolean {
    return true;
  }

  get rasAddress(): HostPort {
    return { host: this.o.bind.host, port: this.socket.port };
  }

  get registered(): boolean {
    return this.#state === "registered";
  }

  /** Whether `host` is the gatekeeper's (its routed calls come from there). */
  isGatekeeperHost(host: string): boolean {
    return host === this.o.gatekeeper.host;
  }

  status(): UpstreamStatus {
    return {
      state: this.#state,
      gatekeeper: `${this.o.gatekeeper.host}:${this.o.gatekeeper.port}`,
      ...(this.#gkId ? { gatekeeperId: this.#gkId } : {}),
      aliases: this.#registeredAliases,
      ...(this.#ttl ? { timeToLive: this.#ttl } : {}),
      ...(this.#why ? { why: this.#why } : {}),
      ...(this.#registeredAt ? { registeredAt: this.#registeredAt } : {}),
    };
  }

  /** Registers again now with the current aliases (a room was added or removed). */
  refresh(): Promise<void> {
    return this.#register(true);
  }

  /**
   * Asks the zone's gatekeeper to admit a call it routed to Council (answerCall).
   * Not registered: refused, since the zone does not know Council's aliases.
   */
  async admitAnswer(c: ZoneCall): Promise<ZoneAdmission> {
    const answer = await this.#admission(c, {
      answerCall: true,
      destinationInfo: c.destinationInfo,
      srcInfo: c.srcInfo.length ? c.srcInfo : [{ "h323-ID": "unknown" }],
      ...(c.srcCallSignal ? { srcCallSignalAddress: transportAddress(c.srcCallSignal) } : {}),
    });
    return answer.ok ? { ok: true, bandWidth: answer.acf.bandWidth as number } : answer;
  }

  /**
   * Where the zone's gatekeeper says `alias` takes calls (an ARQ for Council's own
   * call to it), or why not.
   */
  async locate(
    alias: Msg,
    c: Omit<ZoneCall, "srcInfo" | "destinationInfo">,
  ): Promise<{ ok: true; address: HostPort } | { ok: false; why: string }> {
    const answer = await this.#admission(c, {
      answerCall: false,
      destinationInfo: [alias],
      srcInfo: aliasValues([`h323-ID:${this.o.name}`]),
      srcCallSignalAddress: transportAddress(this.o.callSignal),
    });
    if (!answer.ok) return answer;
    const address = hostPort(answer.acf.destCallSignalAddress);
    return address ? { ok: true, address } : { ok: false, why: "ACF without an address" };
  }

  /** An ARQ for a call (the parts that differ between answering and calling in `parts`). */
  async #admission(
    c: Omit<ZoneCall, "srcInfo" | "destinationInfo">,
    parts: Msg,
  ): Promise<{ ok: true; acf: Msg } | { ok: false; why: string }> {
    if (!this.#endpointId) return { ok: false, why: "not registered with the gatekeeper" };
    const answer = await this.#request("admissionRequest", {
      callType: { pointToPoint: null },
      callModel: { direct: null },
      endpointIdentifier: this.#endpointId,
      ...parts,
      bandWidth: c.bandWidth,
      callReferenceValue: c.callReference,
      conferenceID: c.conferenceId,
      activeMC: false,
      canMapAlias: false,
      callIdentifier: { guid: c.callId },
      ...(this.#gkId ? { gatekeeperIdentifier: this.#gkId } : {}),
      willSupplyUUIEs: false,
      canMapSrcAlias: false,
    });
    if (!answer) return { ok: false, why: "the gatekeeper did not answer the ARQ" };
    if (answer.kind === "admissionReject") {
      return { ok: false, why: `ARJ ${Object.keys(answer.body.rejectReason as Msg)[0]}` };
    }
    this.#admitted.add(callKey(c.callId));
    return { ok: true, acf: answer.body };
  }

  /** Tells the zone's gatekeeper a call it admitted has ended (DRQ, once a call). */
  async disengage(
    c: Omit<ZoneCall, "srcInfo" | "destinationInfo" | "bandWidth">,
    answered: boolean,
  ) {
    if (!this.#admitted.delete(callKey(c.callId)) || !this.#endpointId) return;
    await this.#request("disengageRequest", {
      endpointIdentifier: this.#endpointId,
      conferenceID: c.conferenceId,
      callReferenceValue: c.callReference,
      disengageReason: { normalDrop: null },
      callIdentifier: { guid: c.callId },
      ...(this.#gkId ? { gatekeeperIdentifier: this.#gkId } : {}),
      answeredCall: answered,
    });
  }

  /** Unregisters (URQ) and closes the socket. */
  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    clearTimeout(this.#timer);
    if (this.#endpointId) {
      await this.#request("unregistrationRequest", {
        callSignalAddress: [transportAddress(this.o.callSignal)],
        endpointAlias: aliasValues(this.#registeredAliases),
        endpointIdentifier: this.#endpointId,
        ...(this.#gkId ? { gatekeeperIdentifier: this.#gkId } : {}),
      }, 0).catch(() => undefined);
      this.#endpointId = undefined;
      this.#witness("h323.upstream.unregistered", { why: "Council stopped" });
    }
    for (const p of this.#pending.values()) {
      clearTimeout(p.timer);
      p.resolve(undefined);
    }
    this.#pending.clear();
    this.#state = "off";
    await this.socket.close();
  }

  // ---- registration ------------------------------------------------------------

  #schedule(ms: number): void {
    clearTimeout(this.#timer);
    if (this.#closing) return;
    this.#timer = setTimeout(() => {
      const keepAlive = this.#state === "registered";
      this.#register(!keepAlive).catch((err) =>
        this.o.log.warn("upstream registration failed", { err })
      );
    }, ms);
  }

  #register(full: boolean): Promise<void> {
    // One registration at a time; a refresh during one waits for it and runs after.
    const run = async () => {
      if (this.#closing) return;
      if (full || !this.#endpointId) await this.#fullRegistration();
      else await this.#keepAlive();
    };
    const next = (this.#registering ?? Promise.resolve()).then(run, run);
    this.#registering = next.finally(() => {
      if (this.#registering === next) this.#registering = undefined;
    });
    return next;
  }

  async #fullRegistration(): Promise<void> {
    if (!this.#gkId) {
      this.#state = "discovering";
      const gcf = await this.#request("gatekeeperRequest", {
        protocolIdentifier: H225_PROTOCOL,
        rasAddress: transportAddress(this.rasAddress),
        endpointType: COUNCIL_TYPE,
        endpointAlias: aliasValues([`h323-ID:${this.o.name}`]),
        supportsAssignedGK: false,
      });
      if (!gcf || gcf.kind !== "gatekeeperConfirm") {
        return this.#failed(gcf ? `GRJ ${Object.keys(gcf.body.rejectReason as Msg)[0]}` : "no GCF");
      }
      const id = gcf.body.gatekeeperIdentifier;
      if (typeof id === "string") this.#gkId = id;
    }
    this.#state = "registering";
    const aliases = this.#aliases();
    const answer = await this.#request("registrationRequest", {
      protocolIdentifier: H225_PROTOCOL,
      discoveryComplete: true,
      callSignalAddress: [transportAddress(this.o.callSignal)],
      rasAddress: [transportAddress(this.rasAddress)],
      terminalType: COUNCIL_TYPE,
      terminalAlias: aliasValues(aliases),
      ...(this.#gkId ? { gatekeeperIdentifier: this.#gkId } : {}),
      endpointVendor: COUNCIL_VENDOR,
      timeToLive: this.o.timeToLive,
      keepAlive: false,
      willSupplyUUIEs: false,
      maintainConnection: false,
      multipleCalls: true,
      supportsAssignedGK: false,
    });
    this.#registeredResult(answer, aliases);
  }

  async #keepAlive(): Promise<void> {
    const answer = await this.#request("registrationRequest", {
      protocolIdentifier: H225_PROTOCOL,
      discoveryComplete: true,
      callSignalAddress: [transportAddress(this.o.callSignal)],
      rasAddress: [transportAddress(this.rasAddress)],
      terminalType: COUNCIL_TYPE,
      ...(this.#gkId ? { gatekeeperIdentifier: this.#gkId } : {}),
      endpointVendor: COUNCIL_VENDOR,
      timeToLive: this.o.timeToLive,
      keepAlive: true,
      endpointIdentifier: this.#endpointId,
      willSupplyUUIEs: false,
      maintainConnection: false,
      supportsAssignedGK: false,
    });
    if (answer?.kind === "registrationReject") {
      // fullRegistrationRequired, or the gatekeeper forgot Council: start over.
      this.#endpointId = undefined;
      this.#state = "registering";
      return await this.#fullRegistration();
    }
    this.#registeredResult(answer, this.#registeredAliases);
  }

  #registeredResult(answer: { kind: string; body: Msg } | undefined, aliases: string[]): void {
    if (!answer) return this.#failed("the gatekeeper did not answer the RRQ");
    if (answer.kind === "registrationReject") {
      const reason = Object.keys(answer.body.rejectReason as Msg)[0];
      this.#endpointId = undefined;
      this.#state = "rejected";
      return this.#failed(`RRJ ${reason}`);
    }
    const first = !this.#endpointId;
    this.#endpointId = answer.body.endpointIdentifier as string;
    const id = answer.body.gatekeeperIdentifier;
    if (typeof id === "string") this.#gkId = id;
    const ttl = answer.body.timeToLive;
    this.#ttl = typeof ttl === "number" ? ttl : this.o.timeToLive;
    this.#state = "registered";
    this.#why = undefined;
    this.#registeredAliases = aliases;
    if (first) {
      this.#registeredAt = new Date(this.#now()).toISOString();
      this.o.log.info("registered with the upstream gatekeeper", this.status() as unknown as Msg);
      this.#witness("h323.upstream.registered", {
        gatekeeper: `${this.o.gatekeeper.host}:${this.o.gatekeeper.port}`,
        gatekeeperId: this.#gkId ?? null,
        aliases,
        timeToLive: this.#ttl,
        proof: this.o.key ? "h235.1" : "none",
      });
    }
    // Renew at 80 % of the time to live, no later than 10 s before it ends.
    this.#schedule(Math.max(1, Math.min(this.#ttl * 0.8, this.#ttl - 10)) * 1000);
  }

  #failed(why: string): void {
    const changed = why !== this.#why;
    this.#why = why;
    if (this.#state !== "rejected") this.#state = "registering";
    if (changed) {
      this.o.log.warn("upstream gatekeeper registration failed", { why });
      this.#witness("h323.upstream.failed", {
        gatekeeper: `${this.o.gatekeeper.host}:${this.o.gatekeeper.port}`,
        why,
      });
    }
    // Try again in 30 s: a gatekeeper that restarts is back by then.
    this.#schedule(30_000);
  }

  #aliases(): string[] {
    return [
      `h323-ID:${this.o.name}`,
      ...this.o.aliases().filter((a) => a !== `h323-ID:${this.o.name}`),
    ];
  }

  // ---- the wire ----------------------------------------------------------------

  #encode(message: RasValue): Uint8Array {
    if (!this.o.key) return encodeRas(message);
    return signRas(message, {
      key: this.o.key,
      generalID: this.#gkId,
      // Before registration the alias the gatekeeper keeps the password under (GnuGk
      // finds it by sendersID: without it the hash was checked with no password and
      // the RRQ refused), after it the endpoint identifier, as H323Plus does.
      sendersID: this.#endpointId ?? this.o.name,
      timeStamp: Math.floor(this.#now() / 1000),
      random: this.#random = (this.#random + 1) & 0x7fff_ffff,
    });
  }

  #request(
    kind: string,
    body: Msg,
    retries = this.o.retries ?? 2,
  ): Promise<{ kind: string; body: Msg } | undefined> {
    const seq = this.#seq = this.#seq % 65_535 + 1;
    const bytes = this.#encode({ [kind]: { requestSeqNum: seq, ...body } });
    return new Promise((resolve) => {
      const p: Pending = {
        kind,
        resolve,
        bytes,
        tries: 0,
        timer: 0 as unknown as ReturnType<typeof setTimeout>,
      };
      const attempt = () => {
        if (p.tries++ > retries) {
          this.#pending.delete(seq);
          this.counters.timeouts++;
          return resolve(undefined);
        }
        this.#send(bytes);
        p.timer = setTimeout(attempt, this.o.retryMs ?? 3000);
      };
      this.#pending.set(seq, p);
      attempt();
    });
  }

  #send(bytes: Uint8Array): void {
    this.counters.sent++;
    try {
      this.socket.send(bytes.slice(), this.o.gatekeeper.host, this.o.gatekeeper.port);
    } catch (err) {
      this.o.log.warn("upstream RAS send failed", { err });
    }
  }

  #datagram(data: Uint8Array, from: HostPort): void {
    // Only the gatekeeper speaks on this socket.
    if (from.host !== this.o.gatekeeper.host || from.port !== this.o.gatekeeper.port) {
      this.counters.refusedAnswers++;
      return;
    }
    let m: RasValue;
    try {
      m = decodeRas(data);
    } catch (err) {
      this.counters.refusedAnswers++;
      if (!(err instanceof PerError)) this.o.log.warn("upstream RAS decode failed", { err });
      return;
    }
    const [kind] = Object.keys(m);
    const body = m[kind] as Msg;
    if (this.o.key && !this.#proven(data, body)) {
      this.counters.refusedAnswers++;
      this.o.log.warn("upstream RAS message refused: its H.235.1 token does not verify", { kind });
      return;
    }
    const seq = body.requestSeqNum as number;
    const p = this.#pending.get(seq);
    if (p && kind === "requestInProgress") {
      // RIP: the answer comes later; wait the delay it names (H.225.0 7.18).
      clearTimeout(p.timer);
      const delay = Math.min(60_000, (body.delay as number) ?? 3000);
      p.timer = setTimeout(() => {
        this.#pending.delete(seq);
        this.counters.timeouts++;
        p.resolve(undefined);
      }, delay);
      return;
    }
    if (p && ANSWERS[p.kind]?.includes(kind)) {
      clearTimeout(p.timer);
      this.#pending.delete(seq);
      this.counters.answered++;
      p.resolve({ kind, body });
      return;
    }
    this.#requestFromGatekeeper(kind, body, seq);
  }

  /**
   * Answers without an H.235.1 token pass (not every gatekeeper signs them); one
   * that carries a token must verify with Council's password.
   */
  #proven(raw: Uint8Array, body: Msg): boolean {
    const t = readHashedToken(body);
    if (!t.ok) return t.missing;
    return hashMatches(raw, t.token.hash, this.o.key!);
  }

  #requestFromGatekeeper(kind: string, body: Msg, seq: number): void {
    switch (kind) {
      case "unregistrationRequest": {
        if (body.endpointIdentifier !== undefined && body.endpointIdentifier !== this.#endpointId) {
          return this.#answer({
            unregistrationReject: {
              requestSeqNum: seq,
              rejectReason: { notCurrentlyRegistered: null },
            },
          });
        }
        this.#answer({ unregistrationConfirm: { requestSeqNum: seq } });
        const reason = body.reason ? Object.keys(body.reason as Msg)[0] : "undefinedReason";
        this.#endpointId = undefined;
        this.#state = "registering";
        this.#witness("h323.upstream.unregistered", { why: `URQ ${reason}` });
        // Register again (a gatekeeper that unregisters everyone on maintenance takes us back).
        this.#schedule(reason === "reregistrationRequired" ? 0 : 5_000);
        return;
      }
      case "infoRequest":
        if (!this.#endpointId) return;
        return this.#answer({
          infoRequestResponse: {
            requestSeqNum: seq,
            endpointType: COUNCIL_TYPE,
            endpointIdentifier: this.#endpointId,
            rasAddress: transportAddress(this.rasAddress),
            callSignalAddress: [transportAddress(this.o.callSignal)],
            endpointAlias: aliasValues(this.#registeredAliases),
            needResponse: false,
            unsolicited: false,
          },
        });
      case "bandwidthRequest":
        return this.#answer({
          bandwidthConfirm: { requestSeqNum: seq, bandWidth: body.bandWidth as number },
        });
      default:
        return; // an answer to a request given up on, or nothing Council takes
    }
  }

  #answer(message: RasValue): void {
    this.#send(this.#encode(message));
  }

  #now(): number {
    return this.o.now?.() ?? Date.now();
  }

  #witness(type: string, payload: Record<string, JsonValue>): void {
    this.o.witness.append(type, payload).catch((err) =>
      this.o.log.warn("upstream gatekeeper event not witnessed", { err, type })
    );
  }
}

// H.323 calls into rooms (H.323 clause 8, Council as the called MCU). A Setup on
// the call signalling channel is admitted either by the gatekeeper's ARQ for the
// same callIdentifier (gatekeeper-routed) or by a signed admission request in the
// Setup's tokens (direct), then answered with Call Proceeding and Connect. Media
// is agreed by Fast Start when the caller proposes it, otherwise by H.245
// (tunnelled in H.225.0 or on its own TCP connection); the leg joins the room's
// mix as soon as its codec is known. Release Complete, a closed connection, an
// H.245 EndSessionCommand, dead media or a guard revocation end the call.
// A Setup admitted for room "gateway" dials someone else (an alias, an E.164
// number, a SIP user): rooms' Gateway places the other leg, Alerting follows its
// ringing, and Connect its answer (or Release Complete with its Q.850 cause).

import {
  type AdmissionRequest,
  type Codec,
  type Guard,
  type PolicyStore,
  type Session,
  type SessionEnded,
} from "../../guard/mod.ts";
import { GATEWAY_ROOM, policyRoomOf, roomPolicy } from "../../guard/policy.ts";
import type { Callee, Gateway, Rooms } from "../../rooms/mod.ts";
import { CODEC_INFO } from "../../media/codecs/catalog.ts";
import { CallError } from "../call_error.ts";
import { DigitCommands } from "../../rooms/digit_commands.ts";
import { claimed, lobbyCall, type PinLobby } from "../../rooms/pin_lobby.ts";
import type { LobbyHold } from "../../guard/guard.ts";
import type { Logger } from "../../telemetry/log.ts";
import { type JsonValue, toHex, type WitnessLog } from "../../witness/mod.ts";
import { decode, encode, PerError } from "./asn1/per.ts";
import {
  aliasKey,
  dialledAlias,
  type HostPort,
  hostPort,
  transportAddress,
} from "./h225/address.ts";
import {
  alerting,
  callProceeding,
  CAUSE_OF_REASON,
  connect,
  type CsMessage,
  information,
  readCs,
  RELEASE_REASON,
  releaseMessage,
  setup,
  statusMessage,
  writeCs,
} from "./h225/signalling.ts";
import {
  answerFastStart,
  type AudioChoice,
  fastStartAccepted,
  fastStartProposals,
} from "./h245/capabilities.ts";
import { connectTcp, H245Listener } from "./h245/channel.ts";
import { H245Control } from "./h245/control.ts";
import {
  type PeerProvenance,
  peerProvenance,
  ProvenanceCapabilityError,
} from "./h245/provenance.ts";

/** A join's chain fields from what the terminal's capabilities said. */
function chainRequest(p: PeerProvenance | undefined) {
  if (!p) return {};
  return {
    provenanceExtId: p.extId,
    ...(p.signedStreamId ? { signedStream: { extId: p.extId, streamId: p.signedStreamId } } : {}),
  };
}
import { encodeH245, type H245Message, OpenLogicalChannel } from "./h245/mod.ts";
import {
  CALL_STATE,
  CAUSE,
  causeOf,
  displayIe,
  IE,
  ieOf,
  numberOf,
  Q931Error,
  speechBearer,
} from "./q931/message.ts";
import type { TpktConnection } from "./q931/connection.ts";
import { callBandwidth, type Gatekeeper } from "./ras/gatekeeper.ts";
import type { UpstreamGatekeeper } from "./ras/upstream.ts";
import { routedBy, type RoutedTrust, vouchedGuardian } from "./routed.ts";
import { roomOfAliases } from "./room_alias.ts";
import { admissionRequestOf } from "./ras/token.ts";

type Msg = Record<string, unknown>;

/** A new call's identifier, conference identifier and call reference value. */
function newCallIdentity(): { guid: Uint8Array; conferenceId: Uint8Array; crv: number } {
  return {
    guid: crypto.getRandomValues(new Uint8Array(16)),
    conferenceId: crypto.getRandomValues(new Uint8Array(16)),
    crv: 1 + Math.floor(Math.random() * 0x7ffe),
  };
}

/** The codecs an H.323 leg can use (no Opus in H.245's standard capabilities). */
const H323_CODECS: readonly Codec[] = ["PCMU", "PCMA", "G722", "G729"];
/** A call whose media is not agreed this long after Connect is released. */
const MEDIA_DEADLINE_MS = 30_000;
/** A signalling connection without a call this long after it opened is closed. */
const SETUP_DEADLINE_MS = 15_000;

export interface H323CallsOptions {
  guard: Guard;
  rooms: Rooms;
  policies: PolicyStore;
  witness: WitnessLog;
  /** The gatekeeper whose ARQs admit gatekeeper-routed calls, if it runs. */
  gatekeeper?: () => Gatekeeper | undefined;
  /** Address Council listens on for separate H.245 channels. */
  host: string;
  video?: boolean;
  /** Places the other leg of Setups that dial someone (SIP <-> H.323). */
  gateway?: Gateway;
  /** The gatekeeper Council is registered with (h323.upstream): it admits its zone's calls. */
  upstream?: () => UpstreamGatekeeper | undefined;
  /** Which gatekeepers vouch for the callers they route (h323.trustRouted). */
  routed?: RoutedTrust;
  /** A connected call without agreed media is released after this long (30 s). */
  mediaDeadlineMs?: number;
  log: Logger;
}

export interface H323DialOptions {
  room: string;
  guardianId: string;
  /** The endpoint's call signalling address. */
  to: HostPort;
  /** The alias to put in destinationAddress. */
  alias?: string;
  /** Ring time before giving up. */
  timeoutMs?: number;
  /** The caller the terminal sees (source alias and display); the room otherwise. */
  caller?: string;
  /** Aborting it releases the call while it rings. */
  signal?: AbortSignal;
  /** The terminal is ringing (Alerting). */
  alerting?: () => void;
  /** Told the call's identity before the Setup leaves; returns the undo for its end. */
  placed?: (callId: string, bandwidthKbps: number) => () => void;
  /**
   * How the callee was proven: its registration here (H.235.1 or Council's token),
   * or the upstream gatekeeper's word for an alias of its zone. Admitted as that.
   */
  proof?: "h235.1" | "council-token" | "gatekeeper";
  /** The call's identity when it was fixed before (an ARQ to the upstream gatekeeper). */
  identity?: { guid: Uint8Array; conferenceId: Uint8Array; crv: number };
  /** The upstream gatekeeper that admitted the call: told when it ends (DRQ). */
  zone?: UpstreamGatekeeper;
}

interface Call {
  legId: string;
  conn: TpktConnection;
  crv: number;
  guid: Uint8Array;
  callId: string;
  conferenceId: Uint8Array;
  session: Session;
  room: string;
  guardianId: string;
  admittedBy: "gatekeeper" | "token" | "operator" | "room-pin" | "routed";
  /** The upstream gatekeeper that admitted this call too (ARQ answerCall): told when it ends (DRQ). */
  zone?: UpstreamGatekeeper;
  /** A caller keying in the room's PIN (rooms/pin_lobby.ts): its held port and lobby. */
  hold?: LobbyHold;
  pin?: PinLobby;
  claimedIdentity?: string;
  /** inbound: the terminal called Council; outbound: Council called it. */
  direction: "inbound" | "outbound";
  tunnelling: boolean;
  h245: H245Control;
  h245Conn?: TpktConnection;
  h245Listener?: H245Listener;
  /** Tunnelled H.245 waiting for the next H.225.0 message. */
  h245Out: Uint8Array[];
  h245Flush?: boolean;
  connected: boolean;
  ended: boolean;
  choice?: AudioChoice;
  /** What the terminal's capabilities say about stream chains (h245/provenance.ts). */
  provenance?: PeerProvenance;
  leg?: Promise<void>;
  remote?: HostPort;
  /** Why media does not flow both ways, when the terminal refused Council's channel. */
  mediaNote?: string;
  /** Digits keyed in a PIN lobby before its prompt started. */
  earlyDigits?: string;
  /** The terminal refused Council's channel: the leg receives only. */
  sendRefused?: boolean;
  fastStart: boolean;
  setupAt: number;
  mediaAt?: number;
  startedAt: number;
  mediaTimer?: ReturnType<typeof setTimeout>;
  /** An outbound call waiting for Connect. */
  answered?: { resolve: () => void; reject: (e: Error) => void };
  onAlerting?: () => void;
  alerted?: boolean;
  /** Undoes what the call registered elsewhere (the gatekeeper's answerCall entry). */
  forget?: () => void;
}

/** Whether a Setup carries a Council admission token at all (well-formed or not). */
function tokenOf(tokens: unknown): boolean {
  const t = admissionRequestOf(tokens);
  return t.ok || !t.missing;
}

export class H323Calls {
  #calls = new Map<string, Call>();
  #byConn = new Map<TpktConnection, Map<number, Call>>();
  #bySession = new Map<string, Call>();
  #unsubscribe: (() => void)[] = [];
  readonly counters = { started: 0, ended: 0, rejected: 0, invalid: 0 };
  readonly #keypad: DigitCommands;
  /** A PIN lobby's hold and claimed identity, between #pinLobby and the call's creation. */
  #holds = new Map<string, LobbyHold>();
  #claims = new Map<string, string>();

  constructor(private readonly o: H323CallsOptions) {
    this.#keypad = new DigitCommands(
      o.rooms,
      (legId, muted) => {
        const call = this.#calls.get(legId);
        if (call) this.#witness("h323.call.muted", call, { muted, by: "dtmf" });
      },
      o.log,
      o.gateway,
    );
    this.#unsubscribe.push(o.rooms.onMedia((e) => {
      if (e.ev !== "leg.dead" && e.ev !== "dtmf") return;
      const call = this.#calls.get(e.legId);
      if (!call) return;
      if (e.ev === "leg.dead") this.#release(call, "media-timeout", "undefinedReason", 41);
      else this.#digits(call, e.digit);
    }));
    const onEnded = (ev: Event) => {
      const { session, reason } = (ev as CustomEvent<SessionEnded>).detail;
      const call = this.#bySession.get(session.id);
      if (call && !call.ended) {
        this.#release(call, `session-${reason}`, "undefinedReason", 16, { sessionEnded: true });
      }
    };
    o.guard.events.addEventListener("session-ended", onEnded);
    this.#unsubscribe.push(() => o.guard.events.removeEventListener("session-ended", onEnded));
  }

  get count(): number {
    return this.#calls.size;
  }

  list(): Record<string, JsonValue>[] {
    return [...this.#calls.values()].map((c) => ({
      legId: c.legId,
      callId: c.callId,
      room: c.room,
      guardianId: c.guardianId,
      codec: c.choice?.codec ?? null,
      admittedBy: c.admittedBy,
      direction: c.direction,
      fastStart: c.fastStart,
      h245: c.tunnelling ? "tunnelled" : "separate",
      remote: c.remote ? `${c.remote.host}:${c.remote.port}` : null,
      mediaNote: c.mediaNote ?? null,
      muted: this.o.rooms.member(c.legId)?.muted ?? false,
      setupToMediaMs: c.mediaAt ? Math.round((c.mediaAt - c.setupAt) * 10) / 10 : null,
      startedAt: new Date(c.startedAt).toISOString(),
    }));
  }

  // ---- the call signalling channel -----------------------------------------

  /** A new TCP connection on the call signalling port. */
  accept(conn: TpktConnection, onClosed?: () => void): void {
    this.#byConn.set(conn, new Map());
    // A connection that brings no Setup is not kept open.
    const idle = setTimeout(() => {
      if (this.#byConn.get(conn)?.size === 0) conn.close("no Setup");
    }, SETUP_DEADLINE_MS);
    this.#run(conn, () => {
      clearTimeout(idle);
      onClosed?.();
    });
  }

  /** Reads a signalling connection until it closes; its calls end with it. */
  #run(conn: TpktConnection, onClosed?: () => void): void {
    conn.run({
      message: (payload) => {
        this.#message(conn, payload).catch((err) =>
          this.o.log.error("call signalling message failed", { err })
        );
      },
      closed: (why) => {
        onClosed?.();
        const calls = this.#byConn.get(conn);
        this.#byConn.delete(conn);
        for (const call of calls?.values() ?? []) this.#teardown(call, `connection ${why}`);
      },
    });
  }

  async #message(conn: TpktConnection, payload: Uint8Array): Promise<void> {
    let m: CsMessage;
    try {
      m = readCs(payload);
    } catch (err) {
      if (!(err instanceof Q931Error)) throw err;
      this.counters.invalid++;
      this.o.log.debug("bad call signalling message", { why: err.message });
      // Q.931 5.8: a message that cannot be parsed at all is discarded; one of a
      // known call gets STATUS with the cause. A protocol discriminator that is
      // not Q.931 means the stream is not H.225.0: close it.
      if (payload[0] !== 0x08) conn.close("not Q.931");
      else this.#statusForBad(conn, payload, err.q850);
      return;
    }
    const calls = this.#byConn.get(conn);
    const call = calls?.get(m.q931.callReference);
    if (m.q931.type === "setup") {
      if (call) return; // a repeated Setup for a call in progress
      return await this.#setup(conn, m);
    }
    if (!call) {
      if (m.q931.type !== "releaseComplete") {
        // Q.931 5.8.3.2: a message for an unknown call reference.
        conn.send(releaseMessage(m.q931.callReference, new Uint8Array(16), true, undefined, 81));
      }
      return;
    }
    // Tunnelled H.245 can ride on any H.225.0 message (H.323 8.2.1).
    for (const bytes of (m.pdu?.h245Control as Uint8Array[] | undefined) ?? []) {
      call.h245.handleBytes(bytes);
    }
    if (call.direction === "outbound") this.#progress(call, m);
    switch (m.q931.type) {
      case "releaseComplete": {
        const reason = m.body && typeof m.body === "object" && m.body.reason
          ? Object.keys(m.body.reason as Msg)[0]
          : undefined;
        // The Cause IE, else the reason's cause (H.225.0 Table 5): a gateway passes it on.
        const cause = causeOf(m.q931) ?? (reason ? CAUSE_OF_REASON[reason] : undefined);
        await this.#teardown(call, `released${reason ? ` (${reason})` : ""}`, { cause });
        return;
      }
      case "information": {
        const keypad = ieOf(m.q931, IE.keypad);
        if (keypad) this.#digits(call, new TextDecoder().decode(keypad));
        return;
      }
      case "statusEnquiry":
        conn.send(
          statusMessage(call.crv, true, call.guid, 30, call.connected ? CALL_STATE.active : 9),
        );
        return;
      default:
        return; // facility, progress, status, notify: their H.245 was handled above
    }
  }

  #statusForBad(conn: TpktConnection, payload: Uint8Array, cause: number): void {
    if (payload.length < 5 || (payload[1] & 0x0f) !== 2) return;
    const crv = ((payload[2] & 0x7f) << 8) | payload[3];
    const call = this.#byConn.get(conn)?.get(crv);
    if (!call) return;
    conn.send(statusMessage(crv, true, call.guid, cause, call.connected ? CALL_STATE.active : 9));
  }

  // ---- Setup -----------------------------------------------------------------

  async #setup(conn: TpktConnection, m: CsMessage): Promise<void> {
    const setupAt = performance.now();
    const crv = m.q931.callReference;
    const body = m.body as Msg | null;
    const guid = ((body?.callIdentifier as Msg | undefined)?.guid as Uint8Array | undefined) ??
      new Uint8Array(16);
    const tunnelling = m.pdu?.h245Tunnelling === true;
    // Set once the upstream gatekeeper admitted the call: a refusal after that tells it.
    let zone: UpstreamGatekeeper | undefined;
    const refuse = (reason: string | undefined, cause: number, why: string) => {
      this.counters.rejected++;
      if (zone) {
        const conferenceId = (body?.conferenceID as Uint8Array | undefined) ?? guid;
        this.#disengage(zone, { callId: guid, conferenceId, callReference: crv }, false);
      }
      this.o.log.info("H.323 call refused", { why, reason, cause });
      conn.send(releaseMessage(crv, guid, tunnelling, reason, cause));
      // multipleCalls is false: a connection without a call is done.
      if (this.#byConn.get(conn)?.size === 0) conn.flush().then(() => conn.close("refused"));
    };
    if (m.kind !== "setup" || !body) {
      return refuse(undefined, CAUSE.mandatoryIeMissing, "Setup without a Setup-UUIE");
    }
    if (guid.length !== 16 || !ieOf(m.q931, IE.bearerCapability)) {
      return refuse(undefined, CAUSE.mandatoryIeMissing, "no callIdentifier or bearer capability");
    }
    const callId = toHex(guid);
    const aliases = ((body.destinationAddress as unknown[]) ?? []).map(aliasKey);
    // The room by name or E.164 number (an alias, else the Called party number).
    const called = numberOf(m.q931, IE.calledPartyNumber);
    const aliasRoom = roomOfAliases(
      [...aliases, ...(called ? [`dialledDigits:${called}`] : [])],
      this.o.policies.current,
    );
    if (aliasRoom === GATEWAY_ROOM) {
      return refuse(
        "unreachableDestination",
        CAUSE.unallocatedNumber,
        "council-gateway is no room",
      );
    }

    // Admission: the gatekeeper's ARQ for this call, or a token in the Setup, or
    // the word of a trusted gatekeeper that routed it, or the room's PIN.
    let session: Session | undefined;
    let admittedBy: Call["admittedBy"];
    const admitted = this.o.gatekeeper?.()?.calls.get(callId);
    // Registered with an upstream gatekeeper, Council is one of its endpoints: a call
    // its own gatekeeper did not admit is asked for there first (H.225.0 7.11, ARQ
    // with answerCall), and refused on ARJ.
    const upstream = admitted ? undefined : this.o.upstream?.();
    if (upstream?.registered) {
      const answer = await upstream.admitAnswer({
        callId: guid,
        conferenceId: (body.conferenceID as Uint8Array | undefined) ?? guid,
        callReference: crv,
        srcInfo: (body.sourceAddress as Msg[] | undefined) ?? [],
        destinationInfo: (body.destinationAddress as Msg[] | undefined) ?? [],
        srcCallSignal: conn.remote,
        bandWidth: callBandwidth(CODEC_INFO.PCMU.streamKbps),
      });
      if (!answer.ok) {
        return refuse(
          "securityDenied",
          CAUSE.callRejected,
          `the upstream gatekeeper refused the call: ${answer.why}`,
        );
      }
      zone = upstream;
    }
    const vouchedBy = this.o.routed ? routedBy(conn.remote.host, this.o.routed) : undefined;
    const vouched = vouchedBy
      ? vouchedGuardian(
        ((body.sourceAddress as unknown[] | undefined) ?? []).map(aliasKey),
        this.o.routed!,
      )
      : undefined;
    if (admitted) {
      session = this.o.guard.session(admitted.sessionId);
      admittedBy = "gatekeeper";
      if (!session) return refuse("securityDenied", 21, "the ARQ's admission has ended");
      if (this.#bySession.has(session.id)) {
        return refuse("securityDenied", 21, "the ARQ's admission is in use by another call");
      }
      if (aliasRoom && aliasRoom !== session.room) {
        return refuse("securityDenied", 21, "Setup names another room than its ARQ");
      }
    } else if (tokenOf(body.tokens)) {
      admittedBy = "token";
      const token = admissionRequestOf(body.tokens);
      if (!token.ok) {
        return refuse("securityDenied", CAUSE.callRejected, `no admission token: ${token.error}`);
      }
      const request: AdmissionRequest = token.request;
      if (aliasRoom && aliasRoom !== request.room) {
        return refuse("securityDenied", CAUSE.callRejected, "token is for another room");
      }
      const decision = await this.o.guard.admit(request);
      if (decision.decision === "reject") {
        const reason = RELEASE_REASON[decision.reason];
        return refuse(reason, CAUSE_OF_REASON[reason] ?? 31, decision.message);
      }
      session = this.o.guard.session(decision.sessionId);
      if (!session) return refuse("undefinedReason", 41, "admission ended at once");
    } else if (vouched && aliasRoom) {
      // Routed by a gatekeeper Council trusts (h323.trustRouted): its caller is the
      // guardian its h323-ID names, proven as by a password (issue 23).
      admittedBy = "routed";
      const decision = await this.o.guard.admit({
        guardianId: vouched,
        room: aliasRoom,
        callType: roomPolicy(this.o.policies.current, aliasRoom)?.callType ?? "ROUTINE",
        bandwidthKbps: CODEC_INFO.PCMU.streamKbps,
        codecs: ["PCMU", "PCMA", "G722", "G729"],
        pii: false,
        authentication: "h323-gatekeeper",
      }, { source: conn.remote.host });
      if (decision.decision === "reject") {
        const reason = RELEASE_REASON[decision.reason];
        return refuse(reason, CAUSE_OF_REASON[reason] ?? 31, decision.message);
      }
      session = this.o.guard.session(decision.sessionId);
      if (!session) return refuse("undefinedReason", 41, "admission ended at once");
      this.o.log.info("H.323 call vouched for by a routing gatekeeper", {
        by: vouchedBy,
        guardianId: vouched,
      });
    } else {
      // No admission and no token: a room with a PIN takes the caller into its PIN
      // lobby (issue 23); anything else is refused.
      admittedBy = "room-pin";
      session = await this.#pinLobby(conn, body, aliasRoom, refuse);
      if (!session) return;
    }
    // Admitted for a gateway call: the Setup names whom to call (an alias, else the
    // Called party number), and the gateway finds where that one is registered.
    const legId = `h323-${crypto.randomUUID()}`;
    let callee: Callee | undefined;
    let dialled: string | undefined;
    if (session.room === GATEWAY_ROOM) {
      dialled = dialledAlias(aliases) ?? numberOf(m.q931, IE.calledPartyNumber);
      const admission = session;
      const drop = async (reason: string, cause: number, why: string) => {
        if (admittedBy === "token" || admittedBy === "routed") {
          await this.o.guard.end(admission.id, "released");
        }
        refuse(reason, cause, why);
      };
      if (!dialled || !this.o.gateway) {
        return await drop(
          "badFormatAddress",
          CAUSE.unallocatedNumber,
          "a gateway call names nobody",
        );
      }
      try {
        callee = await this.o.gateway.route(dialled, {
          protocol: "h323",
          guardianId: session.guardianId,
        });
      } catch (err) {
        const q850 = err instanceof CallError ? err.q850 : undefined;
        return await drop("calledPartyNotRegistered", q850 ?? 1, (err as Error).message);
      }
    }
    if (conn.closed) {
      await this.o.guard.end(session.id, "released");
      const hold = this.#holds.get(session.id);
      if (hold) this.o.guard.releaseLobby(hold);
      this.#holds.delete(session.id);
      this.#claims.delete(session.id);
      return;
    }

    const local = {
      rtp: { host: session.media.host, port: session.media.port },
      rtcp: { host: session.media.host, port: session.media.port + 1 },
    };
    const call: Call = {
      legId,
      conn,
      crv,
      guid,
      callId,
      conferenceId: (body.conferenceID as Uint8Array | undefined) ?? guid,
      session,
      room: callee
        ? this.o.gateway!.open(
          { protocol: "h323", guardianId: session.guardianId, legId },
          callee,
          dialled!,
        )
        : session.room,
      guardianId: session.guardianId,
      admittedBy,
      zone,
      ...(admittedBy === "room-pin"
        ? { hold: this.#holds.get(session.id), claimedIdentity: this.#claims.get(session.id) }
        : {}),
      direction: "inbound",
      tunnelling,
      h245: undefined as unknown as H245Control,
      h245Out: [],
      connected: false,
      ended: false,
      fastStart: false,
      setupAt,
      startedAt: Date.now(),
    };
    this.#holds.delete(session.id);
    this.#claims.delete(session.id);
    this.#remember(call);

    conn.send(writeCs({
      type: "callProceeding",
      callReference: crv,
      fromDestination: true,
      kind: "callProceeding",
      body: callProceeding(guid),
      tunnelling,
    }));

    // Fast Start (H.323 8.1.7): accept one pair of the caller's proposals.
    const prefer = this.#prefer(call);
    const proposals = ((body.fastStart as Uint8Array[] | undefined) ?? []).flatMap((b) => {
      try {
        return [decode(OpenLogicalChannel, b, "OpenLogicalChannel") as Msg];
      } catch (err) {
        if (err instanceof PerError) return [];
        throw err;
      }
    });
    const answer = proposals.length ? answerFastStart(proposals, prefer, local) : undefined;
    if (answer) {
      call.fastStart = true;
      call.choice = answer.choice;
      call.remote = answer.remoteRtp;
      this.#joinLeg(call);
    }

    call.h245 = this.#newH245(call, local);

    if (callee) {
      // Connect waits for the other leg to answer; its ringing is Alerting here.
      try {
        await this.o.gateway!.connect(call.room, () => {
          if (call.ended) return;
          conn.send(writeCs({
            type: "alerting",
            callReference: crv,
            fromDestination: true,
            kind: "alerting",
            body: alerting(guid),
            tunnelling,
          }));
        });
      } catch (err) {
        const q850 = err instanceof CallError ? err.q850 : undefined;
        this.#release(call, "gateway-failed", undefined, q850 ?? CAUSE.interworking);
        return;
      }
      if (call.ended) return;
    }

    const extra: Msg = {};
    if (answer) extra.fastStart = answer.accepted.map((olc) => encode(OpenLogicalChannel, olc));
    else if (proposals.length) extra.fastConnectRefused = null;
    if (tunnelling) {
      call.h245.start(); // its first messages ride in Connect
    } else {
      const h245Address = hostPort(body.h245Address);
      if (h245Address) this.#dialH245(call, h245Address);
      else {
        call.h245Listener = H245Listener.open(this.o.host);
        extra.h245Address = transportAddress(call.h245Listener.address);
        this.#acceptH245(call, call.h245Listener);
      }
    }
    const h245Control = call.h245Out.splice(0);
    call.connected = true;
    conn.send(writeCs({
      type: "connect",
      callReference: crv,
      fromDestination: true,
      kind: "connect",
      body: connect(guid, call.conferenceId, extra),
      tunnelling,
      h245Control,
    }));
    call.mediaTimer = setTimeout(() => {
      if (!call.leg && !call.ended) {
        this.#release(call, "no media agreed", "undefinedReason", CAUSE.recoveryOnTimerExpiry);
      }
    }, this.o.mediaDeadlineMs ?? MEDIA_DEADLINE_MS);
    this.counters.started++;
    await this.#witness("h323.call.started", call, {
      admittedBy,
      fastStart: call.fastStart,
      h245: tunnelling ? "tunnelled" : "separate",
    });
  }

  /**
   * A Setup with neither a gatekeeper admission nor a token, to a room with a PIN:
   * a held media port and lobby seat, and a stand-in session (no guard session
   * until the PIN is right). Refuses (and resolves undefined) otherwise.
   */
  async #pinLobby(
    conn: TpktConnection,
    body: Msg,
    room: string | undefined,
    refuse: (reason: string | undefined, cause: number, why: string) => void,
  ): Promise<Session | undefined> {
    if (!room || !this.o.rooms.hasPin(room)) {
      refuse(
        "securityDenied",
        CAUSE.callRejected,
        "no admission token: no Council admission token",
      );
      return undefined;
    }
    const policy = this.o.policies.current;
    const roomPol = roomPolicy(policy, room);
    const source = conn.remote.host;
    const sources = ((body.sourceAddress as unknown[] | undefined) ?? []).map(aliasKey);
    const claimedIdentity = claimed(sources.filter((a) => a).join(", "));
    const callType = roomPol?.callType ?? "ROUTINE";
    if (!roomPol) {
      refuse("unreachableDestination", CAUSE.unallocatedNumber, `no room ${room}`);
      return undefined;
    }
    if (!policy.passwordCallTypes.includes(callType)) {
      const why = `room ${room} is ${callType}: a PIN does not admit to it`;
      await this.o.guard.refusePin(room, source, claimedIdentity, "call-type", why);
      refuse("securityDenied", CAUSE.callRejected, why);
      return undefined;
    }
    const held = this.o.guard.holdLobby(room, source);
    if ("refused" in held) {
      await this.o.guard.refusePin(room, source, claimedIdentity, "lobby-full", held.refused);
      refuse("noBandwidth", CAUSE.userBusy, held.refused);
      return undefined;
    }
    const codec = roomPol.allowedCodecs.find((c) => H323_CODECS.includes(c)) ?? "PCMU";
    const id = `lobby-${held.hold.id}`;
    this.#holds.set(id, held.hold);
    this.#claims.set(id, claimedIdentity);
    return {
      id,
      guardianId: "lobby",
      room,
      callType,
      bandwidthKbps: CODEC_INFO[codec].streamKbps,
      codec,
      media: held.hold.media,
      createdAt: new Date().toISOString(),
    };
  }

  /** Digits of a call: its PIN lobby's while it is in one, else the keypad commands. */
  #digits(call: Call, digits: string): void {
    if (call.hold && !call.pin) {
      // Keyed before the lobby started (its channel not yet acknowledged): kept
      // for it, a few at most, rather than lost.
      call.earlyDigits = ((call.earlyDigits ?? "") + digits).slice(-32);
    } else if (call.hold && call.pin?.state !== "admitted") call.pin?.digit(digits);
    else this.#keypad.feed(call.legId, digits);
  }

  /** Starts a lobby call's prompt and PIN entry once its media flows both ways. */
  #startLobby(call: Call): void {
    if (!call.hold || call.pin || call.ended || !call.choice || !call.remote) return;
    const codec = call.choice.codec;
    call.pin = lobbyCall({
      guard: this.o.guard,
      rooms: this.o.rooms,
      log: this.o.log,
      room: call.room,
      legId: call.legId,
      hold: call.hold,
      claimedIdentity: call.claimedIdentity ?? "unknown",
      callType: call.session.callType,
      codecs: [codec],
      bandwidthKbps: CODEC_INFO[codec].streamKbps,
      admitted: async (session) => {
        if (call.ended) {
          await this.o.guard.end(session.id, "released");
          return;
        }
        this.#bySession.delete(call.session.id);
        call.session = session;
        call.guardianId = session.guardianId;
        this.#bySession.set(session.id, call);
        await this.#witness("h323.call.admitted", call, {
          method: "room-pin",
          claimedIdentity: call.claimedIdentity ?? null,
        });
      },
      hangup: (reason) => this.#release(call, reason, "securityDenied", CAUSE.callRejected),
    });
    call.pin.start();
    if (call.earlyDigits) {
      call.pin.digit(call.earlyDigits);
      call.earlyDigits = undefined;
    }
  }

  /** The H.245 session of a call, wired to its media and release. */
  #newH245(call: Call, local: { rtp: HostPort; rtcp: HostPort }): H245Control {
    return new H245Control({
      send: (msg) => this.#sendH245(call, msg),
      codecs: () => this.#prefer(call),
      local,
      video: this.o.video,
      fastStart: call.fastStart,
      log: this.o.log,
      events: {
        // What the peer sends decides the leg's codec; Council's own channel
        // follows it (H245Control reopens it when they differ).
        receiveChannel: (choice) => {
          if (!this.#prefer(call).includes(choice.codec)) return false;
          const changed = call.choice !== undefined && call.choice.codec !== choice.codec;
          call.choice = choice;
          this.#joinLeg(call, changed);
          return true;
        },
        transmitChannel: (choice, remote) => {
          call.choice ??= choice;
          call.remote = remote;
          call.mediaNote = undefined;
          if (call.sendRefused) this.#refuseSending(call, false);
          this.#joinLeg(call);
        },
        capabilities: (tcs) => this.#chains(call, tcs),
        transmitRefused: (cause) => {
          // Also when an earlier channel was acknowledged (a reopen for another
          // codec): the address it gave is no longer the terminal's to receive on.
          call.mediaNote = `the terminal refused Council's audio channel (${cause})`;
          call.remote = undefined;
          this.#refuseSending(call, true);
        },
        digits: (d) => this.#digits(call, d),
        endSession: () => this.#release(call, "end-session", undefined, CAUSE.normalClearing),
        failed: (why) => {
          this.o.log.warn("H.245 failed", { why, legId: call.legId });
          this.#release(call, why, "neededFeatureNotSupported", CAUSE.incompatibleDestination);
        },
      },
    });
  }

  /** Stops (or resumes) sending to the terminal; the leg keeps receiving. */
  #refuseSending(call: Call, refused: boolean): void {
    call.sendRefused = refused;
    if (!call.leg) return; // a leg made later has no remote until a channel is acknowledged
    call.leg = call.leg.then(() =>
      this.o.rooms.update(call.legId, { direction: refused ? "recvonly" : "sendrecv" })
    ).catch((err) => this.o.log.warn("H.323 leg update failed", { err, legId: call.legId }));
  }

  /** Codecs in preference order: the leg's, the admission's, then the room's. */
  #prefer(call: Call): Codec[] {
    const allowed = roomPolicy(this.o.policies.current, call.room)?.allowedCodecs ?? [];
    const order = [call.choice?.codec, call.session.codec, ...allowed];
    return [...new Set(order)].filter((c): c is Codec => !!c && H323_CODECS.includes(c));
  }

  #remember(call: Call): void {
    this.#calls.set(call.legId, call);
    this.#bySession.set(call.session.id, call);
    this.#byConn.get(call.conn)?.set(call.crv, call);
  }

  // ---- calls Council places ----------------------------------------------------

  /**
   * Calls a registered H.323 endpoint into a room: admission for its guardian
   * (vouched for by the live registration), a Setup with Fast Start proposals for
   * the room's codecs, and the call once it answers. Resolves with the leg id, or
   * throws CallError.
   */
  async dial(opts: H323DialOptions): Promise<string> {
    const allowed = (roomPolicy(this.o.policies.current, opts.room)?.allowedCodecs ?? [])
      .filter((c) => H323_CODECS.includes(c));
    if (!allowed.length) throw new CallError(`room ${opts.room} has no codec H.323 can use`, 404);
    // Admitted under the room's call type: a key-signed registration may join any,
    // a password-proven one what the policy lets passwords join (guard decides).
    const decision = await this.o.guard.admit({
      guardianId: opts.guardianId,
      room: policyRoomOf(opts.room),
      callType: roomPolicy(this.o.policies.current, opts.room)?.callType ?? "ROUTINE",
      bandwidthKbps: CODEC_INFO[allowed[0]].streamKbps,
      codecs: allowed,
      pii: false,
      authentication: opts.proof === "council-token"
        ? "h323-signed-registration"
        : opts.proof === "gatekeeper"
        ? "h323-gatekeeper"
        : "h323-registration",
    });
    if (decision.decision === "reject") {
      throw new CallError(`${decision.reason}: ${decision.message}`, 403);
    }
    const session = this.o.guard.session(decision.sessionId);
    if (!session) throw new CallError("admission ended at once", 500);
    let conn: TpktConnection;
    try {
      conn = await connectTcp(opts.to, 5000);
    } catch (err) {
      await this.o.guard.end(session.id, "released");
      throw new CallError(
        `cannot reach ${opts.to.host}:${opts.to.port}: ${(err as Error).message}`,
        502,
      );
    }
    const local = {
      rtp: { host: session.media.host, port: session.media.port },
      rtcp: { host: session.media.host, port: session.media.port + 1 },
    };
    const identity = opts.identity ?? newCallIdentity();
    const guid = identity.guid;
    const call: Call = {
      legId: `h323-${crypto.randomUUID()}`,
      conn,
      crv: identity.crv,
      guid,
      callId: toHex(guid),
      conferenceId: identity.conferenceId,
      zone: opts.zone,
      session,
      room: opts.room,
      guardianId: session.guardianId,
      admittedBy: "operator",
      direction: "outbound",
      tunnelling: true,
      h245: undefined as unknown as H245Control,
      h245Out: [],
      connected: false,
      ended: false,
      fastStart: false,
      setupAt: performance.now(),
      startedAt: Date.now(),
      onAlerting: opts.alerting,
    };
    call.h245 = this.#newH245(call, local);
    call.forget = opts.placed?.(call.callId, session.bandwidthKbps);
    this.#byConn.set(conn, new Map());
    this.#remember(call);
    const answered = new Promise<void>((resolve, reject) => call.answered = { resolve, reject });
    this.#run(conn);
    conn.send(writeCs({
      type: "setup",
      callReference: call.crv,
      fromDestination: false,
      kind: "setup",
      body: setup({
        guid,
        conferenceID: call.conferenceId,
        source: opts.caller ?? `council-${opts.room}`,
        destination: opts.alias ? [{ "h323-ID": opts.alias }] : [],
        destCallSignalAddress: transportAddress(opts.to),
        fastStart: fastStartProposals(this.#prefer(call), local).map((olc) =>
          encode(OpenLogicalChannel, olc)
        ),
      }),
      tunnelling: true,
      ies: [speechBearer(), displayIe(opts.caller ?? `Council ${opts.room}`)],
    }));
    const ring = setTimeout(
      () =>
        this.#release(
          call,
          "no answer",
          undefined,
          call.alerted ? CAUSE.noAnswer : CAUSE.noUserResponding,
        ),
      opts.timeoutMs ?? 30_000,
    );
    const cancel = () => this.#release(call, "cancelled", undefined, CAUSE.normalClearing);
    opts.signal?.addEventListener("abort", cancel, { once: true });
    try {
      await answered;
    } finally {
      clearTimeout(ring);
      opts.signal?.removeEventListener("abort", cancel);
    }
    this.counters.started++;
    await this.#witness("h323.call.started", call, {
      admittedBy: "operator",
      direction: "outbound",
      fastStart: call.fastStart,
      h245: call.tunnelling ? "tunnelled" : "separate",
    });
    return call.legId;
  }

  /** The gatekeeper (registrations, H.323 passwords), when RAS runs. */
  gatekeeper(): Gatekeeper | undefined {
    return this.o.gatekeeper?.();
  }

  /** Calls a guardian's registered H.323 endpoint (or the one given) into a room. */
  async dialGuardian(
    room: string,
    guardianId: string,
    o: Pick<H323DialOptions, "timeoutMs" | "caller" | "signal" | "alerting"> & {
      endpointId?: string;
    } = {},
  ): Promise<string> {
    const gk = this.o.gatekeeper?.();
    // Only a proven registration is called (issue 22): the alias alone proves nothing.
    const endpoint = gk?.o.endpoints.list().find((e) =>
      e.guardianId === guardianId && e.callSignal.length > 0 && e.proof !== undefined &&
      (o.endpointId === undefined || e.id === o.endpointId)
    );
    if (!gk || !endpoint) {
      const upstream = o.endpointId === undefined ? this.o.upstream?.() : undefined;
      if (upstream?.registered && this.o.routed?.trust === "aliases") {
        return await this.#dialThroughUpstream(upstream, room, guardianId, o);
      }
      throw new CallError(`${guardianId} has no H.323 registration`, 404, CAUSE.subscriberAbsent);
    }
    // A password (H.235.1) proves the call types the policy lets passwords join
    // (ROUTINE by default); a registration signed with the guardian's key, any.
    const policy = this.o.policies.current;
    const callType = roomPolicy(policy, room)?.callType ?? "ROUTINE";
    if (endpoint.proof !== "council-token" && !policy.passwordCallTypes.includes(callType)) {
      throw new CallError(
        `${guardianId}'s H.323 registration is proven by ${endpoint.proof}; ${callType} rooms call out only Council-signed registrations`,
        403,
      );
    }
    await this.o.witness.append("h323.callout", {
      room,
      guardianId,
      callType,
      proof: endpoint.proof!,
    });
    const alias = endpoint.aliases.find((a) => a.startsWith("h323-ID:"))?.slice(8);
    return await this.dial({
      room,
      guardianId,
      to: endpoint.callSignal[0],
      alias,
      timeoutMs: o.timeoutMs,
      caller: o.caller,
      signal: o.signal,
      alerting: o.alerting,
      proof: endpoint.proof,
      // The terminal may ask its gatekeeper (Council) before answering.
      placed: (callId, bandwidthKbps) => {
        gk.placed.set(callId, { endpointId: endpoint.id, bandwidth: callBandwidth(bandwidthKbps) });
        return () => gk.placed.delete(callId);
      },
    });
  }

  /**
   * A guardian registered not here but with the upstream gatekeeper (its zone's
   * h323-ID is the guardian's name): that gatekeeper admits the call and says
   * where it goes (ARQ), and vouches for who answers, as for the calls it routes
   * to Council (h323.trustRouted = aliases; a password-class proof).
   */
  async #dialThroughUpstream(
    upstream: UpstreamGatekeeper,
    room: string,
    guardianId: string,
    o: Pick<H323DialOptions, "timeoutMs" | "caller" | "signal" | "alerting">,
  ): Promise<string> {
    const policy = this.o.policies.current;
    const callType = roomPolicy(policy, room)?.callType ?? "ROUTINE";
    if (!policy.passwordCallTypes.includes(callType)) {
      throw new CallError(
        `${guardianId} is reachable only through the upstream gatekeeper, whose word admits ${
          policy.passwordCallTypes.join(", ")
        } calls, not ${callType}`,
        403,
      );
    }
    const name = guardianId.replace(/^if:\/\/guardian\//, "");
    const identity = newCallIdentity();
    const located = await upstream.locate({ "h323-ID": name }, {
      callId: identity.guid,
      conferenceId: identity.conferenceId,
      callReference: identity.crv,
      bandWidth: callBandwidth(CODEC_INFO.PCMU.streamKbps),
    });
    if (!located.ok) {
      throw new CallError(
        `${guardianId} is not reachable through the upstream gatekeeper: ${located.why}`,
        404,
        CAUSE.subscriberAbsent,
      );
    }
    await this.o.witness.append("h323.callout", {
      room,
      guardianId,
      callType,
      proof: "gatekeeper",
    });
    try {
      return await this.dial({
        room,
        guardianId,
        to: located.address,
        alias: name,
        timeoutMs: o.timeoutMs,
        caller: o.caller,
        signal: o.signal,
        alerting: o.alerting,
        proof: "gatekeeper",
        identity,
        zone: upstream,
      });
    } catch (err) {
      // Never connected: the gatekeeper still counts the call it admitted.
      this.#disengage(upstream, {
        callId: identity.guid,
        conferenceId: identity.conferenceId,
        callReference: identity.crv,
      }, false);
      throw err;
    }
  }

  /** An outbound call's Call Proceeding, Alerting, Progress or Connect. */
  #progress(call: Call, m: CsMessage): void {
    const body = m.body as Msg | null;
    if (!body || call.ended) return;
    if (typeof m.pdu?.h245Tunnelling === "boolean" && !m.pdu.h245Tunnelling) {
      call.tunnelling = false;
    }
    const accepted = (body.fastStart as Uint8Array[] | undefined) ?? [];
    if (accepted.length && !call.fastStart) {
      const olcs = accepted.flatMap((b) => {
        try {
          return [decode(OpenLogicalChannel, b, "OpenLogicalChannel") as Msg];
        } catch (err) {
          if (err instanceof PerError) return [];
          throw err;
        }
      });
      const got = fastStartAccepted(olcs);
      if (got && this.#prefer(call).includes(got.choice.codec)) {
        call.fastStart = true;
        call.choice = got.choice;
        call.remote = got.remoteRtp;
        if (!got.sendAccepted) {
          // Only the terminal's own channel was accepted: Council sends nothing (issue 23).
          call.mediaNote = "the terminal accepted no Fast Start channel for Council's audio";
        }
        call.h245.fastStartAccepted();
        this.#joinLeg(call);
      }
    }
    const h245Address = hostPort(body.h245Address);
    if (h245Address && !call.tunnelling && !call.h245Conn) this.#dialH245(call, h245Address);
    if (m.q931.type === "alerting" && !call.alerted && !call.connected) {
      call.alerted = true;
      call.onAlerting?.();
    }
    if (m.q931.type !== "connect" || call.connected) return;
    call.connected = true;
    if (call.tunnelling) call.h245.start();
    call.mediaTimer = setTimeout(() => {
      if (!call.leg && !call.ended) {
        this.#release(call, "no media agreed", "undefinedReason", CAUSE.recoveryOnTimerExpiry);
      }
    }, this.o.mediaDeadlineMs ?? MEDIA_DEADLINE_MS);
    call.answered?.resolve();
    call.answered = undefined;
  }

  // ---- H.245 transport -------------------------------------------------------

  #sendH245(call: Call, msg: H245Message): void {
    if (call.ended) return;
    const bytes = encodeH245(msg);
    if (!call.tunnelling) {
      call.h245Conn?.send(bytes);
      return;
    }
    call.h245Out.push(bytes);
    if (!call.connected || call.h245Flush) return;
    // Several messages produced together travel in one Facility (H.323 8.2.1).
    call.h245Flush = true;
    queueMicrotask(() => {
      call.h245Flush = false;
      const h245Control = call.h245Out.splice(0);
      if (!h245Control.length || call.ended) return;
      call.conn.send(writeCs({
        type: "facility",
        callReference: call.crv,
        fromDestination: call.direction === "inbound",
        kind: "empty",
        body: null,
        tunnelling: true,
        h245Control,
      }));
    });
  }

  #dialH245(call: Call, to: HostPort): void {
    connectTcp(to).then((conn) => this.#attachH245(call, conn)).catch((err) => {
      this.o.log.warn("H.245 connection failed", { err, legId: call.legId });
      this.#release(call, "h245-unreachable", "unreachableDestination", 3);
    });
  }

  #acceptH245(call: Call, listener: H245Listener): void {
    // Only the caller's host may take the call's H.245 channel (a stranger who learnt
    // the port from the Connect is closed and the wait goes on).
    listener.accept(30_000, call.conn.remote.host).then((conn) => {
      if (conn) this.#attachH245(call, conn);
      else if (!call.ended) this.#release(call, "no-h245", "undefinedReason", 102);
    });
  }

  #attachH245(call: Call, conn: TpktConnection): void {
    if (call.ended) return conn.close("call ended");
    call.h245Conn = conn;
    conn.run({
      message: (bytes) => call.h245.handleBytes(bytes),
      closed: () => {
        if (!call.ended) this.#release(call, "h245-closed", undefined, CAUSE.normalClearing);
      },
    });
    call.h245.start();
  }

  // ---- media -----------------------------------------------------------------

  /**
   * The terminal's capabilities name stream chains: Council chains the mix it sends it,
   * and verifies what it sends when it signs. A leg already joined (Fast Start opened
   * the channels before capabilities were exchanged) takes them now.
   */
  #chains(call: Call, tcs: Record<string, unknown>): void {
    let peer: PeerProvenance | undefined;
    try {
      peer = peerProvenance(tcs);
    } catch (err) {
      if (!(err instanceof ProvenanceCapabilityError)) throw err;
      this.o.log.warn("H.323 provenance capability refused", {
        legId: call.legId,
        why: err.message,
      });
      return;
    }
    if (!peer || call.provenance) return; // none, or already agreed (a repeated set)
    call.provenance = peer;
    if (!call.leg || call.hold) return; // joins with them (a lobby leg is no member yet)
    call.leg = call.leg.then(() => this.o.rooms.chainLeg(call.legId, chainRequest(peer)))
      .catch((err) => this.o.log.warn("H.323 leg not chained", { err, legId: call.legId }));
  }

  /** Joins the room once the codec is known; later calls update the remote or codec. */
  #joinLeg(call: Call, codecChanged = false): void {
    if (!call.choice || call.ended) return;
    const choice = call.choice;
    if (!call.leg) {
      const open = call.hold && !call.pin
        ? (r: Parameters<Rooms["join"]>[0]) => this.o.rooms.openLobby(r)
        : (r: Parameters<Rooms["join"]>[0]) => this.o.rooms.join(r);
      call.leg = open({
        room: call.room,
        legId: call.legId,
        guardianId: call.guardianId,
        protocol: "h323",
        host: call.session.media.host,
        port: call.session.media.port,
        codec: { codec: choice.codec, payloadType: CODEC_INFO[choice.codec].staticPt! },
        remote: call.remote ? { address: call.remote.host, port: call.remote.port } : undefined,
        ...chainRequest(call.provenance),
      }).then(() => {
        if (call.remote) call.mediaAt = performance.now();
        this.#startLobby(call);
      }).catch((err) => {
        this.o.log.error("H.323 leg could not join", { err, legId: call.legId });
        this.#release(call, "media-failed", "gatewayResources", 42);
      });
      return;
    }
    const remote = call.remote;
    if (!remote && !codecChanged) return;
    call.leg = call.leg.then(() =>
      this.o.rooms.update(call.legId, {
        ...(remote ? { remote: { address: remote.host, port: remote.port } } : {}),
        ...(codecChanged
          ? { codec: { codec: choice.codec, payloadType: CODEC_INFO[choice.codec].staticPt! } }
          : {}),
      })
    ).then(() => {
      if (call.remote) call.mediaAt ??= performance.now();
      this.#startLobby(call);
    }).catch((err) => this.o.log.warn("H.323 leg update failed", { err, legId: call.legId }));
  }

  // ---- release -----------------------------------------------------------------

  /** Ends a call from Council's side: EndSessionCommand, Release Complete, teardown. */
  #release(
    call: Call,
    why: string,
    reason: string | undefined,
    cause: number,
    opts: { sessionEnded?: boolean } = {},
  ): void {
    if (call.ended) return;
    call.h245.endSession();
    // Tunnelled EndSessionCommand rides in the Release Complete itself.
    const h245Control = call.tunnelling ? call.h245Out.splice(0) : [];
    call.conn.send(
      releaseMessage(
        call.crv,
        call.guid,
        call.tunnelling,
        reason,
        cause,
        h245Control,
        call.direction === "inbound",
      ),
    );
    this.#teardown(call, why, { ...opts, cause }).catch((err) =>
      this.o.log.warn("H.323 teardown failed", { err, legId: call.legId })
    );
  }

  /** Ends a call from Council's side (operators, room close, a gateway call's other leg). */
  async hangup(
    legId: string,
    why = "operator",
    cause: number = CAUSE.normalClearing,
  ): Promise<boolean> {
    const call = this.#calls.get(legId);
    if (!call) return false;
    this.#release(call, why, undefined, cause);
    await call.conn.flush();
    return true;
  }

  /**
   * Sends keypad digits to the terminal: H.245 UserInputIndication (signal) when
   * an H.245 channel is up, else Q.931 Information with the Keypad facility IE.
   */
  async sendDigits(legId: string, digits: string): Promise<void> {
    const call = this.#calls.get(legId);
    const valid = digits.toUpperCase().replace(/[^0-9*#A-D]/g, "");
    if (!call || call.ended || !valid) return;
    if (call.tunnelling ? call.connected : call.h245Conn) return call.h245.sendDigits(valid);
    call.conn.send(writeCs({
      type: "information",
      callReference: call.crv,
      fromDestination: call.direction === "inbound",
      kind: "information",
      body: information(call.guid),
      tunnelling: call.tunnelling,
      ies: [{ id: IE.keypad, data: new TextEncoder().encode(valid) }],
    }));
    await call.conn.flush();
  }

  async #teardown(
    call: Call,
    why: string,
    opts: { sessionEnded?: boolean; cause?: number } = {},
  ): Promise<void> {
    if (call.ended) return;
    call.ended = true;
    call.answered?.reject(
      new CallError(`call ended before it was answered: ${why}`, 480, opts.cause ?? 16),
    );
    call.answered = undefined;
    this.o.gateway?.ended(call.legId);
    call.forget?.();
    this.#keypad.forget(call.legId);
    call.pin?.stop();
    if (call.hold) this.o.guard.releaseLobby(call.hold);
    clearTimeout(call.mediaTimer);
    this.#calls.delete(call.legId);
    this.#bySession.delete(call.session.id);
    const onConn = this.#byConn.get(call.conn);
    onConn?.delete(call.crv);
    this.counters.ended++;
    call.h245Listener?.close();
    call.h245Conn?.close("call ended");
    // multipleCalls is false: the signalling connection ends with its call.
    if (onConn && onConn.size === 0) {
      call.conn.flush().then(() => call.conn.close("call ended"));
    }
    if (call.leg) {
      await call.leg.catch(() => {});
      await this.o.rooms.leave(call.legId).catch(() => {});
    }
    if (!opts.sessionEnded) await this.o.guard.end(call.session.id, "released");
    if (call.zone) {
      this.#disengage(call.zone, {
        callId: call.guid,
        conferenceId: call.conferenceId,
        callReference: call.crv,
      }, call.connected);
    }
    await this.#witness("h323.call.ended", call, {
      reason: why,
      durationMs: Date.now() - call.startedAt,
    });
  }

  /** Tells the upstream gatekeeper a call it admitted is over (DRQ), in the background. */
  #disengage(
    zone: UpstreamGatekeeper,
    c: { callId: Uint8Array; conferenceId: Uint8Array; callReference: number },
    answered: boolean,
  ): void {
    zone.disengage(c, answered).catch((err) =>
      this.o.log.warn("DRQ to the upstream gatekeeper failed", { err })
    );
  }

  async #witness(type: string, call: Call, extra: Record<string, JsonValue> = {}): Promise<void> {
    await this.o.witness.append(type, {
      callId: call.callId,
      legId: call.legId,
      sessionId: call.session.id,
      guardianId: call.guardianId,
      room: call.room,
      codec: call.choice?.codec ?? null,
      ...extra,
    }).catch((err) => this.o.log.warn("call event not witnessed", { err, type }));
  }

  async close(): Promise<void> {
    for (const u of this.#unsubscribe) u();
    for (const call of [...this.#calls.values()]) {
      this.#release(call, "shutdown", undefined, CAUSE.normalClearing);
      await Promise.race([call.conn.flush(), new Promise((r) => setTimeout(r, 500))]);
    }
    for (const conn of [...this.#byConn.keys()]) conn.close("shutdown");
  }
}

export { CallError };

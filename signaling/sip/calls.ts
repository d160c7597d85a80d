// Calls: SIP legs of rooms. Dial-in (INVITE sip:council-<room>@host) goes through
// IF.guard (a signed admission request in the Council-Admission header, or digest
// authentication of a registered guardian for ROUTINE calls), then the room opens a
// media endpoint and the 200 OK carries the SDP answer. The dialog handles re-INVITE
// (hold, codec change), BYE either way, media timeouts and guard revocations, and
// RFC 4733 digits (*6 toggles mute). Outbound calls (dial) are the same legs
// started from Council's side. A Request-URI naming no room (sip:bob@, sip:1002@)
// is a gateway call: the caller is admitted, then rooms' Gateway dials the callee
// on whichever network it is registered and the INVITE is answered when it answers.

import {
  type AdmissionRequest,
  type Admit,
  type AuthenticatedRequest,
  type Codec,
  type Decision,
  type Guard,
  parseAdmissionRequest,
  type PolicyStore,
  type RejectReason,
  RequestError,
  type Session,
  type SessionEnded,
} from "../../guard/mod.ts";
import {
  encryptionRequired,
  GATEWAY_ROOM,
  policyRoomOf,
  roomOfNumber,
  roomPolicy,
} from "../../guard/policy.ts";
import {
  acceptAnswer,
  answerOffer,
  type AudioAgreement,
  createOffer,
  newSrtpKey,
  offeredCodecs,
  SdpError,
} from "../../media/sdp/mod.ts";
import type { Callee, Gateway, Rooms } from "../../rooms/mod.ts";
import { CODEC_INFO } from "../../media/codecs/catalog.ts";
import { CallError } from "../call_error.ts";
import { DigitCommands } from "../../rooms/digit_commands.ts";
import { claimed, lobbyCall, type PinLobby } from "../../rooms/pin_lobby.ts";
import type { LobbyHold } from "../../guard/guard.ts";
import type { Logger } from "../../telemetry/mod.ts";
import { fromBase64Url, type JsonValue, type WitnessLog } from "../../witness/mod.ts";
import { clip, formatUri, isSipUri, parseUri, type Uri } from "./grammar.ts";
import {
  ALLOW,
  bodyText,
  callIdOf,
  contactsOf,
  cseqOf,
  fromOf,
  Headers,
  responseTo,
  serialize,
  type SipRequest,
  type SipResponse,
  tagOf,
  toOf,
} from "./message.ts";
import type { Registrar } from "./registrar.ts";
import { causeOfStatus, statusOfCause } from "./q850.ts";
import {
  ackFor,
  newBranch,
  newTag,
  type ServerTransaction,
  type TransactionLayer,
} from "./transactions.ts";
import type { Peer, TransportName } from "./transport.ts";

/** How guard's reasons read in SIP (docs/API.md lists them). */
export const SIP_STATUS_BY_REASON: Record<RejectReason, number> = {
  INVALID_SIGNATURE: 403,
  NOT_REGISTERED: 403,
  REPLAYED: 403,
  PII_POLICY_VIOLATION: 403,
  BANDWIDTH_EXCEEDED: 488,
  CODEC_UNSUPPORTED: 488,
  // RFC 3261 21.5.4: overload and full rooms are 503 with Retry-After (SIP's 429 is
  // "Provide Referrer Identity", RFC 3892, not a rate limit).
  RATE_LIMITED: 503,
  CAPACITY_EXCEEDED: 503,
  ROOM_NOT_FOUND: 404,
  INTERNAL_ERROR: 500,
};

export const ROOM_USER_RE = /^council-([a-z0-9][a-z0-9._-]{0,63})$/;
export const ADMISSION_HEADER = "council-admission";

export interface Local {
  /** Host in Contact and Via (the address SIP listens on). */
  host: string;
  port: number;
}

/** The dialog an incoming INVITE opens, as UAS (RFC 3261 12.1.1). */
function dialogOf(req: SipRequest, toTag: string, from: Peer) {
  const contact = contactsOf(req)[0];
  return {
    callId: callIdOf(req),
    localTag: toTag,
    remoteTag: tagOf(fromOf(req)) ?? "",
    localHeader: `${req.headers.get("to")!};tag=${toTag}`,
    remoteHeader: req.headers.get("from")!,
    remoteTarget: contact ? formatUri(contact.uri) : req.headers.get("from")!,
    routeSet: req.headers.all("record-route"),
    localSeq: Math.floor(Math.random() * 10_000),
    remoteSeq: cseqOf(req).seq,
    peer: from,
  };
}

interface Call {
  legId: string;
  callId: string;
  localTag: string;
  remoteTag: string;
  /** Our URI (To of a dial-in) and theirs (From), with tags, as header values. */
  localHeader: string;
  remoteHeader: string;
  remoteTarget: string;
  routeSet: string[];
  localSeq: number;
  remoteSeq: number;
  /** Where in-dialog requests go: the address the peer's messages came from. */
  peer: Peer;
  session: Session;
  room: string;
  guardianId: string;
  agreement: AudioAgreement;
  direction: "inbound" | "outbound";
  confirmed: boolean;
  ended: boolean;
  startedAt: number;
  /** Cancels the 2xx retransmission (13.3.1.4) when the ACK arrives. */
  stopRetransmit?: () => void;
  reinvite?: ServerTransaction;
  /** A caller keying in the room's PIN (rooms/pin_lobby.ts): its held port and lobby. */
  hold?: LobbyHold;
  pin?: PinLobby;
}

export interface CallsOptions {
  guard: Guard;
  rooms: Rooms;
  policies: PolicyStore;
  registrar: Registrar;
  witness: WitnessLog;
  transactions: TransactionLayer;
  /** Host and port Council is reached at over a transport (TLS has its own port). */
  local: (transport?: TransportName) => Local;
  log: Logger;
  /** "mix": a media endpoint per call (default); "none": signalling only (load tests). */
  media: "mix" | "none";
  /** Routes calls to names that are not rooms (SIP <-> H.323); without it they get 404. */
  gateway?: Gateway;
}

export interface DialOptions {
  /** Where to send the INVITE. */
  to: Peer;
  /** Request-URI (the callee's Contact or AOR). */
  target: string;
  room: string;
  guardianId: string;
  /** The caller the callee sees (a guardian name); the room otherwise. */
  from?: string;
  /** Aborting it CANCELs the INVITE (RFC 3261 9.1) until the callee answers. */
  signal?: AbortSignal;
  /** The callee is ringing (a 180). */
  alerting?: () => void;
}

/** The guard session an admission created, as the call keeps it. */
function sessionOf(d: Admit): Session {
  const { decision: _d, sessionId, policyVersion: _p, witnessIndex: _w, ...rest } = d;
  return { id: sessionId, ...rest, createdAt: new Date().toISOString() };
}

export class Calls {
  #calls = new Map<string, Call>();
  #bySession = new Map<string, Call>();
  #byLeg = new Map<string, Call>();
  #unsubscribe: (() => void)[] = [];
  readonly counters = { started: 0, ended: 0, rejected: 0, failed: 0 };
  readonly #keypad: DigitCommands;

  constructor(private readonly o: CallsOptions) {
    this.#keypad = new DigitCommands(
      o.rooms,
      (legId, muted) => {
        const call = this.#byLeg.get(legId);
        if (call) this.#witness("sip.call.muted", call, { muted, by: "dtmf" });
      },
      o.log,
      o.gateway,
    );
    this.#unsubscribe.push(o.rooms.onMedia((e) => {
      if (e.ev === "leg.dead") {
        const call = this.#byLeg.get(e.legId);
        if (call) this.#hangup(call, "media-timeout");
      } else if (e.ev === "dtmf") {
        const call = this.#byLeg.get(e.legId);
        if (call) this.#digits(call, e.digit);
      }
    }));
    const onEnded = (ev: Event) => {
      const { session, reason } = (ev as CustomEvent<SessionEnded>).detail;
      const call = this.#bySession.get(session.id);
      if (call && !call.ended) this.#hangup(call, reason, { sessionEnded: true });
    };
    o.guard.events.addEventListener("session-ended", onEnded);
    this.#unsubscribe.push(() => o.guard.events.removeEventListener("session-ended", onEnded));
  }

  get count(): number {
    return this.#calls.size;
  }

  list(): {
    legId: string;
    callId: string;
    room: string;
    guardianId: string;
    codec: Codec;
    direction: string;
    muted: boolean;
    /** Council's RTP address and the peer's (from its SDP): one-way audio starts here. */
    media: { local: string; remote: string };
    startedAt: string;
  }[] {
    return [...this.#calls.values()].map((c) => ({
      legId: c.legId,
      callId: c.callId,
      room: c.room,
      guardianId: c.guardianId,
      codec: c.agreement.codec,
      direction: c.direction,
      muted: this.o.rooms.member(c.legId)?.muted ?? false,
      media: {
        local: `${c.session.media.host}:${c.session.media.port}`,
        remote: `${c.agreement.remote.address}:${c.agreement.remote.port}`,
      },
      startedAt: new Date(c.startedAt).toISOString(),
    }));
  }

  #key(callId: string, localTag: string): string {
    return `${callId}|${localTag}`;
  }

  /** The dialog an in-dialog request belongs to (its To tag is ours). */
  dialogOf(req: SipRequest): Call | undefined {
    const toTag = tagOf(toOf(req));
    return toTag ? this.#calls.get(this.#key(callIdOf(req), toTag)) : undefined;
  }

  // ---- dial-in ------------------------------------------------------------

  /** A new INVITE (no To tag): admission, media, answer. */
  async invite(tx: ServerTransaction, from: Peer): Promise<void> {
    const req = tx.request;
    const toTag = tx.toTag;
    const reply = (status: number, opts: Parameters<typeof responseTo>[2] = {}) =>
      tx.respond(responseTo(req, status, { toTag, ...opts }));

    const uri = req.uri;
    // A room by name (council-<room>) or by its E.164 number (digits, a "+" allowed).
    const named = isSipUri(uri)
      ? ROOM_USER_RE.exec(uri.user)?.[1] ??
        roomOfNumber(this.o.policies.current, uri.user.replace(/^\+/, ""))
      : undefined;
    // Any other user part is someone to call through the gateway.
    const dialled = !named && isSipUri(uri) && uri.user && this.o.gateway ? uri.user : undefined;
    if ((!named && !dialled) || named === GATEWAY_ROOM) {
      return reply(404, { headers: [["warning", `399 council "dial council-<room>"`]] });
    }
    const room = named ?? GATEWAY_ROOM;
    // A name nobody answers to is 404 before any challenge: a call to it cannot
    // complete, and who is registered is no secret (guardian ids are witnessed).
    // Routed once here; again after admission only if it found the caller itself.
    let callee: Callee | undefined;
    if (dialled) {
      callee = await this.o.gateway!.route(dialled, { protocol: "sip", guardianId: "" })
        .catch(() => undefined);
      if (!callee) {
        return reply(404, { headers: [["warning", `399 council "nobody answers to that name"`]] });
      }
    }
    const offer = bodyText(req);
    if (!offer) {
      return reply(488, { headers: [["warning", `399 council "an SDP offer is required"`]] });
    }
    let codecs: Codec[];
    try {
      codecs = offeredCodecs(offer);
    } catch (err) {
      return reply(488, { headers: [["warning", `305 council ${clip((err as Error).message)}`]] });
    }

    // Admission: a signed request in the header, or digest for ROUTINE calls.
    let decision: Decision;
    const token = req.headers.get(ADMISSION_HEADER);
    if (token !== undefined) {
      let request: AdmissionRequest;
      try {
        const bytes = token.length <= 4096 ? fromBase64Url(token) : undefined;
        if (!bytes) throw new Error("not base64url");
        const json = JSON.parse(new TextDecoder().decode(bytes));
        request = parseAdmissionRequest(json);
      } catch (err) {
        const why = err instanceof RequestError ? err.message : "not base64url JSON";
        return reply(400, {
          reason: "Bad Admission Request",
          headers: [["warning", `399 council ${clip(`Council-Admission: ${why}`)}`]],
        });
      }
      if (request.room !== room) {
        return reply(403, {
          headers: [["warning", `399 council "the admission request is for ${request.room}"`]],
        });
      }
      decision = await this.o.guard.admit(request, { source: from.address });
    } else {
      // A caller with no SIP account here, to a room with a PIN: answered into the
      // PIN lobby instead of a challenge it could never answer (issue 23).
      const fromUri = fromOf(req).uri;
      if (
        named && this.o.media === "mix" && this.o.rooms.hasPin(room) &&
        !await this.o.registrar.hasPassword(isSipUri(fromUri) ? fromUri.user : "")
      ) {
        return await this.#pinLobby(tx, from, room, offer, codecs);
      }
      const auth = await this.o.registrar.authenticate(req, from, toTag);
      if (!auth.ok) return tx.respond(auth.response);
      const request: AuthenticatedRequest = {
        guardianId: auth.guardianId,
        room,
        callType: "ROUTINE",
        bandwidthKbps: CODEC_INFO[codecs[0] ?? "PCMU"].streamKbps,
        codecs: codecs.length ? codecs : ["PCMU"],
        pii: false,
        authentication: "sip-digest",
      };
      decision = await this.o.guard.admit(request, { source: from.address });
    }
    if (decision.decision === "reject") {
      this.counters.rejected++;
      return reply(SIP_STATUS_BY_REASON[decision.reason], {
        headers: [
          ["warning", `399 council ${clip(`${decision.reason}: ${decision.message}`, 200)}`],
          ...(decision.retryAfter
            ? [["retry-after", String(decision.retryAfter)]] as [
              string,
              string,
            ][]
            : []),
        ],
      });
    }
    const session = sessionOf(decision);

    if (dialled && callee!.guardianId === session.guardianId) {
      try {
        callee = await this.o.gateway!.route(dialled, {
          protocol: "sip",
          guardianId: session.guardianId,
        });
      } catch (err) {
        await this.o.guard.end(session.id, "released");
        return reply(404, {
          headers: [["warning", `399 council ${clip((err as Error).message)}`]],
        });
      }
    }

    // Rooms and call types that require encryption take SIP only over TLS and media
    // only as SRTP (SDES keys travel in the SDP, so only TLS keeps them secret).
    const encrypted = encryptionRequired(this.o.policies.current, room, session.callType);
    if (encrypted && from.transport !== "TLS") {
      await this.o.guard.end(session.id, "released");
      return reply(488, {
        headers: [[
          "warning",
          `399 council "room ${room} requires SIP over TLS (port ${
            this.o.local("TLS").port
          }) and SRTP"`,
        ]],
      });
    }
    let answer: string;
    let agreement: AudioAgreement;
    try {
      ({ answer, agreement } = answerOffer(offer, {
        allowed: [session.codec],
        local: { address: session.media.host, port: session.media.port },
        srtp: encrypted ? "required" : "optional",
      }));
    } catch (err) {
      await this.o.guard.end(session.id, "released");
      const code = err instanceof SdpError ? 488 : 500;
      return reply(code, { headers: [["warning", `305 council ${clip((err as Error).message)}`]] });
    }

    const call: Call = {
      legId: `sip-${crypto.randomUUID()}`,
      ...dialogOf(req, toTag, from),
      session,
      room,
      guardianId: session.guardianId,
      agreement,
      direction: "inbound",
      confirmed: false,
      ended: false,
      startedAt: Date.now(),
    };
    if (callee) {
      call.room = this.o.gateway!.open(
        { protocol: "sip", guardianId: call.guardianId, legId: call.legId },
        callee,
        dialled!,
      );
    }
    try {
      await this.#openMedia(call);
    } catch (err) {
      this.counters.failed++;
      this.o.log.error("media endpoint failed", { err, room, callId: call.callId });
      await this.o.guard.end(session.id, "released");
      return reply(503, { headers: [["retry-after", "5"]] });
    }
    if (callee && !tx.cancelled) {
      const gateway = this.o.gateway!;
      // CANCEL (the core answers 487) ends the attempt: the gateway stops dialling.
      tx.onCancel = () => gateway.ended(call.legId);
      try {
        await gateway.connect(
          call.room,
          () =>
            tx.respond(
              responseTo(req, 180, { toTag, headers: this.#dialogHeaders(from.transport) }),
            ),
        );
      } catch (err) {
        await this.#teardown(call, tx.cancelled ? "cancelled" : "gateway-failed");
        const cause = err instanceof CallError ? err.q850 : undefined;
        return reply(statusOfCause(cause), {
          headers: [
            ["reason", `Q.850;cause=${cause ?? 127}`],
            ["warning", `399 council ${clip((err as Error).message)}`],
          ],
        });
      }
    }
    if (tx.cancelled) {
      await this.#teardown(call, "cancelled");
      return; // the core already answered 487
    }
    this.#remember(call);
    this.counters.started++;
    const ok = responseTo(req, 200, {
      toTag,
      headers: this.#dialogHeaders(from.transport),
      body: new TextEncoder().encode(answer),
    });
    ok.headers.append("content-type", "application/sdp");
    tx.respond(ok);
    this.#retransmit2xx(call, ok, tx.peer);
    await this.#witness("sip.call.started", call);
  }

  /** Digits of a call: its PIN lobby's while it is in one, else the keypad commands. */
  #digits(call: Call, digits: string): void {
    if (call.pin && call.pin.state !== "admitted") call.pin.digit(digits);
    else this.#keypad.feed(call.legId, digits);
  }

  /**
   * Answers a caller without an account into the room's PIN lobby: a held media
   * port, the SDP answer on it (SRTP rules as for any call into the room), a deaf
   * and muted leg in the room, and the spoken prompt. Guard admits it as a guest
   * when the PIN is right; the leg then joins the mix on the same port.
   */
  async #pinLobby(
    tx: ServerTransaction,
    from: Peer,
    room: string,
    offer: string,
    codecs: Codec[],
  ): Promise<void> {
    const req = tx.request;
    const toTag = tx.toTag;
    const reply = (status: number, warning: string, extra: [string, string][] = []) =>
      tx.respond(
        responseTo(req, status, {
          toTag,
          headers: [["warning", `399 council ${clip(warning, 200)}`], ...extra],
        }),
      );
    const policy = this.o.policies.current;
    const roomPol = roomPolicy(policy, room);
    if (!roomPol) return reply(404, `no room ${room}`);
    const fromAddr = fromOf(req);
    const user = isSipUri(fromAddr.uri) ? fromAddr.uri.user : "";
    const claimedIdentity = claimed(
      fromAddr.displayName ? `${fromAddr.displayName} <${user}>` : user,
    );
    const callType = roomPol.callType ?? "ROUTINE";
    if (!policy.passwordCallTypes.includes(callType)) {
      const why = `room ${room} is ${callType}: a PIN does not admit to it`;
      await this.o.guard.refusePin(room, from.address, claimedIdentity, "call-type", why);
      this.counters.rejected++;
      return reply(403, why);
    }
    if (encryptionRequired(policy, room, callType) && from.transport !== "TLS") {
      const why = `room ${room} requires SIP over TLS (port ${this.o.local("TLS").port}) and SRTP`;
      await this.o.guard.refusePin(room, from.address, claimedIdentity, "encryption", why);
      this.counters.rejected++;
      return reply(488, why);
    }
    const held = this.o.guard.holdLobby(room, from.address);
    if ("refused" in held) {
      await this.o.guard.refusePin(room, from.address, claimedIdentity, "lobby-full", held.refused);
      this.counters.rejected++;
      const roomFull = held.refused.startsWith(`room ${room}`);
      return reply(roomFull ? 486 : 503, held.refused, [["retry-after", "30"]]);
    }
    const hold = held.hold;
    // A guest's codec fits the guests' bandwidth quota.
    const usable = codecs.filter((c) =>
      roomPol.allowedCodecs.includes(c) &&
      CODEC_INFO[c].streamKbps <= policy.guests.bandwidthKbps
    );
    let answer: string;
    let agreement: AudioAgreement;
    try {
      if (usable.length === 0) {
        throw new SdpError("NO_COMMON_CODEC", "no codec this room allows a guest");
      }
      ({ answer, agreement } = answerOffer(offer, {
        allowed: usable,
        local: { address: hold.media.host, port: hold.media.port },
        srtp: encryptionRequired(policy, room, callType) ? "required" : "optional",
      }));
    } catch (err) {
      this.o.guard.releaseLobby(hold);
      return reply(err instanceof SdpError ? 488 : 500, (err as Error).message);
    }
    const legId = `sip-${crypto.randomUUID()}`;
    const call: Call = {
      legId,
      ...dialogOf(req, toTag, from),
      // No guard session until the PIN is right: the lobby's own id, the held port.
      session: {
        id: `lobby-${hold.id}`,
        guardianId: "lobby",
        room,
        callType,
        bandwidthKbps: CODEC_INFO[agreement.codec].streamKbps,
        codec: agreement.codec,
        media: hold.media,
        createdAt: new Date().toISOString(),
      },
      room,
      guardianId: "lobby",
      agreement,
      direction: "inbound",
      confirmed: false,
      ended: false,
      startedAt: Date.now(),
      hold,
    };
    try {
      const a = agreement;
      await this.o.rooms.openLobby({
        room,
        legId,
        guardianId: "lobby",
        protocol: "sip",
        host: hold.media.host,
        port: hold.media.port,
        codec: {
          codec: a.codec,
          payloadType: a.payloadType,
          fmtp: a.fmtp,
          dtmfPayloadType: a.dtmfPayloadType,
        },
        remote: a.remote.port > 0 ? { address: a.remote.address, port: a.remote.port } : undefined,
        direction: a.direction,
        ...(a.srtp ? { srtp: a.srtp } : {}),
      });
    } catch (err) {
      this.counters.failed++;
      this.o.log.error("lobby media endpoint failed", { err, room, callId: call.callId });
      this.o.guard.releaseLobby(hold);
      return reply(503, "media unavailable", [["retry-after", "5"]]);
    }
    if (tx.cancelled) {
      await this.#teardown(call, "cancelled");
      return;
    }
    this.#remember(call);
    this.counters.started++;
    const ok = responseTo(req, 200, {
      toTag,
      headers: this.#dialogHeaders(from.transport),
      body: new TextEncoder().encode(answer),
    });
    ok.headers.append("content-type", "application/sdp");
    tx.respond(ok);
    this.#retransmit2xx(call, ok, tx.peer);
    await this.#witness("sip.call.started", call, { lobby: true, claimedIdentity });
    call.pin = lobbyCall({
      guard: this.o.guard,
      rooms: this.o.rooms,
      log: this.o.log,
      room,
      legId,
      hold,
      claimedIdentity,
      callType,
      codecs: [agreement.codec],
      bandwidthKbps: CODEC_INFO[agreement.codec].streamKbps,
      admitted: async (session) => {
        if (call.ended) {
          await this.o.guard.end(session.id, "released");
          return;
        }
        this.#bySession.delete(call.session.id);
        call.session = session;
        call.guardianId = session.guardianId;
        this.#bySession.set(session.id, call);
        await this.#witness("sip.call.admitted", call, { method: "room-pin", claimedIdentity });
      },
      hangup: (reason) => this.#hangup(call, reason),
    });
    call.pin.start();
  }

  /** Contact (on the transport the dialog runs over: TLS keeps TLS), Allow, Supported. */
  #dialogHeaders(transport: TransportName = "UDP"): [string, string][] {
    const { host, port } = this.o.local(transport);
    const contact = transport === "TLS"
      ? `<sip:${host}:${port};transport=tls>`
      : `<sip:${host}:${port}>`;
    return [
      ["contact", contact],
      ["allow", ALLOW.join(", ")],
      ["supported", "replaces"],
    ];
  }

  async #openMedia(call: Call): Promise<void> {
    if (this.o.media === "none") return;
    const a = call.agreement;
    await this.o.rooms.join({
      room: call.room,
      legId: call.legId,
      guardianId: call.guardianId,
      protocol: "sip",
      host: call.session.media.host,
      port: call.session.media.port,
      codec: {
        codec: a.codec,
        payloadType: a.payloadType,
        fmtp: a.fmtp,
        dtmfPayloadType: a.dtmfPayloadType,
      },
      remote: a.remote.port > 0 ? { address: a.remote.address, port: a.remote.port } : undefined,
      direction: a.direction,
      ...(a.srtp ? { srtp: a.srtp } : {}),
      ...(a.provenanceExtId !== undefined ? { provenanceExtId: a.provenanceExtId } : {}),
      ...(a.signedStreamId && a.provenanceExtId !== undefined
        ? { signedStream: { extId: a.provenanceExtId, streamId: a.signedStreamId } }
        : {}),
    });
  }

  #remember(call: Call): void {
    this.#calls.set(this.#key(call.callId, call.localTag), call);
    this.#bySession.set(call.session.id, call);
    this.#byLeg.set(call.legId, call);
  }

  /** RFC 3261 13.3.1.4: resend the 2xx at T1, 2T1... T2 until ACK; give up after 64*T1. */
  #retransmit2xx(call: Call, ok: SipResponse, to: Peer): void {
    if (to.transport !== "UDP") return;
    const { t1, t2 } = this.o.transactions.timers;
    const bytes = serialize(ok);
    let interval = t1;
    let timer: ReturnType<typeof setTimeout>;
    const giveUp = setTimeout(() => {
      clearTimeout(timer);
      if (!call.confirmed) this.#hangup(call, "no-ack");
    }, 64 * t1);
    const tick = () => {
      timer = setTimeout(() => {
        if (call.confirmed || call.ended) return;
        this.o.transactions.transmit(bytes, to);
        this.o.transactions.stats.retransmissions++;
        interval = Math.min(interval * 2, t2);
        tick();
      }, interval);
    };
    tick();
    call.stopRetransmit = () => {
      clearTimeout(timer);
      clearTimeout(giveUp);
    };
  }

  /** An ACK for a 2xx (no transaction of its own). */
  ack(req: SipRequest): void {
    const call = this.dialogOf(req);
    if (!call) return;
    call.confirmed = true;
    call.stopRetransmit?.();
  }

  /** In-dialog requests: BYE, re-INVITE, OPTIONS, INFO. */
  async inDialog(tx: ServerTransaction, from: Peer): Promise<void> {
    const req = tx.request;
    const call = this.dialogOf(req);
    if (!call || call.ended) return tx.respond(responseTo(req, 481));
    const seq = cseqOf(req).seq;
    if (seq <= call.remoteSeq && req.method !== "ACK") {
      return tx.respond(responseTo(req, 500, { reason: "CSeq Out Of Order" }));
    }
    call.remoteSeq = seq;
    if (from.transport === "UDP") call.peer = from;
    switch (req.method) {
      case "BYE":
        tx.respond(responseTo(req, 200));
        await this.#teardown(call, "bye");
        return;
      case "INVITE":
        return await this.#reinvite(call, tx);
      case "INFO":
        return this.#info(call, tx);
      case "OPTIONS":
        return tx.respond(responseTo(req, 200, { headers: this.#dialogHeaders(from.transport) }));
      default:
        return tx.respond(responseTo(req, 405, { headers: [["allow", ALLOW.join(", ")]] }));
    }
  }

  /** re-INVITE: hold/resume, new address, codec change within the room's policy. */
  async #reinvite(call: Call, tx: ServerTransaction): Promise<void> {
    const req = tx.request;
    if (call.reinvite && !call.reinvite.finalSent) {
      return tx.respond(responseTo(req, 491, { headers: [["retry-after", "1"]] }));
    }
    call.reinvite = tx;
    const offer = bodyText(req);
    if (!offer) return tx.respond(responseTo(req, 488));
    const allowed = roomPolicy(this.o.policies.current, call.room)?.allowedCodecs ?? [];
    let answer: string;
    let agreement: AudioAgreement;
    try {
      ({ answer, agreement } = answerOffer(offer, {
        // Prefer keeping the codec; switch only when the new offer drops it.
        allowed: [call.agreement.codec, ...allowed.filter((c) => c !== call.agreement.codec)],
        local: { address: call.session.media.host, port: call.session.media.port },
        // An encrypted call stays encrypted; a re-offer may bring new keys (RFC 4568 7.1.4).
        srtp: call.agreement.srtp ? "required" : "optional",
      }));
    } catch (err) {
      return tx.respond(responseTo(req, 488, {
        headers: [["warning", `305 council ${clip((err as Error).message)}`]],
      }));
    }
    if (this.o.media === "mix") {
      const codecChanged = agreement.codec !== call.agreement.codec ||
        agreement.payloadType !== call.agreement.payloadType;
      await this.o.rooms.update(call.legId, {
        direction: agreement.direction,
        ...(agreement.remote.port > 0 ? { remote: agreement.remote } : {}),
        ...(agreement.srtp || call.agreement.srtp ? { srtp: agreement.srtp } : {}),
        ...(codecChanged
          ? {
            codec: {
              codec: agreement.codec,
              payloadType: agreement.payloadType,
              fmtp: agreement.fmtp,
              dtmfPayloadType: agreement.dtmfPayloadType,
            },
          }
          : {}),
      });
    }
    call.agreement = agreement;
    call.confirmed = false;
    const ok = responseTo(req, 200, {
      headers: this.#dialogHeaders(call.peer.transport),
      body: new TextEncoder().encode(answer),
    });
    ok.headers.append("content-type", "application/sdp");
    tx.respond(ok);
    this.#retransmit2xx(call, ok, tx.peer);
    await this.o.witness.append("sip.call.updated", {
      callId: call.callId,
      legId: call.legId,
      codec: agreement.codec,
      direction: agreement.direction,
    }).catch(() => {});
  }

  /** SIP INFO with application/dtmf-relay (the non-RTP way phones send digits). */
  #info(call: Call, tx: ServerTransaction): void {
    const req = tx.request;
    const type = req.headers.get("content-type")?.toLowerCase() ?? "";
    if (type.startsWith("application/dtmf-relay")) {
      const m = /Signal\s*=\s*([0-9*#A-D])/i.exec(bodyText(req));
      if (m) this.#digits(call, m[1].toUpperCase());
    }
    tx.respond(responseTo(req, 200));
  }

  // ---- hangup ------------------------------------------------------------

  #hangup(call: Call, reason: string, opts: { sessionEnded?: boolean } = {}): void {
    if (call.ended) return;
    this.#sendBye(call).catch(() => {});
    this.#teardown(call, reason, opts).catch((err) =>
      this.o.log.warn("teardown failed", { err, legId: call.legId })
    );
  }

  /**
   * Ends a call from Council's side (operators, room close, the other leg of a
   * gateway call); a Q.850 cause travels in the BYE's Reason header (RFC 3326).
   */
  async hangup(legId: string, reason = "operator", cause?: number): Promise<boolean> {
    const call = this.#byLeg.get(legId);
    if (!call) return false;
    await this.#sendBye(call, cause).catch(() => {});
    await this.#teardown(call, reason);
    return true;
  }

  async #sendBye(call: Call, cause?: number): Promise<SipResponse> {
    const bye = this.#request(call, "BYE");
    if (cause !== undefined) bye.headers.append("reason", `Q.850;cause=${cause}`);
    return await this.o.transactions.request(bye, call.peer);
  }

  /**
   * Sends keypad digits to the phone: RFC 4733 events when it agreed to
   * telephone-event, SIP INFO (application/dtmf-relay) otherwise.
   */
  async sendDigits(legId: string, digits: string): Promise<void> {
    const call = this.#byLeg.get(legId);
    if (!call || call.ended) return;
    const valid = digits.toUpperCase().replace(/[^0-9*#A-D]/g, "");
    if (call.agreement.dtmfPayloadType !== undefined && this.o.media === "mix") {
      return await this.o.rooms.sendDtmf(legId, valid);
    }
    for (const d of valid) {
      const body = new TextEncoder().encode(`Signal=${d}\r\nDuration=100\r\n`);
      await this.o.transactions.request(
        this.#request(call, "INFO", body, "application/dtmf-relay"),
        call.peer,
      );
    }
  }

  /** A request inside a dialog (12.2.1.1). */
  #request(call: Call, method: string, body?: Uint8Array, contentType?: string): SipRequest {
    const transport = call.peer.transport;
    const { host, port } = this.o.local(transport);
    const h = new Headers();
    h.append("via", `SIP/2.0/${transport} ${host}:${port};branch=${newBranch()};rport`);
    h.append("max-forwards", "70");
    for (const r of call.routeSet) h.append("route", r);
    h.append("from", call.localHeader);
    h.append("to", call.remoteHeader);
    h.append("call-id", call.callId);
    h.append("cseq", `${++call.localSeq} ${method}`);
    if (contentType) h.append("content-type", contentType);
    let uri: Uri;
    try {
      uri = parseUri(call.remoteTarget);
    } catch {
      uri = parseUri(`sip:${call.peer.address}:${call.peer.port}`);
    }
    return {
      kind: "request",
      method,
      uri,
      uriText: formatUri(uri),
      headers: h,
      body: body ?? new Uint8Array(0),
    };
  }

  async #teardown(call: Call, reason: string, opts: { sessionEnded?: boolean } = {}) {
    if (call.ended) return;
    call.ended = true;
    call.stopRetransmit?.();
    call.pin?.stop();
    if (call.hold) this.o.guard.releaseLobby(call.hold);
    this.#keypad.forget(call.legId);
    this.#calls.delete(this.#key(call.callId, call.localTag));
    this.#bySession.delete(call.session.id);
    this.#byLeg.delete(call.legId);
    this.counters.ended++;
    this.o.gateway?.ended(call.legId);
    if (this.o.media === "mix") await this.o.rooms.leave(call.legId).catch(() => {});
    if (!opts.sessionEnded) await this.o.guard.end(call.session.id, "released");
    await this.#witness("sip.call.ended", call, {
      reason,
      durationMs: Date.now() - call.startedAt,
    });
  }

  async #witness(type: string, call: Call, extra: Record<string, JsonValue> = {}) {
    await this.o.witness.append(type, {
      callId: call.callId,
      legId: call.legId,
      sessionId: call.session.id,
      guardianId: call.guardianId,
      room: call.room,
      codec: call.agreement.codec,
      direction: call.direction,
      ...extra,
    }).catch((err) => this.o.log.warn("call event not witnessed", { err, type }));
  }

  // ---- outbound ------------------------------------------------------------

  /**
   * Calls a SIP endpoint into a room: admission for the callee, our offer from the
   * room's codecs on the admitted media port, and the dialog when it answers.
   * Resolves with the leg id, or throws CallError with the final status.
   */
  async dial(opts: DialOptions): Promise<string> {
    const allowed = roomPolicy(this.o.policies.current, opts.room)?.allowedCodecs;
    if (!allowed) throw new CallError(`no room ${opts.room}`, 404);
    const decision = await this.o.guard.admit({
      guardianId: opts.guardianId,
      room: policyRoomOf(opts.room),
      callType: "ROUTINE",
      bandwidthKbps: CODEC_INFO[allowed[0]].streamKbps,
      codecs: [...allowed],
      pii: false,
      authentication: "sip-digest",
    });
    if (decision.decision === "reject") {
      // SIP's 403 Forbidden: guard refused the guardian this call was for.
      throw new CallError(`${decision.reason}: ${decision.message}`, 403);
    }
    const session = sessionOf(decision);
    const { host, port } = this.o.local(opts.to.transport);
    const localTag = newTag();
    const callId = `${crypto.randomUUID()}@${host}`;
    // A room that requires encryption calls a phone only over the TLS connection it
    // registered on, offering SRTP (RTP/SAVP with Council's SDES key).
    const encrypted = encryptionRequired(this.o.policies.current, opts.room, session.callType);
    if (encrypted && opts.to.transport !== "TLS") {
      await this.o.guard.end(session.id, "released");
      throw new CallError(
        `room ${opts.room} requires encryption; ${opts.guardianId} is not registered over TLS`,
        488,
      );
    }
    const srtp = encrypted
      ? { suite: "AES_CM_128_HMAC_SHA1_80" as const, key: newSrtpKey() }
      : undefined;
    const offer = createOffer({
      codecs: allowed,
      local: { address: session.media.host, port: session.media.port },
      srtp,
    });
    const target = parseUri(opts.target);
    const h = new Headers();
    h.append("via", `SIP/2.0/${opts.to.transport} ${host}:${port};branch=${newBranch()};rport`);
    h.append("max-forwards", "70");
    const localHeader = opts.from
      ? `"${opts.from}" <sip:${opts.from}@${host}:${port}>;tag=${localTag}`
      : `<sip:council-${opts.room}@${host}:${port}>;tag=${localTag}`;
    h.append("from", localHeader);
    h.append("to", `<${formatUri(target)}>`);
    h.append("call-id", callId);
    h.append("cseq", "1 INVITE");
    for (const [k, v] of this.#dialogHeaders(opts.to.transport)) h.append(k, v);
    h.append("content-type", "application/sdp");
    const invite: SipRequest = {
      kind: "request",
      method: "INVITE",
      uri: target,
      uriText: formatUri(target),
      headers: h,
      body: new TextEncoder().encode(offer),
    };
    // A CANCEL may only follow a provisional response (RFC 3261 9.1).
    let ringing = false;
    let cancelWanted = false;
    const cancel = () => {
      const c = { ...invite, method: "CANCEL", headers: new Headers(), body: new Uint8Array(0) };
      for (const name of ["via", "from", "to", "call-id"]) c.headers.append(name, h.get(name)!);
      c.headers.append("cseq", "1 CANCEL");
      c.headers.append("max-forwards", "70");
      this.o.transactions.request(c, opts.to).catch(() => {});
    };
    const onAbort = () => ringing ? cancel() : (cancelWanted = true);
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    let res: SipResponse;
    try {
      res = await this.o.transactions.request(invite, opts.to, {
        provisional: (r) => {
          if (!ringing && cancelWanted) queueMicrotask(cancel);
          ringing = true;
          if (r.status === 180 || r.status === 183) opts.alerting?.();
        },
      });
    } finally {
      opts.signal?.removeEventListener("abort", onAbort);
    }
    if (res.status >= 300) {
      await this.o.guard.end(session.id, "released");
      throw new CallError(`${res.status} ${res.reason}`, res.status, causeOfStatus(res.status));
    }
    // 2xx: ACK it (a new transaction-less request, 13.2.2.4), then media.
    const remoteTag = tagOf(toOf(res)) ?? "";
    const contact = contactsOf(res)[0];
    const call: Call = {
      legId: `sip-${crypto.randomUUID()}`,
      callId,
      localTag,
      remoteTag,
      localHeader,
      remoteHeader: res.headers.get("to")!,
      remoteTarget: contact ? formatUri(contact.uri) : formatUri(target),
      routeSet: res.headers.all("record-route").reverse(),
      localSeq: 1,
      remoteSeq: -1,
      peer: opts.to,
      session,
      room: opts.room,
      guardianId: opts.guardianId,
      agreement: undefined as unknown as AudioAgreement,
      direction: "outbound",
      confirmed: true,
      ended: false,
      startedAt: Date.now(),
    };
    const ack = ackFor(invite, res);
    ack.headers.set(
      "via",
      `SIP/2.0/${opts.to.transport} ${host}:${port};branch=${newBranch()};rport`,
    );
    const ackReq: SipRequest = {
      ...ack,
      uri: parseUri(call.remoteTarget),
      uriText: call.remoteTarget,
    };
    this.o.transactions.transmit(serialize(ackReq), opts.to);
    try {
      call.agreement = acceptAnswer(bodyText(res), allowed, srtp);
      await this.#openMedia(call);
    } catch (err) {
      call.agreement ??= { codec: allowed[0] } as AudioAgreement;
      this.#remember(call);
      this.#hangup(call, "bad-answer");
      throw new CallError(`answer refused: ${(err as Error).message}`, 488);
    }
    this.#remember(call);
    if (opts.signal?.aborted) {
      // Answered as the caller gave up: the 2xx is acknowledged, then the call ended.
      this.#hangup(call, "cancelled");
      throw new CallError("the caller has gone", 487, 16);
    }
    this.counters.started++;
    await this.#witness("sip.call.started", call);
    return call.legId;
  }

  async close(): Promise<void> {
    for (const u of this.#unsubscribe) u();
    for (const call of [...this.#calls.values()]) {
      await Promise.race([
        this.#sendBye(call).catch(() => {}),
        new Promise((r) => setTimeout(r, 500)),
      ]);
      await this.#teardown(call, "shutdown");
    }
  }
}

export { CallError };

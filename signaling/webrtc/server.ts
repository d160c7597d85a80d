// WebRTC signalling: WebSocket connections to members. A connection says hello,
// then joins (a signed admission request guard decides on) or resumes (a member
// whose socket was lost, within its resume window). Everything after that is
// mediasoup plumbing on the member. Abuse is bounded per socket: message size,
// message rate, protocol errors, time to join, and silence (heartbeats).

import type { Guard, Session, SessionEnded } from "../../guard/mod.ts";
import type { AdmissionRequest } from "../../guard/mod.ts";
import {
  type ConsentAnswer,
  type EvidenceBoard,
  memberInfo,
  type Rooms,
  type VoteBox,
} from "../../rooms/mod.ts";
import type { Logger } from "../../telemetry/mod.ts";
import type { WitnessLog } from "../../witness/mod.ts";
import { type AgentConnection, AgentMembers } from "../agent/members.ts";
import { type AgentRequest, parseAgentMessage } from "../agent/protocol.ts";
import { AudioBridge } from "./audio_bridge.ts";
import { postEvidence } from "./evidence.ts";
import { type Sender, WebRtcMember } from "./member.ts";
import { BrowserProvenance, type ProvenanceDeps } from "./provenance.ts";

import {
  type ClientRequest,
  type Joined,
  type MemberEvent,
  parseClientMessage,
  PROTOCOL_VERSION,
  ProtocolError,
  type RequestId,
  type Resumed,
  type ServerMessage,
  type Welcome,
} from "./protocol.ts";
import { WebRtcRoom } from "./room.ts";
import { admissionOf, mayReplace, resumeSeat } from "./seat.ts";
import type { WorkerPool } from "./workers.ts";

export interface SignallingOptions {
  guard: Guard;
  rooms: Rooms;
  witness: WitnessLog;
  /** Where members' evidence goes (absent: members cannot post). */
  evidence?: EvidenceBoard;
  workers: WorkerPool;
  /** Address and port range of the bridges' PlainTransports (the media workers' side). */
  mediaHost: string;
  portMin: number;
  portMax: number;
  heartbeatMs: number;
  resumeWindowMs: number;
  maxMessageBytes: number;
  log: Logger;
  /** Browsers' signed audio, verified in the media workers (absent: every member unverified). */
  provenance?: ProvenanceDeps;
}

/** Per socket: a burst of this many messages, refilled at RATE_PER_S. */
const BURST = 100;
const RATE_PER_S = 50;
/** Errors (bad messages, rate-limited ones) a socket may cause before it is closed. */
const MAX_ERRORS = 20;
/** A socket that has not joined or resumed this long after opening is closed. */
const JOIN_DEADLINE_MS = 15_000;
/** How often levels are sent to browsers. */
const LEVELS_MS = 500;

/** WebSocket close codes (RFC 6455 section 7.4.1; 4xxx private use). */
export const CLOSE = {
  POLICY: 1008,
  TOO_BIG: 1009,
  UNSUPPORTED: 1003,
  HEARTBEAT: 4000,
  REPLACED: 4001,
  SHUTDOWN: 1001,
} as const;

export class WebRtcSignalling {
  readonly name = "webrtc";
  #rooms = new Map<string, WebRtcRoom>();
  #creating = new Map<string, Promise<WebRtcRoom>>();
  #members = new Map<string, WebRtcMember>();
  #byToken = new Map<string, WebRtcMember>();
  #connections = new Set<Connection>();
  #timer: ReturnType<typeof setInterval>;
  #levelsBusy = false;
  #unsubscribe: (() => void)[] = [];
  #closing = false;
  readonly counters = { joined: 0, resumed: 0, rejected: 0, left: 0, abusive: 0 };
  /** Browsers' own signed audio (docs/provenance.md, "Browsers"). */
  readonly provenance: BrowserProvenance | undefined;
  /** AI guardians: sockets in agent mode, their media on the workers' own endpoints. */
  readonly agents: AgentMembers;

  constructor(readonly o: SignallingOptions) {
    this.agents = new AgentMembers({
      guard: o.guard,
      rooms: o.rooms,
      witness: o.witness,
      evidence: o.evidence,
      mediaHost: o.mediaHost,
      resumeWindowMs: o.resumeWindowMs,
      log: o.log,
    });
    this.provenance = o.provenance
      ? new BrowserProvenance(o.provenance, { rooms: o.rooms, witness: o.witness, log: o.log })
      : undefined;
    this.#timer = setInterval(() => this.#tick(), Math.min(LEVELS_MS, o.heartbeatMs));
    // The room's events (members of every protocol, the speaker, evidence, votes)
    // reach the browsers in it as their own numbered events.
    this.#unsubscribe.push(o.rooms.events.onAny((room, e) => {
      // Members see the room's life, not operators' business (room lifecycle, cost).
      const operators = [
        "room.created",
        "room.closed",
        "room.event",
        "cost.alert",
        "cost.report",
        "guard.decision",
        "provenance.alert",
      ];
      if (!operators.includes(e.name)) {
        this.#broadcast(room, { name: e.name, data: e.data } as MemberEvent);
      }
    }));
    this.#unsubscribe.push(o.rooms.onMedia((e) => {
      if (e.ev === "leg.dead") {
        const m = this.#members.get(e.legId);
        if (m) this.#leave(m, "media-timeout");
      } else if (e.ev === "provenance.checkpoint") {
        // The mix's checkpoint, to the one page that hears that mix (volatile: a page
        // that misses some resynchronises at the next).
        const { ev: _e, legId, roomId: _r, ...cp } = e;
        this.#members.get(legId)?.sendVolatile({ type: "mix.checkpoint", ...cp });
      } else if (e.ev === "provenance.state" || e.ev === "provenance.bad") {
        this.provenance?.onMedia(e);
      } else if (e.ev === "failover") {
        this.provenance?.failover(e.rooms);
      }
    }));
    const onEnded = (ev: Event) => {
      const { session, reason } = (ev as CustomEvent<SessionEnded>).detail;
      const m = this.#members.get(session.id);
      if (m && !m.closed) this.#leave(m, reason, { sessionEnded: true });
    };
    o.guard.events.addEventListener("session-ended", onEnded);
    this.#unsubscribe.push(() => o.guard.events.removeEventListener("session-ended", onEnded));
    this.#unsubscribe.push(o.workers.onDied((index) => {
      // The room's transports are gone with its worker: members must rejoin.
      for (const room of [...this.#rooms.values()]) {
        if (room.worker !== index) continue;
        for (const m of [...room.members.values()]) this.#leave(m, "webrtc-worker-died");
      }
    }));
  }

  /** Takes over an upgraded socket; `source` is the peer's address (guard's flood limits). */
  accept(socket: WebSocket, source?: string): void {
    const conn = new Connection(this, socket, source);
    this.#connections.add(conn);
    socket.addEventListener("close", () => {
      this.#connections.delete(conn);
      conn.closed();
    });
  }

  get memberCount(): number {
    return this.#members.size;
  }

  /** What is open, for /api/v1/webrtc and leak checks in tests. */
  async stats() {
    return {
      connections: this.#connections.size,
      members: [...this.#members.values()].map((m) => ({
        memberId: m.memberId,
        guardianId: m.guardianId,
        room: m.room.name,
        attached: m.attached,
        transports: m.transports.size,
        consumers: m.consumers.size,
        producers: [m.audioProducer, ...m.videoProducers].filter((p) => p !== undefined)
          .map((p) => ({ kind: p.kind, type: p.type, paused: p.paused })),
        bridgePort: m.bridge.localPort,
        ...(this.provenance?.info(m.memberId)
          ? { provenance: this.provenance.info(m.memberId) }
          : {}),
      })),
      rooms: [...this.#rooms.values()].map((r) => ({
        room: r.name,
        worker: r.worker,
        members: r.members.size,
      })),
      workers: await this.o.workers.stats(),
      // With browsers' signed audio: checkpoints passed on, chains broken, alerts, and
      // failures counted into later alerts.
      counters: { ...this.counters, ...this.provenance?.counters },
    };
  }

  /** A room event for every browser in it (e.g. evidence shown, issue 9). */
  broadcast(room: string, event: MemberEvent): void {
    this.#broadcast(room, event);
  }

  /** Agents cast ballots over their sockets into this vote box (made after signalling). */
  useVotes(votes: VoteBox): void {
    this.agents.useVotes(votes);
  }

  /** Members answer a recording's call for consent (made after signalling). */
  useConsent(consent: ConsentAnswer): void {
    this.consent = consent;
  }

  /** Where `consent` requests go; absent: there is nothing to consent to. */
  consent: ConsentAnswer | undefined;

  #broadcast(room: string, event: MemberEvent): void {
    this.agents.broadcast(room, event);
    const r = this.#rooms.get(room);
    if (!r) return;
    for (const m of r.members.values()) m.push(event);
  }

  async #room(name: string): Promise<WebRtcRoom> {
    const existing = this.#rooms.get(name);
    if (existing) return existing;
    let p = this.#creating.get(name);
    if (!p) {
      p = this.o.workers.createRouter(name).then(({ router, server, worker }) => {
        const room = new WebRtcRoom(name, router, server, worker);
        this.#rooms.set(name, room);
        return room;
      }).finally(() => this.#creating.delete(name));
      this.#creating.set(name, p);
    }
    return await p;
  }

  /** Admission through guard, then the audio bridge; the member is attached to `send`. */
  async join(
    req: Extract<ClientRequest, { type: "join" }>,
    send: Sender,
    kick: () => void,
    source?: string,
  ): Promise<{ member: WebRtcMember; joined: Joined }> {
    if (this.#closing) throw new ProtocolError("UNAVAILABLE", "shutting down", req.id);
    const request = admissionOf(req);
    if (!request.codecs.includes("opus")) {
      throw new ProtocolError("BAD_REQUEST", "admission.codecs: browsers send opus", req.id);
    }
    await this.#replaceOlder(request);
    const decision = await this.o.guard.admit({ ...request, codecs: ["opus"] }, { source });
    if (decision.decision === "reject") {
      this.counters.rejected++;
      throw new ProtocolError("REJECTED", `${decision.reason}: ${decision.message}`, req.id);
    }
    const session = this.o.guard.session(decision.sessionId);
    if (!session) throw new ProtocolError("REJECTED", "session ended before it began", req.id);
    let member: WebRtcMember;
    try {
      member = await this.#open(session);
    } catch (err) {
      await this.o.guard.end(session.id, "released");
      this.o.log.error("webrtc join failed", { err, room: req.room });
      throw new ProtocolError("INTERNAL_ERROR", "could not open media for this member", req.id);
    }
    member.attach(send, kick);
    this.counters.joined++;
    // The mix it hears is chained with the media key; the page verifies it.
    const mix = await this.provenance?.chainMix(member.memberId).catch((err) => {
      this.o.log.warn("the mix is not chained", { err: String(err), memberId: member.memberId });
      return undefined;
    });
    // The admission itself was witnessed before guard answered; this records the media.
    this.o.witness.append("webrtc.member.joined", {
      room: session.room,
      memberId: member.memberId,
      guardianId: session.guardianId,
    }).catch((err) => this.o.log.error("join not witnessed", { err }));
    const joined: Joined = {
      memberId: member.memberId,
      room: session.room,
      guardianId: session.guardianId,
      resumeToken: member.resumeToken,
      resumeWindowMs: this.o.resumeWindowMs,
      routerRtpCapabilities: member.room.router.rtpCapabilities as unknown as Joined[
        "routerRtpCapabilities"
      ],
      members: this.o.rooms.members(session.room).map(memberInfo),
      seq: member.events.seq,
      videoLayout: this.o.rooms.definition(session.room)?.videoLayout ?? "grid",
      provenance: this.provenance?.states(session.room) ?? [],
      ...(mix ? { mix } : {}),
    };
    return { member, joined };
  }

  /**
   * Same guardian, same room, a new tab (or the same tab reloaded): the new join
   * takes the seat at once rather than sitting beside a ghost until the old socket's
   * resume window closes. The older member is told `session.ended` with reason
   * `replaced` and its seat, bandwidth and guard session are freed before guard
   * decides on the new one, so a quota or a full room does not refuse the guardian
   * for its own ghost. Only a fresh request whose signature verifies with the
   * guardian's registered key does this: nobody else can end a guardian's seat.
   */
  async #replaceOlder(request: AdmissionRequest): Promise<void> {
    const older = [...this.#members.values()].filter((m) =>
      !m.closed && m.guardianId === request.guardianId && m.room.name === request.room
    );
    if (older.length === 0 || !(await mayReplace(this.o.guard, request))) return;
    for (const m of older) await this.#leave(m, "replaced");
  }

  async #open(session: Session): Promise<WebRtcMember> {
    const room = await this.#room(session.room);
    const bridge = await AudioBridge.open({
      router: room.router,
      rooms: this.o.rooms,
      leg: {
        room: session.room,
        legId: session.id,
        guardianId: session.guardianId,
        host: session.media.host,
        port: session.media.port,
      },
      portMin: this.o.portMin,
      portMax: this.o.portMax,
    });
    const member = new WebRtcMember(room, session, bridge);
    room.members.set(member.memberId, member);
    this.#members.set(member.memberId, member);
    this.#byToken.set(member.resumeToken, member);
    return member;
  }

  /**
   * A member whose socket was lost takes a new one: events after `lastSeq` are
   * replayed through `send` after the answer.
   */
  resume(
    req: Extract<ClientRequest, { type: "resume" }>,
    send: Sender,
    kick: () => void,
  ): { member: WebRtcMember; resumed: Resumed; replay: ServerMessage[] } {
    const { seat: member, missed } = resumeSeat(this.#byToken.get(req.token), req, send, kick);
    this.counters.resumed++;
    this.o.witness.append("webrtc.member.resumed", {
      room: member.room.name,
      memberId: member.memberId,
      lastSeq: req.lastSeq,
      replayed: missed.length,
    }).catch((err) => this.o.log.error("resume not witnessed", { err }));
    return {
      member,
      resumed: {
        memberId: member.memberId,
        transportIds: [...member.transports.keys()],
        replayed: missed.length,
      },
      replay: missed,
    };
  }

  /** The socket went away: the member waits for a resume until its window closes. */
  detach(member: WebRtcMember, sender: Sender): void {
    if (member.closed) return;
    const was = member.attached;
    member.detach(sender, Date.now());
    if (was && !member.attached) this.provenance?.detached(member.memberId);
  }

  leave(member: WebRtcMember, reason: string): Promise<void> {
    return this.#leave(member, reason);
  }

  /** Tells every browser of a guardian (in any room) to join `room`; how many were told. */
  invite(
    guardianId: string,
    data: { room: string; escalationId: string; severity: string; summary: string },
  ): number {
    let told = this.agents.invite(guardianId, data);
    for (const m of this.#members.values()) {
      if (m.guardianId !== guardianId || m.closed || m.room.name === data.room) continue;
      m.push({ name: "invitation", data });
      told++;
    }
    return told;
  }

  /** Ends a member from Council's side (an operator, a closing room); false if unknown. */
  async hangup(memberId: string, reason: string): Promise<boolean> {
    const m = this.#members.get(memberId);
    if (!m || m.closed) return false;
    await this.#leave(m, reason);
    return true;
  }

  async #leave(
    member: WebRtcMember,
    reason: string,
    opts: { sessionEnded?: boolean } = {},
  ): Promise<void> {
    if (member.closed) return;
    if (reason !== "left") member.push({ name: "session.ended", data: { reason } });
    const room = member.room;
    room.members.delete(member.memberId);
    this.#members.delete(member.memberId);
    this.#byToken.delete(member.resumeToken);
    this.provenance?.left(member.memberId);
    await member.close().catch((err) => this.o.log.error("member close failed", { err }));
    if (room.members.size === 0 && this.#rooms.get(room.name) === room) {
      this.#rooms.delete(room.name);
      room.close();
    }
    if (!opts.sessionEnded) await this.o.guard.end(member.memberId, "released");
    this.counters.left++;
    await this.o.witness.append("webrtc.member.left", {
      room: room.name,
      memberId: member.memberId,
      guardianId: member.guardianId,
      reason,
    }).catch((err) => this.o.log.error("leave not witnessed", { err }));
  }

  #tick(): void {
    const now = Date.now();
    for (const conn of this.#connections) conn.heartbeat(now);
    this.agents.tick(now);
    for (const m of [...this.#members.values()]) {
      if (m.detachedAt !== undefined && now - m.detachedAt > this.o.resumeWindowMs) {
        this.#leave(m, "socket-lost");
      }
    }
    this.#sendLevels();
  }

  /** Each member's level (dBov) to every attached browser of its room. */
  #sendLevels(): void {
    const agentRooms = this.agents.rooms();
    if (this.#levelsBusy || (this.#rooms.size === 0 && agentRooms.size === 0)) return;
    this.#levelsBusy = true;
    this.o.rooms.legStats().then((legs) => {
      const byRoom = new Map<string, Record<string, number>>();
      for (const l of legs) {
        if (!this.#rooms.has(l.roomId) && !agentRooms.has(l.roomId)) continue;
        const levels = byRoom.get(l.roomId) ?? {};
        levels[l.legId] = Math.round(l.levelDbov);
        byRoom.set(l.roomId, levels);
      }
      for (const [room, levels] of byRoom) {
        this.agents.levels(room, levels);
        for (const m of this.#rooms.get(room)?.members.values() ?? []) {
          m.sendVolatile({ type: "levels", levels });
        }
      }
    }).catch(() => {}).finally(() => this.#levelsBusy = false);
  }

  ready(): boolean {
    return !this.#closing && this.o.workers.ready();
  }

  async close(): Promise<void> {
    this.#closing = true;
    clearInterval(this.#timer);
    for (const u of this.#unsubscribe) u();
    for (const conn of this.#connections) conn.close(CLOSE.SHUTDOWN, "server shutting down");
    await Promise.allSettled([...this.#members.values()].map((m) => this.#leave(m, "shutdown")));
    await this.agents.close();
    await this.o.workers.close();
  }
}

/** One WebSocket: its state machine, limits and heartbeat. */
class Connection {
  #member?: WebRtcMember;
  /** Set by a hello in agent mode: the socket's requests are an agent's (signaling/agent/). */
  #agent?: AgentConnection;
  #helloed = false;
  #tokens = BURST;
  #refilledAt = Date.now();
  #errors = 0;
  #lastHeard = Date.now();
  #openedAt = Date.now();
  #pingId = 0;
  #queue: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(
    private readonly s: WebRtcSignalling,
    private readonly socket: WebSocket,
    private readonly source?: string,
  ) {
    socket.addEventListener("message", (e) => this.#onMessage(e));
  }

  send = (msg: ServerMessage): void => {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(msg));
  };

  /** Another socket resumed this one's member. */
  #kick = (): void => {
    this.#member = undefined;
    this.close(CLOSE.REPLACED, "resumed on another socket");
  };

  close(code: number, reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.socket.close(code, reason);
    } catch {
      // already closing
    }
  }

  /** The socket closed (either side): a joined member waits for a resume. */
  closed(): void {
    this.#closed = true;
    this.#agent?.closed();
    if (this.#member) this.s.detach(this.#member, this.send);
    this.#member = undefined;
  }

  heartbeat(now: number): void {
    if (this.#closed) return;
    const hb = this.s.o.heartbeatMs;
    if (now - this.#lastHeard > 3 * hb) {
      return this.close(CLOSE.HEARTBEAT, "no heartbeat");
    }
    if (!this.#member && !this.#agent?.member && now - this.#openedAt > JOIN_DEADLINE_MS) {
      return this.close(CLOSE.POLICY, "did not join in time");
    }
    if (now - this.#lastHeard > hb) this.send({ type: "ping", id: ++this.#pingId });
  }

  #error(code: ProtocolError["code"], message: string, id?: RequestId): void {
    this.send({ type: "error", ...(id !== undefined ? { id } : {}), code, message });
    if (++this.#errors > MAX_ERRORS) {
      this.s.counters.abusive++;
      this.close(CLOSE.POLICY, "too many errors");
    }
  }

  #onMessage(e: MessageEvent): void {
    if (this.#closed) return;
    this.#lastHeard = Date.now();
    if (typeof e.data !== "string") {
      this.#error("BAD_REQUEST", "binary frames are not part of this protocol");
      this.s.counters.abusive++;
      return this.close(CLOSE.UNSUPPORTED, "text frames only");
    }
    if (e.data.length > this.s.o.maxMessageBytes) {
      this.#error("TOO_LARGE", `messages are limited to ${this.s.o.maxMessageBytes} bytes`);
      this.s.counters.abusive++;
      return this.close(CLOSE.TOO_BIG, "message too large");
    }
    const now = Date.now();
    this.#tokens = Math.min(BURST, this.#tokens + (now - this.#refilledAt) * RATE_PER_S / 1000);
    this.#refilledAt = now;
    let req: ClientRequest | AgentRequest;
    try {
      req = this.#agent ? parseAgentMessage(e.data) : parseClientMessage(e.data);
    } catch (err) {
      const p = err as ProtocolError;
      return this.#error(p.code, p.message, p.id);
    }
    if (this.#tokens < 1) return this.#error("RATE_LIMITED", "slow down", req.id);
    this.#tokens--;
    // One request at a time per socket, in order, so a produce after a
    // createTransport sees the transport.
    this.#queue = this.#queue.then(() =>
      this.#agent && req.type !== "hello"
        ? this.#agent.handle(
          req as AgentRequest,
          (data) => this.send({ type: "result", id: req.id, data }),
          () => this.#closed,
        )
        : this.#handle(req as ClientRequest)
    ).catch((err) => {
      if (err instanceof ProtocolError) return this.#error(err.code, err.message, req.id);
      this.s.o.log.error("webrtc request failed", { err, type: req.type });
      this.#error("INTERNAL_ERROR", (err as Error).message.slice(0, 200), req.id);
    });
  }

  #member_(req: ClientRequest): WebRtcMember {
    if (!this.#member || this.#member.closed) {
      throw new ProtocolError("OUT_OF_ORDER", `${req.type} before join`, req.id);
    }
    return this.#member;
  }

  async #handle(req: ClientRequest): Promise<void> {
    if (this.#closed) return;
    const ok = (data?: unknown) => this.send({ type: "result", id: req.id, data });
    if (req.type !== "hello" && req.type !== "ping" && req.type !== "pong" && !this.#helloed) {
      throw new ProtocolError("OUT_OF_ORDER", "say hello first", req.id);
    }
    switch (req.type) {
      case "hello": {
        if (req.version !== PROTOCOL_VERSION) {
          throw new ProtocolError("BAD_REQUEST", `protocol version ${PROTOCOL_VERSION} only`);
        }
        this.#helloed = true;
        if (req.mode === "agent") {
          this.#agent ??= this.s.agents.connect(
            this.send,
            (code, reason) => this.close(code, reason),
            this.source,
          );
        }
        const welcome: Welcome = {
          version: PROTOCOL_VERSION,
          heartbeatMs: this.s.o.heartbeatMs,
          maxMessageBytes: this.s.o.maxMessageBytes,
          routerRtpCapabilities: this.s.o.workers.rtpCapabilities as unknown as Welcome[
            "routerRtpCapabilities"
          ],
        };
        return ok(welcome);
      }
      case "ping":
        return ok();
      case "pong":
        return;
      case "join": {
        if (this.#member && !this.#member.closed) {
          throw new ProtocolError("OUT_OF_ORDER", "already joined; leave first", req.id);
        }
        const { member, joined } = await this.s.join(req, this.send, this.#kick, this.source);
        if (this.#closed) return this.s.detach(member, this.send);
        this.#member = member;
        return ok(joined);
      }
      case "resume": {
        if (this.#member && !this.#member.closed) {
          throw new ProtocolError("OUT_OF_ORDER", "already joined", req.id);
        }
        const { member, resumed, replay } = this.s.resume(req, this.send, this.#kick);
        this.#member = member;
        ok(resumed);
        for (const msg of replay) this.send(msg);
        return;
      }
    }
    const m = this.#member_(req);
    switch (req.type) {
      case "capabilities":
        await m.setCapabilities(req.rtpCapabilities);
        return ok();
      case "createTransport":
        return ok(await m.createTransport(req.direction));
      case "connectTransport":
        await m.transport(req.transportId).connect({
          dtlsParameters: req.dtlsParameters as never,
        });
        return ok();
      case "restartIce":
        return ok({ iceParameters: await m.transport(req.transportId).restartIce() });
      case "produce": {
        const p = await m.produce(req.transportId, req.kind, req.rtpParameters, !!req.paused);
        // A chained audio producer: its leg verifies what it receives from now on.
        const chained = req.provenance !== undefined && this.s.provenance !== undefined;
        if (chained) await this.s.provenance!.start(m, req.provenance!.streamId, req.id);
        return ok({ producerId: p.id, provenance: chained });
      }
      case "checkpoint":
        if (!this.s.provenance) {
          throw new ProtocolError("UNAVAILABLE", "this server does not verify streams", req.id);
        }
        // Handed on without waiting for the worker: the socket's next request is not held up.
        this.s.provenance.checkpoint(m, req, req.id).catch((err) =>
          this.s.o.log.warn("checkpoint not delivered", { err: String(err) })
        );
        return ok();
      case "pauseProducer":
        await m.producer(req.producerId).pause();
        return ok();
      case "resumeProducer":
        await m.producer(req.producerId).resume();
        return ok();
      case "closeProducer":
        m.producer(req.producerId).close();
        return ok();
      case "pauseConsumer":
        await m.consumer(req.consumerId).pause();
        return ok();
      case "resumeConsumer":
        await m.consumer(req.consumerId).resume();
        return ok();
      case "mute": {
        if (!req.muted && this.s.provenance?.mutedByPolicy(m.memberId)) {
          throw new ProtocolError(
            "REJECTED",
            "muted by the policy: this member's signed audio failed verification",
            req.id,
          );
        }
        await this.s.o.rooms.update(m.memberId, { muted: req.muted });
        const audio = m.audioProducer;
        if (audio && !audio.closed) await (req.muted ? audio.pause() : audio.resume());
        return ok({ muted: req.muted });
      }
      case "consent": {
        const answer = this.s.consent &&
          await this.s.consent(
            m.room.name,
            { memberId: m.memberId, guardianId: m.guardianId },
            req.consent,
          );
        if (!answer || answer === "not asked") {
          throw new ProtocolError(
            "OUT_OF_ORDER",
            "no recording asks for this member's consent",
            req.id,
          );
        }
        return ok({ consent: answer });
      }
      case "postEvidence":
        return ok(await postEvidence(this.s.o.evidence, m.room.name, m.guardianId, req));
      case "leave":
        this.#member = undefined;
        await this.s.leave(m, "left");
        return ok();
    }
  }
}

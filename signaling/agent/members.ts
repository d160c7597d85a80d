// AI guardians on the WebSocket signalling (docs/agent.md): an agent joins with a
// signed admission request as a browser does (guard admits it with the guardian's
// key), gets the same numbered events, mutes, posts evidence and casts signed
// ballots, and resumes by event number after a lost socket. Its audio never touches
// this thread: the member's leg lives in the room's media worker, which takes the
// agent's frames on a WebSocket of its own, reached with a one-time ticket.

import type { Guard, Session, SessionEnded } from "../../guard/mod.ts";
import { L16_PAYLOAD_TYPE } from "../../media/codecs/catalog.ts";
import type { EvidenceBoard, Rooms, VoteBox } from "../../rooms/mod.ts";
import { memberInfo, VoteError } from "../../rooms/mod.ts";
import type { Logger } from "../../telemetry/mod.ts";
import type { WitnessLog } from "../../witness/mod.ts";
import { OPUS_FMTP, OPUS_PAYLOAD_TYPE } from "../webrtc/codecs.ts";
import { postEvidence } from "../webrtc/evidence.ts";
import {
  type ClientRequest,
  type MemberEvent,
  ProtocolError,
  type Resumed,
  type ServerMessage,
} from "../webrtc/protocol.ts";
import { admissionOf, mayReplace, resumeSeat, Seat, type Sender } from "../webrtc/seat.ts";
import {
  AGENT_CODECS,
  type AgentCodec,
  type AgentJoined,
  type AgentMedia,
  type AgentRequest,
} from "./protocol.ts";

export interface AgentDeps {
  guard: Guard;
  rooms: Rooms;
  witness: WitnessLog;
  evidence?: EvidenceBoard;
  /** media.host: where the media workers' agent endpoints listen. */
  mediaHost: string;
  resumeWindowMs: number;
  log: Logger;
}

/** One agent in a room: its guard session, its seat on the signalling, its audio format. */
export class AgentMember extends Seat {
  constructor(readonly session: Session, readonly codec: AgentCodec) {
    super();
  }

  get memberId(): string {
    return this.session.id;
  }

  get guardianId(): string {
    return this.session.guardianId;
  }

  get room(): string {
    return this.session.room;
  }

  close(): void {
    this.release();
  }
}

export class AgentMembers {
  readonly #members = new Map<string, AgentMember>();
  readonly #byToken = new Map<string, AgentMember>();
  readonly #unsubscribe: (() => void)[] = [];
  #votes?: VoteBox;
  #closing = false;
  readonly counters = { joined: 0, resumed: 0, rejected: 0, left: 0, tickets: 0 };

  constructor(readonly o: AgentDeps) {
    o.rooms.registerStack({
      protocol: "agent",
      hangup: (legId, reason) => this.hangup(legId, reason),
    });
    this.#unsubscribe.push(o.rooms.onMedia((e) => {
      const m = e.ev === "leg.dead" ? this.#members.get(e.legId) : undefined;
      if (m) this.leave(m, "media-timeout");
    }));
    const onEnded = (ev: Event) => {
      const { session, reason } = (ev as CustomEvent<SessionEnded>).detail;
      const m = this.#members.get(session.id);
      if (m && !m.closed) this.leave(m, reason, { sessionEnded: true });
    };
    o.guard.events.addEventListener("session-ended", onEnded);
    this.#unsubscribe.push(() => o.guard.events.removeEventListener("session-ended", onEnded));
  }

  /** Ballots go to this vote box (it is made after the signalling). */
  useVotes(votes: VoteBox): void {
    this.#votes = votes;
  }

  get size(): number {
    return this.#members.size;
  }

  /** A socket that said hello in agent mode. */
  connect(send: Sender, close: (code: number, reason: string) => void, source?: string) {
    return new AgentConnection(this, send, close, source);
  }

  async join(
    req: Extract<ClientRequest, { type: "join" }>,
    send: Sender,
    kick: () => void,
    source?: string,
  ): Promise<{ member: AgentMember; joined: AgentJoined }> {
    if (this.#closing) throw new ProtocolError("UNAVAILABLE", "shutting down", req.id);
    const request = admissionOf(req);
    if (!request.codecs.every((c) => (AGENT_CODECS as readonly string[]).includes(c))) {
      throw new ProtocolError(
        "BAD_REQUEST",
        `admission.codecs: agents send ${AGENT_CODECS.join(" or ")} (in the order preferred)`,
        req.id,
      );
    }
    // Same guardian, same room, a fresh verified join (a restarted agent): the older seat ends.
    const older = [...this.#members.values()].filter((m) =>
      !m.closed && m.guardianId === request.guardianId && m.room === request.room
    );
    if (older.length && await mayReplace(this.o.guard, request)) {
      for (const m of older) await this.leave(m, "replaced");
    }
    // The codec is the first the agent signed that the room allows (guard decides).
    const decision = await this.o.guard.admit(request, { source });
    if (decision.decision === "reject") {
      this.counters.rejected++;
      throw new ProtocolError("REJECTED", `${decision.reason}: ${decision.message}`, req.id);
    }
    const session = this.o.guard.session(decision.sessionId);
    if (!session) throw new ProtocolError("REJECTED", "session ended before it began", req.id);
    const codec = session.codec as AgentCodec;
    let media: AgentMedia;
    try {
      await this.o.rooms.join({
        room: session.room,
        legId: session.id,
        guardianId: session.guardianId,
        protocol: "agent",
        host: this.o.mediaHost,
        port: 0,
        codec: codec === "L16"
          ? { codec, payloadType: L16_PAYLOAD_TYPE }
          : { codec, payloadType: OPUS_PAYLOAD_TYPE, fmtp: OPUS_FMTP },
        transport: "agent",
      });
      media = await this.#media(session.id, codec);
    } catch (err) {
      await this.o.rooms.leave(session.id).catch(() => {});
      await this.o.guard.end(session.id, "released");
      this.o.log.error("agent join failed", { err, room: req.room });
      throw new ProtocolError("INTERNAL_ERROR", "could not open media for this agent", req.id);
    }
    const member = new AgentMember(session, codec);
    this.#members.set(member.memberId, member);
    this.#byToken.set(member.resumeToken, member);
    member.attach(send, kick);
    this.counters.joined++;
    this.o.witness.append("agent.member.joined", {
      room: session.room,
      memberId: member.memberId,
      guardianId: session.guardianId,
      codec,
    }).catch((err) => this.o.log.error("agent join not witnessed", { err }));
    return {
      member,
      joined: {
        memberId: member.memberId,
        room: session.room,
        guardianId: session.guardianId,
        resumeToken: member.resumeToken,
        resumeWindowMs: this.o.resumeWindowMs,
        members: this.o.rooms.members(session.room).map(memberInfo),
        seq: member.events.seq,
        media,
      },
    };
  }

  /** Whether `token` is an agent's resume token (else the socket's resume is a browser's). */
  owns(token: string): boolean {
    return this.#byToken.has(token);
  }

  /** A member whose socket was lost takes a new one; events after `lastSeq` follow. */
  resume(
    req: Extract<ClientRequest, { type: "resume" }>,
    send: Sender,
    kick: () => void,
  ): { member: AgentMember; resumed: Omit<Resumed, "transportIds">; replay: ServerMessage[] } {
    const { seat: member, missed } = resumeSeat(this.#byToken.get(req.token), req, send, kick);
    this.counters.resumed++;
    this.o.witness.append("agent.member.resumed", {
      room: member.room,
      memberId: member.memberId,
      lastSeq: req.lastSeq,
      replayed: missed.length,
    }).catch((err) => this.o.log.error("agent resume not witnessed", { err }));
    return {
      member,
      resumed: { memberId: member.memberId, replayed: missed.length },
      replay: missed,
    };
  }

  /** A new one-time ticket for the member's media socket. */
  media(member: AgentMember): Promise<AgentMedia> {
    return this.#media(member.memberId, member.codec);
  }

  async #media(legId: string, codec: AgentCodec): Promise<AgentMedia> {
    const ticket = await this.o.rooms.agentTicket(legId);
    this.counters.tickets++;
    return codec === "L16"
      ? { ...ticket, codec, sampleRate: 16000, channels: 1, frameMs: 20, frameBytes: 640 }
      : { ...ticket, codec, sampleRate: 48000, channels: 1, frameMs: 20 };
  }

  /** Casts the member's signed ballot; the vote box checks it and witnesses either way. */
  async vote(member: AgentMember, req: Extract<AgentRequest, { type: "vote" }>) {
    if (!this.#votes) throw new ProtocolError("UNAVAILABLE", "no votes on this server", req.id);
    try {
      const vote = await this.#votes.cast(member.room, req.voteId, {
        voteId: req.voteId,
        room: member.room,
        guardianId: member.guardianId,
        choice: req.choice,
        timestamp: req.timestamp,
        signature: req.signature,
      });
      return { voteId: vote.id, state: vote.state, ballots: vote.ballots.length };
    } catch (err) {
      if (!(err instanceof VoteError)) throw err;
      throw new ProtocolError(
        err.code === "NOT_FOUND"
          ? "NOT_FOUND"
          : err.code === "BAD_REQUEST"
          ? "BAD_REQUEST"
          : "REJECTED",
        `${err.code}: ${err.message}`,
        req.id,
      );
    }
  }

  /** The socket went away: the member waits for a resume until its window closes. */
  detach(member: AgentMember, sender: Sender): void {
    if (!member.closed) member.detach(sender, Date.now());
  }

  async leave(
    member: AgentMember,
    reason: string,
    opts: { sessionEnded?: boolean } = {},
  ): Promise<void> {
    if (member.closed) return;
    if (reason !== "left") member.push({ name: "session.ended", data: { reason } });
    this.#members.delete(member.memberId);
    this.#byToken.delete(member.resumeToken);
    member.close();
    await this.o.rooms.leave(member.memberId).catch((err) =>
      this.o.log.error("agent leg not closed", { err })
    );
    if (!opts.sessionEnded) await this.o.guard.end(member.memberId, "released");
    this.counters.left++;
    await this.o.witness.append("agent.member.left", {
      room: member.room,
      memberId: member.memberId,
      guardianId: member.guardianId,
      reason,
    }).catch((err) => this.o.log.error("agent leave not witnessed", { err }));
  }

  /** Ends an agent member from Council's side; false if unknown. */
  async hangup(legId: string, reason: string): Promise<boolean> {
    const m = this.#members.get(legId);
    if (!m || m.closed) return false;
    await this.leave(m, reason);
    return true;
  }

  /** A room event for every agent in the room. */
  broadcast(room: string, event: MemberEvent): void {
    for (const m of this.#members.values()) if (m.room === room) m.push(event);
  }

  /** Volatile levels for the agents of a room. */
  levels(room: string, levels: Record<string, number>): void {
    for (const m of this.#members.values()) {
      if (m.room === room) m.sendVolatile({ type: "levels", levels });
    }
  }

  /** Rooms with agents in them now. */
  rooms(): Set<string> {
    return new Set([...this.#members.values()].map((m) => m.room));
  }

  /** Tells every agent of a guardian (in another room) to join `room`; how many were told. */
  invite(
    guardianId: string,
    data: { room: string; escalationId: string; severity: string; summary: string },
  ): number {
    let told = 0;
    for (const m of this.#members.values()) {
      if (m.guardianId !== guardianId || m.closed || m.room === data.room) continue;
      m.push({ name: "invitation", data });
      told++;
    }
    return told;
  }

  /** Ends the seats whose socket has been gone longer than the resume window. */
  tick(now: number): void {
    for (const m of [...this.#members.values()]) {
      if (m.detachedAt !== undefined && now - m.detachedAt > this.o.resumeWindowMs) {
        this.leave(m, "socket-lost");
      }
    }
  }

  stats() {
    return {
      members: [...this.#members.values()].map((m) => ({
        memberId: m.memberId,
        guardianId: m.guardianId,
        room: m.room,
        codec: m.codec,
        attached: m.attached,
      })),
      counters: { ...this.counters },
    };
  }

  async close(): Promise<void> {
    this.#closing = true;
    for (const u of this.#unsubscribe) u();
    await Promise.allSettled([...this.#members.values()].map((m) => this.leave(m, "shutdown")));
  }
}

/** One socket in agent mode: which member it carries, and its requests after hello. */
export class AgentConnection {
  member?: AgentMember;

  constructor(
    private readonly agents: AgentMembers,
    private readonly send: Sender,
    private readonly close: (code: number, reason: string) => void,
    private readonly source?: string,
  ) {}

  /** Another socket resumed this one's member. */
  #kick = (): void => {
    this.member = undefined;
    this.close(4001, "resumed on another socket");
  };

  /** The socket closed: its member waits for a resume. */
  closed(): void {
    if (this.member) this.agents.detach(this.member, this.send);
    this.member = undefined;
  }

  async handle(req: AgentRequest, ok: (data?: unknown) => void, closed: () => boolean) {
    switch (req.type) {
      case "join": {
        if (this.member && !this.member.closed) {
          throw new ProtocolError("OUT_OF_ORDER", "already joined; leave first", req.id);
        }
        const { member, joined } = await this.agents.join(req, this.send, this.#kick, this.source);
        if (closed()) return this.agents.detach(member, this.send);
        this.member = member;
        return ok(joined);
      }
      case "resume": {
        if (this.member && !this.member.closed) {
          throw new ProtocolError("OUT_OF_ORDER", "already joined", req.id);
        }
        const { member, resumed, replay } = this.agents.resume(req, this.send, this.#kick);
        this.member = member;
        ok(resumed);
        for (const msg of replay) this.send(msg);
        return;
      }
      case "hello":
      case "ping":
      case "pong":
        return;
    }
    const m = this.member;
    if (!m || m.closed) throw new ProtocolError("OUT_OF_ORDER", `${req.type} before join`, req.id);
    switch (req.type) {
      case "media":
        return ok(await this.agents.media(m));
      case "mute":
        await this.agents.o.rooms.update(m.memberId, { muted: req.muted });
        return ok({ muted: req.muted });
      case "postEvidence":
        return ok(await postEvidence(this.agents.o.evidence, m.room, m.guardianId, req));
      case "vote":
        return ok(await this.agents.vote(m, req));
      case "consent": {
        const answer = await this.agents.o.rooms.consent(m.memberId, req.consent);
        if (answer === "not asked") {
          throw new ProtocolError(
            "OUT_OF_ORDER",
            "no recording asks for this member's consent",
            req.id,
          );
        }
        return ok({ consent: answer });
      }
      case "leave":
        this.member = undefined;
        await this.agents.leave(m, "left");
        return ok();
    }
  }
}

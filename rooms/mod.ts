// Rooms: the meeting a leg joins, whatever its protocol. Signalling stacks call
// join/leave/update here and never the media engine directly, so a room's media
// exists exactly while it has members. (Issue 9 grows this into the rooms API.)

import type { Codec, PolicyStore } from "../guard/mod.ts";
import { roomPolicy } from "../guard/policy.ts";
import type {
  AgentTicket,
  LegCodec,
  LegSpec,
  LegStats,
  LegUpdate,
  MediaEngine,
  MediaEvent,
  RemoteAddress,
} from "../media/engine/mod.ts";
import type { Direction, SrtpKeys } from "../media/sdp/mod.ts";
import type { Logger } from "../telemetry/mod.ts";
import { CallError } from "../signaling/call_error.ts";
import { type MemberProvenance, RoomEvents, type RoomMemberInfo } from "./events.ts";
import type { SignedStreams } from "./signed_streams.ts";
import { toHex } from "../witness/hash.ts";
import type { RoomRegistry } from "./registry.ts";
import { DEFAULT_CHECKPOINT_EVERY, newStreamId } from "../provenance/chain.ts";

/**
 * How a member is connected; "feed" is a broadcast feed an operator added (feeds.ts),
 * "agent" an AI guardian's audio frames over WebSocket (docs/agent.md).
 */
export type Protocol = "sip" | "h323" | "webrtc" | "feed" | "agent";
export {
  type NumberedRoomEvent,
  OPERATOR_CHANNEL,
  type RoomEvent,
  RoomEvents,
  type RoomMemberInfo,
} from "./events.ts";
export { RoomOperations } from "./operations.ts";
export { type SignedMember, SignedStreams, type SignedStreamsDeps } from "./signed_streams.ts";
export { checkPinForm, PinBusy, PinError } from "./pins.ts";
export { type Evidence, EvidenceBoard, EvidenceError, parseEvidence } from "./evidence.ts";
export { parseVoteSpec, type Vote, VoteBox, VoteError, type VoteRecord } from "./votes.ts";
export { type EscalationRecord, Escalations, type Outcome } from "./escalations.ts";
export { CallError } from "../signaling/call_error.ts";
export {
  MAX_CAPACITY,
  MIXING_MODES,
  parseRoomDefinition,
  type RoomDefinition,
  RoomDefinitionError,
  RoomRegistry,
  VIDEO_LAYOUTS,
} from "./registry.ts";

/**
 * What rooms need of a signalling stack to manage its legs: end one, and (where the
 * stack can reach a guardian by itself) call one into a room. Stacks register at
 * startup; rooms never import them.
 */
export interface MemberStack {
  readonly protocol: Protocol;
  /** Calls the guardian into the room; resolves with the leg id once answered.
   * Throws CallError with status 404 when this stack cannot reach the guardian. */
  dial?(room: string, guardianId: string): Promise<string>;
  /** Ends the leg; false when this stack has no such leg. */
  hangup(legId: string, reason: string): Promise<boolean>;
}

/** A member as the rooms API shows it: who, how, and how the media is doing. */
export interface MemberStatus extends RoomMemberInfo {
  speaking: boolean;
  /** How far what an RTP member signs is proven (docs/provenance.md). */
  provenance?: MemberProvenance;
  stats?: {
    packetsIn: number;
    packetsOut: number;
    lossFraction: number;
    jitterMs: number;
    /** The jitter buffer: the delay it holds for this member, frames that came too late
     * to play, and frames concealed (lost or late). */
    jitterBufferMs: number;
    late: number;
    concealed: number;
    rttMs?: number;
    mos: number;
    levelDbov: number;
    /** Datagrams dropped for coming from a source other than the signalled (locked) one. */
    rejectedSource: number;
    /** Whether the leg's media is encrypted (SRTP), and how many packets failed it. */
    srtp: boolean;
    srtpRefused: number;
    srtpRefusedRtcp: number;
    srtpRefusedWhy?: string;
  };
}
export {
  type Callee,
  type CallOptions,
  type Dialled,
  Gateway,
  type GatewayParty,
  type GatewayStack,
  parseDialled,
  Q850,
} from "./gateway.ts";

export interface JoinRequest {
  room: string;
  legId: string;
  guardianId: string;
  protocol: Protocol;
  host: string;
  port: number;
  codec: LegCodec;
  remote?: RemoteAddress;
  direction?: Direction;
  /** SSRC of what the mix sends this leg (random when absent; see LegSpec.ssrc). */
  ssrc?: number;
  /** SRTP keys when signalling agreed to encrypt the leg (SIP SDES). */
  srtp?: SrtpKeys;
  /** The peer's header extension ID for Council's stream chains (docs/provenance.md). */
  provenanceExtId?: number;
  /**
   * The member signs what it sends: its chain's stream id, carried in header extension
   * `extId` of its packets (docs/provenance.md, "SIP and H.323 members").
   */
  signedStream?: { extId: number; streamId: Uint8Array };
  /** Muted from the start (default: as the room's mixing mode says). */
  muted?: boolean;
  /** Silence on RTP and RTCP for this long ends the leg (LegSpec.inactivityMs). */
  inactivityMs?: number;
  /** "agent": frames on the media worker's WebSocket endpoint, not RTP (LegSpec.transport). */
  transport?: "agent";
}

/** The media key's seed, for legs whose stream is chained (made on first use). */
export type ProvenanceSeed = () => Promise<Uint8Array>;

/** A member's answer to a recording's call for consent. */
export type ConsentAnswer = (
  room: string,
  member: { memberId: string; guardianId: string },
  consent: boolean,
) => Promise<"consented" | "refused" | "not asked">;

/** Members' own signed streams: where their states and breaks go, and their keys. */
export interface SignedStreamsUse {
  streams: SignedStreams;
  /** An active guardian's registered Ed25519 public key. */
  guardianKey(guardianId: string): Uint8Array | undefined;
}

/** What the media engine is told of a joining leg (mute and deafness apart). */
function legSpec(req: JoinRequest): LegSpec {
  return {
    legId: req.legId,
    roomId: req.room,
    port: req.port,
    host: req.host,
    codec: req.codec,
    remote: req.remote,
    direction: req.direction,
    ssrc: req.ssrc,
    ...(req.srtp ? { srtp: req.srtp } : {}),
    ...(req.inactivityMs !== undefined ? { inactivityMs: req.inactivityMs } : {}),
    ...(req.transport ? { transport: req.transport } : {}),
  };
}

/** Membership changes, told as room events. */
type MemberChange =
  | { kind: "joined"; member: Member }
  | { kind: "left"; member: Member }
  | { kind: "muted"; member: Member };

export interface Member {
  readonly legId: string;
  readonly room: string;
  readonly guardianId: string;
  readonly protocol: Protocol;
  readonly codec: Codec;
  readonly port: number;
  readonly joinedAt: number;
  muted: boolean;
  /** A PIN guest's claimed identity, marked unverified. */
  readonly displayName?: string;
}

const NARROWBAND: readonly Codec[] = ["PCMU", "PCMA", "G729"];

export class Rooms {
  readonly name = "rooms";
  #members = new Map<string, Member>();
  #rooms = new Map<string, Set<string>>();
  /** Serialises room creation so two first joiners do not both create it. */
  #creating = new Map<string, Promise<void>>();
  #stacks = new Map<Protocol, MemberStack>();
  #provenanceSeed: ProvenanceSeed | undefined;
  #signed: SignedStreamsUse | undefined;
  #consent: ConsentAnswer | undefined;
  #speakers = new Map<string, string | null>();
  /** Legs in a room's PIN lobby: media open in the room, deaf and muted, no member yet. */
  #lobby = new Map<string, JoinRequest>();
  #registry?: RoomRegistry;
  /** Every room's events, numbered (operators' streams; browsers get their own). */
  readonly events: RoomEvents;

  constructor(
    private readonly media: MediaEngine,
    private readonly policies: PolicyStore,
    private readonly log: Logger,
  ) {
    this.events = new RoomEvents(log);
    media.on((e) => {
      if (e.ev !== "speaker") return;
      this.#speakers.set(e.roomId, e.legId);
      this.events.publish(e.roomId, { name: "speaker", data: { memberId: e.legId } });
    });
  }

  /** Room definitions from the API (mixing mode); without it every room mixes all. */
  useRegistry(registry: RoomRegistry): void {
    this.#registry = registry;
  }

  /** Rooms operators created through the API. */
  definitions() {
    return this.#registry?.list() ?? [];
  }

  /** Whether a created room has a PIN (callers without other proof may key it in). */
  hasPin(room: string): boolean {
    return this.#registry?.pins.has(room) ?? false;
  }

  /** Whether `pin` is the room's PIN (async scrypt; throws PinBusy when saturated). */
  verifyPin(room: string, pin: string): Promise<boolean> {
    return this.#registry?.pins.verify(room, pin) ?? Promise.resolve(false);
  }

  /** The room's definition, when an operator created it through the API. */
  definition(room: string) {
    return this.#registry?.get(room);
  }

  /** Lets legs that negotiate it have their stream chained and signed with the media key. */
  /** Where members' answers to a recording's call for consent go (provenance/recordings.ts). */
  useConsent(answer: ConsentAnswer): void {
    this.#consent = answer;
  }

  /** A member's answer to its room's call for consent (its keypad: *1, *0). */
  async consent(legId: string, consent: boolean): Promise<"consented" | "refused" | "not asked"> {
    const m = this.#members.get(legId);
    if (!m || !this.#consent) return "not asked";
    return await this.#consent(m.room, { memberId: legId, guardianId: m.guardianId }, consent);
  }

  /** SIP and H.323 members that sign what they send are verified (rooms/signed_streams.ts). */
  useSignedStreams(use: SignedStreamsUse): void {
    this.#signed = use;
  }

  useProvenance(seed: ProvenanceSeed): void {
    this.#provenanceSeed = seed;
  }

  registerStack(stack: MemberStack): void {
    this.#stacks.set(stack.protocol, stack);
  }

  /** The mix rate a room's allowed codecs need: 8 kHz when all are narrowband. */
  #mixRate(room: string): 8000 | 16000 {
    const allowed = roomPolicy(this.policies.current, room)?.allowedCodecs ?? [];
    return allowed.length > 0 && allowed.every((c) => NARROWBAND.includes(c)) ? 8000 : 16000;
  }

  async #ensureRoom(room: string): Promise<void> {
    if (this.#rooms.has(room)) return;
    let p = this.#creating.get(room);
    if (!p) {
      p = this.media.createRoom({ roomId: room, mixRate: this.#mixRate(room) }).then(() => {
        this.#rooms.set(room, new Set());
      }).finally(() => this.#creating.delete(room));
      this.#creating.set(room, p);
    }
    await p;
  }

  /**
   * Opens a PIN lobby leg (rooms/pin_lobby.ts): its media endpoint is in the room's
   * media, so admitting it later needs no new port and no renegotiation, but it is
   * deaf (hears only the prompts played to it) and muted (the room never hears it),
   * and it is no member: no events, not listed, not counted.
   */
  async openLobby(req: JoinRequest): Promise<void> {
    await this.#ensureRoom(req.room);
    this.#lobby.set(req.legId, req);
    try {
      await this.media.createLeg({ ...legSpec(req), muted: true, deaf: true });
    } catch (err) {
      this.#lobby.delete(req.legId);
      await this.#closeIfEmpty(req.room);
      throw err;
    }
    this.log.info("lobby leg opened", { room: req.room, legId: req.legId });
  }

  /** Whether a leg is in a PIN lobby. */
  inLobby(legId: string): boolean {
    return this.#lobby.has(legId);
  }

  /** Legs in a room's PIN lobby now. */
  lobbyLegs(room: string): number {
    let n = 0;
    for (const r of this.#lobby.values()) if (r.room === room) n++;
    return n;
  }

  /** Plays a prompt to a leg (mono PCM at `rate`); resolves with its length in ms. */
  async play(legId: string, pcm: Int16Array, rate: number): Promise<number> {
    if (!this.#lobby.has(legId) && !this.#members.has(legId)) return 0;
    return await this.media.playLeg(legId, pcm, rate);
  }

  /**
   * A lobby leg whose PIN was right and whom guard admitted: it hears the room and
   * the room hears it (unless the room is moderated), on the same port, and it is a
   * member like any other (events, listing, removal).
   */
  async admitFromLobby(
    legId: string,
    who: { guardianId: string; displayName?: string; codec?: LegCodec },
  ): Promise<Member> {
    const req = this.#lobby.get(legId);
    if (!req) throw new Error(`leg ${legId} is not in a lobby`);
    const muted = this.#registry?.get(req.room)?.mixing === "moderated";
    await this.media.updateLeg(legId, {
      deaf: false,
      muted,
      ...(who.codec ? { codec: who.codec } : {}),
    });
    this.#lobby.delete(legId);
    const member: Member = {
      legId,
      room: req.room,
      guardianId: who.guardianId,
      protocol: req.protocol,
      codec: (who.codec ?? req.codec).codec,
      port: req.port,
      joinedAt: Date.now(),
      muted,
      ...(who.displayName ? { displayName: who.displayName } : {}),
    };
    this.#members.set(legId, member);
    this.#rooms.get(req.room)?.add(legId);
    this.log.info("member joined from the PIN lobby", { room: req.room, legId });
    this.#tell({ kind: "joined", member });
    return member;
  }

  /** Adds a member: its media endpoint is open (on req.port) when this resolves. */
  async join(req: JoinRequest): Promise<Member> {
    await this.#ensureRoom(req.room);
    // A moderated room's members listen until an operator gives them the floor.
    const muted = req.muted ?? this.#registry?.get(req.room)?.mixing === "moderated";
    const provenance = await this.#outboundChain(req.provenanceExtId);
    const verifyInband = this.#inbandSpec(req);
    const { port } = await this.media.createLeg({
      ...legSpec(req),
      muted,
      ...(provenance ? { provenance } : {}),
      ...(verifyInband ? { verifyInband } : {}),
    });
    const member: Member = {
      legId: req.legId,
      room: req.room,
      guardianId: req.guardianId,
      protocol: req.protocol,
      codec: req.codec.codec,
      port,
      joinedAt: Date.now(),
      muted,
    };
    this.#members.set(req.legId, member);
    this.#rooms.get(req.room)?.add(req.legId);
    if (verifyInband) this.#trackSigned(member, verifyInband);
    this.log.info("member joined", { room: req.room, legId: req.legId, protocol: req.protocol });
    this.#tell({ kind: "joined", member });
    return member;
  }

  /**
   * Chains a member's leg after it joined (an H.323 terminal whose capabilities came
   * after Fast Start opened its channels): what it is sent, and what it sends when it
   * signs.
   */
  async chainLeg(
    legId: string,
    req: Pick<JoinRequest, "provenanceExtId" | "signedStream">,
  ): Promise<void> {
    const m = this.#members.get(legId);
    if (!m) return;
    const provenance = await this.#outboundChain(req.provenanceExtId);
    if (provenance) await this.media.legProvenance(legId, { do: "sign", spec: provenance });
    const inband = this.#inbandSpec({ ...req, guardianId: m.guardianId });
    if (inband) {
      await this.media.legProvenance(legId, { do: "verifyInband", spec: inband });
      this.#trackSigned(m, inband);
    }
  }

  /** The chain of what a leg is sent in its header extension `extId` (a new stream). */
  async #outboundChain(extId: number | undefined): Promise<LegSpec["provenance"]> {
    if (extId === undefined || !this.#provenanceSeed) return undefined;
    return {
      extId,
      streamId: newStreamId(),
      seed: await this.#provenanceSeed(),
      checkpointEvery: DEFAULT_CHECKPOINT_EVERY,
    };
  }

  #trackSigned(m: Member, spec: NonNullable<LegSpec["verifyInband"]>): void {
    this.#signed!.streams.track(
      { memberId: m.legId, guardianId: m.guardianId, room: m.room },
      toHex(spec.streamId),
    );
  }

  /**
   * What a member that signs its stream is verified against: its guardian's key. A
   * guardian with no active key cannot be verified: the member is unverified.
   */
  #inbandSpec(req: Pick<JoinRequest, "signedStream" | "guardianId">): LegSpec["verifyInband"] {
    const key = req.signedStream && this.#signed?.guardianKey(req.guardianId);
    if (!req.signedStream || !key) return undefined;
    return {
      extId: req.signedStream.extId,
      streamId: req.signedStream.streamId,
      publicKey: key,
      checkpointEvery: DEFAULT_CHECKPOINT_EVERY,
    };
  }

  async update(legId: string, update: LegUpdate): Promise<void> {
    const m = this.#members.get(legId);
    if (!m) {
      // A lobby leg follows its signalling (re-INVITE, H.245) but stays deaf and muted.
      if (this.#lobby.has(legId)) {
        const { muted: _m, deaf: _d, ...rest } = update;
        await this.media.updateLeg(legId, rest);
      }
      return;
    }
    await this.media.updateLeg(legId, update);
    if (update.muted !== undefined && update.muted !== m.muted) {
      m.muted = update.muted;
      this.#tell({ kind: "muted", member: m });
    }
  }

  /** Where and with which one-time ticket an agent member connects its media (docs/agent.md). */
  agentTicket(legId: string): Promise<AgentTicket> {
    const m = this.#members.get(legId);
    if (m?.protocol !== "agent") return Promise.reject(new Error(`${legId} is no agent member`));
    return this.media.agentTicket(legId);
  }

  async sendDtmf(legId: string, digits: string): Promise<void> {
    if (this.#members.has(legId)) await this.media.sendDtmf(legId, digits);
  }

  /** Removes a member; the room's media closes with its last member. */
  async leave(legId: string): Promise<void> {
    const lobby = this.#lobby.get(legId);
    if (lobby) {
      this.#lobby.delete(legId);
      await this.media.closeLeg(legId);
      await this.#closeIfEmpty(lobby.room);
      this.log.info("lobby leg closed", { room: lobby.room, legId });
      return;
    }
    const m = this.#members.get(legId);
    if (!m) return;
    this.#members.delete(legId);
    this.#signed?.streams.left(legId);
    await this.media.closeLeg(legId, "member left");
    this.#rooms.get(m.room)?.delete(legId);
    await this.#closeIfEmpty(m.room);
    this.log.info("member left", { room: m.room, legId });
    this.#tell({ kind: "left", member: m });
  }

  /** The room's media closes with its last member or lobby leg. */
  async #closeIfEmpty(room: string): Promise<void> {
    const legs = this.#rooms.get(room);
    if (
      legs && legs.size === 0 && !this.#creating.has(room) && this.lobbyLegs(room) === 0
    ) {
      this.#rooms.delete(room);
      this.#speakers.delete(room);
      await this.media.closeRoom(room);
    }
  }

  #tell(change: MemberChange): void {
    const m = change.member;
    this.events.publish(
      m.room,
      change.kind === "joined"
        ? { name: "member.joined", data: memberInfo(m) }
        : change.kind === "left"
        ? { name: "member.left", data: { memberId: m.legId, reason: "left" } }
        : { name: "member.muted", data: { memberId: m.legId, muted: m.muted } },
    );
  }

  /**
   * Calls a guardian into a room through the first stack that can reach them (SIP
   * registration, then H.323, unless `protocol` names one). CallError 404 when none can.
   */
  async invite(
    room: string,
    guardianId: string,
    protocol?: Protocol,
  ): Promise<{ legId: string; protocol: Protocol }> {
    const order: Protocol[] = protocol ? [protocol] : ["sip", "h323", "webrtc"];
    const unreachable: string[] = [];
    for (const p of order) {
      const stack = this.#stacks.get(p);
      if (!stack?.dial) {
        unreachable.push(`${p}: cannot call out`);
        continue;
      }
      try {
        return { legId: await stack.dial(room, guardianId), protocol: p };
      } catch (err) {
        if (!(err instanceof CallError) || err.status !== 404) throw err;
        unreachable.push(`${p}: ${err.message}`);
      }
    }
    throw new CallError(`${guardianId} cannot be reached (${unreachable.join("; ")})`, 404);
  }

  /** Ends a member's leg through its own stack (BYE, Release Complete, session end). */
  async remove(legId: string, reason: string): Promise<boolean> {
    const m = this.#members.get(legId);
    if (!m) return false;
    const stack = this.#stacks.get(m.protocol);
    if (stack && await stack.hangup(legId, reason)) return true;
    // No stack owns it (a leg joined directly): leave the media.
    await this.leave(legId);
    return true;
  }

  /** Names of the rooms with members now. */
  active(): { room: string; members: number }[] {
    return [...this.#rooms].map(([room, legs]) => ({ room, members: legs.size }));
  }

  /** A room's members with their media quality and who is speaking. */
  async status(room: string): Promise<{ members: MemberStatus[]; speaker: string | null }> {
    const members = this.members(room);
    const stats = members.length
      ? new Map((await this.legStats()).map((l) => [l.legId, l]))
      : new Map();
    const speaker = this.#speakers.get(room) ?? null;
    return {
      speaker: speaker && this.#members.has(speaker) ? speaker : null,
      members: members.map((m) => {
        const l = stats.get(m.legId);
        const provenance = this.#signed?.streams.info(m.legId);
        return {
          ...memberInfo(m),
          speaking: l?.speaking ?? false,
          ...(provenance ? { provenance } : {}),
          ...(l
            ? {
              stats: {
                packetsIn: l.packetsIn,
                packetsOut: l.packetsOut,
                lossFraction: l.lossFraction,
                jitterMs: l.jitterMs,
                jitterBufferMs: Math.round(l.jitterBufferMs * 10) / 10,
                late: l.late,
                concealed: l.concealed,
                ...(l.rttMs !== undefined ? { rttMs: l.rttMs } : {}),
                mos: l.mos,
                levelDbov: l.levelDbov,
                rejectedSource: l.rejectedSource,
                srtp: l.srtp,
                srtpRefused: l.srtpRefused,
                srtpRefusedRtcp: l.srtpRefusedRtcp,
                ...(l.srtpRefusedWhy ? { srtpRefusedWhy: l.srtpRefusedWhy } : {}),
              },
            }
            : {}),
        };
      }),
    };
  }

  /** Per-leg media statistics (levels, loss, jitter) from every worker. */
  async legStats(): Promise<LegStats[]> {
    return (await this.media.stats()).legs;
  }

  member(legId: string): Member | undefined {
    return this.#members.get(legId);
  }

  members(room?: string): Member[] {
    return [...this.#members.values()].filter((m) => room === undefined || m.room === room);
  }

  /** Media events (DTMF, dead legs, speakers) for the stacks that own the legs. */
  onMedia(listener: (e: MediaEvent) => void): () => void {
    return this.media.on(listener);
  }

  ready(): boolean {
    return true;
  }

  async close(): Promise<void> {
    for (const legId of [...this.#members.keys(), ...this.#lobby.keys()]) {
      await this.leave(legId).catch(() => {});
    }
  }
}

/** A member as room events and browsers show it. */
export function memberInfo(m: Member): RoomMemberInfo {
  return {
    memberId: m.legId,
    guardianId: m.guardianId,
    protocol: m.protocol,
    codec: m.codec,
    muted: m.muted,
    joinedAt: m.joinedAt,
    ...(m.displayName ? { displayName: m.displayName, guest: true } : {}),
  };
}

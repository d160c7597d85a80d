// Rooms: the meeting a leg joins, whatever its protocol. Signalling stacks call
// join/leave/update here and never the media engine directly, so a room's media
// exists exactly while it has members. (Issue 9 grows this into the rooms API.)

import type { Codec, PolicyStore } from "../guard/mod.ts";
import { roomPolicy } from "../guard/policy.ts";
import type {
  LegCodec,
  LegStats,
  LegUpdate,
  MediaEngine,
  MediaEvent,
  RemoteAddress,
} from "../media/engine/mod.ts";
import type { Direction } from "../media/sdp/mod.ts";
import type { Logger } from "../telemetry/mod.ts";

export type Protocol = "sip" | "h323" | "webrtc";
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
}

/** Membership changes, for whoever shows a room (WebRTC clients, later the dashboard). */
export type MemberChange =
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
}

const NARROWBAND: readonly Codec[] = ["PCMU", "PCMA", "G729"];

export class Rooms {
  readonly name = "rooms";
  #members = new Map<string, Member>();
  #rooms = new Map<string, Set<string>>();
  /** Serialises room creation so two first joiners do not both create it. */
  #creating = new Map<string, Promise<void>>();
  #changes = new Set<(change: MemberChange) => void>();

  constructor(
    private readonly media: MediaEngine,
    private readonly policies: PolicyStore,
    private readonly log: Logger,
  ) {}

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

  /** Adds a member: its media endpoint is open (on req.port) when this resolves. */
  async join(req: JoinRequest): Promise<Member> {
    await this.#ensureRoom(req.room);
    const { port } = await this.media.createLeg({
      legId: req.legId,
      roomId: req.room,
      port: req.port,
      host: req.host,
      codec: req.codec,
      remote: req.remote,
      direction: req.direction,
      ssrc: req.ssrc,
    });
    const member: Member = {
      legId: req.legId,
      room: req.room,
      guardianId: req.guardianId,
      protocol: req.protocol,
      codec: req.codec.codec,
      port,
      joinedAt: Date.now(),
      muted: false,
    };
    this.#members.set(req.legId, member);
    this.#rooms.get(req.room)?.add(req.legId);
    this.log.info("member joined", { room: req.room, legId: req.legId, protocol: req.protocol });
    this.#tell({ kind: "joined", member });
    return member;
  }

  async update(legId: string, update: LegUpdate): Promise<void> {
    const m = this.#members.get(legId);
    if (!m) return;
    await this.media.updateLeg(legId, update);
    if (update.muted !== undefined && update.muted !== m.muted) {
      m.muted = update.muted;
      this.#tell({ kind: "muted", member: m });
    }
  }

  async sendDtmf(legId: string, digits: string): Promise<void> {
    if (this.#members.has(legId)) await this.media.sendDtmf(legId, digits);
  }

  /** Removes a member; the room's media closes with its last member. */
  async leave(legId: string): Promise<void> {
    const m = this.#members.get(legId);
    if (!m) return;
    this.#members.delete(legId);
    await this.media.closeLeg(legId);
    const legs = this.#rooms.get(m.room);
    legs?.delete(legId);
    if (legs && legs.size === 0 && !this.#creating.has(m.room)) {
      this.#rooms.delete(m.room);
      await this.media.closeRoom(m.room);
    }
    this.log.info("member left", { room: m.room, legId });
    this.#tell({ kind: "left", member: m });
  }

  /** Membership changes in every room. */
  onChange(listener: (change: MemberChange) => void): () => void {
    this.#changes.add(listener);
    return () => this.#changes.delete(listener);
  }

  #tell(change: MemberChange): void {
    for (const listener of this.#changes) {
      try {
        listener(change);
      } catch (err) {
        this.log.error("member change listener failed", { err });
      }
    }
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
    for (const legId of [...this.#members.keys()]) await this.leave(legId).catch(() => {});
  }
}

// The messages between the main thread and a media worker. The main thread sends
// small commands; the worker answers each by id and pushes events. Nothing here
// carries media: RTP goes straight to the worker's sockets.

import type { Codec } from "../../guard/mod.ts";
import type { Direction, SrtpKeys } from "../sdp/mod.ts";
import type { LatchPolicy, SourceLockState } from "./source_lock.ts";

export type { LatchPolicy, SourceLockState };

export interface RemoteAddress {
  readonly address: string;
  readonly port: number;
}

/** What signalling agreed for one leg (a subset of the SDP agreement). */
export interface LegCodec {
  readonly codec: Codec;
  readonly payloadType: number;
  readonly fmtp?: string;
  readonly dtmfPayloadType?: number;
}

export interface RoomSpec {
  readonly roomId: string;
  /** 16000, or 48000 for rooms with wideband Opus members. */
  /** 8000 for narrowband-only rooms (G.711/G.729: no resampling), 16000, or 48000 for Opus. */
  readonly mixRate: 8000 | 16000 | 48000;
  /**
   * libopus encoder complexity (0-10) for the room's Opus mixes: most of a media
   * worker's CPU is Opus encoding, and 5 costs under half of 9 (docs/CODECS.md).
   */
  readonly opusComplexity?: number;
}

export interface LegSpec {
  readonly legId: string;
  readonly roomId: string;
  /** Local RTP port; 0 lets the worker pick one (it is reported back and kept on failover). */
  readonly port: number;
  readonly host: string;
  readonly codec: LegCodec;
  /**
   * The address signalling announced (SDP c=/m=, H.245 mediaChannel): media is taken
   * from its host only and always sent to it (source_lock.ts). None: nothing is
   * accepted or sent until signalling says, unless the latching policy allows.
   */
  readonly remote?: RemoteAddress;
  /** media.latching; the engine fills it in. */
  readonly latching?: LatchPolicy;
  /** The peer's locked source, carried to a rebuilt leg on failover. */
  readonly lock?: SourceLockState;
  readonly rtcpMux?: boolean;
  readonly direction?: Direction;
  readonly muted?: boolean;
  readonly deaf?: boolean;
  /**
   * SSRC of the leg's outbound stream; random when absent. A WebRTC leg names it,
   * because mediasoup must be told the SSRC of the mix it forwards to the browser.
   */
  readonly ssrc?: number;
  /** Silence on RTP and RTCP for this long ends the leg. */
  readonly inactivityMs?: number;
  /** SRTP keys (RFC 4568 SDES) when the leg is encrypted: RTP and RTCP both ways. */
  readonly srtp?: SrtpKeys;
}

export type LegUpdate = Partial<
  Pick<LegSpec, "remote" | "direction" | "muted" | "deaf" | "codec" | "srtp">
>;

export type Command =
  | { op: "room.create"; room: RoomSpec }
  | { op: "room.close"; roomId: string }
  | { op: "leg.create"; leg: LegSpec }
  | { op: "leg.update"; legId: string; update: LegUpdate }
  | { op: "leg.dtmf"; legId: string; digits: string }
  /**
   * Plays mono 16-bit PCM (at `rate` Hz, at most MAX_PLAY_SECONDS) to the leg instead
   * of its mix, from the next tick, replacing what was playing; empty stops it. The
   * worker resamples it to the room's mix rate, the leg's encoder to its codec's.
   * Answers the duration in ms. Not kept across a worker failover (a prompt is short).
   */
  | { op: "leg.play"; legId: string; pcm: Int16Array; rate: number }
  | { op: "leg.close"; legId: string }
  | { op: "stats" }
  | { op: "ping" }
  /** SCHED_RR for the worker's thread; answers null, or why it was refused. */
  | { op: "realtime"; priority: number };

export type Request = Command & { id: number };

/** The longest prompt leg.play takes. */
export const MAX_PLAY_SECONDS = 30;

export interface LegStats {
  legId: string;
  roomId: string;
  codec: Codec;
  port: number;
  /** Where the leg sends: the signalled address, or the latched peer under the policy. */
  remote?: RemoteAddress;
  /** The address signalling announced. */
  signalled?: RemoteAddress;
  /** The source the leg's RTP is locked on, once the peer's first packet came. */
  source?: RemoteAddress;
  /** Whether the lock was taken by the latching policy from another host. */
  latched: boolean;
  packetsIn: number;
  packetsOut: number;
  bytesIn: number;
  bytesOut: number;
  /** Cumulative packets lost inbound (RFC 3550 A.3). */
  lost: number;
  /** Inbound loss 0..1 over the call so far. */
  lossFraction: number;
  jitterMs: number;
  jitterBufferMs: number;
  concealed: number;
  late: number;
  malformed: number;
  wrongPayloadType: number;
  /** Datagrams (RTP and RTCP) dropped because they came from a source the leg does not take. */
  rejectedSource: number;
  /** Whether the leg runs SRTP. */
  srtp: boolean;
  /** SRTP/SRTCP packets refused: forged (authentication failed), replayed or plain. */
  srtpRefused: number;
  /** How many of them were RTCP (some phones send a plain RTCP keep-alive). */
  srtpRefusedRtcp: number;
  /** Why the last one was refused (RTP or RTCP, and libsrtp's reason). */
  srtpRefusedWhy?: string;
  rttMs?: number;
  /** What the peer reports of our stream. */
  remoteLossFraction?: number;
  remoteJitterMs?: number;
  mos: number;
  levelDbov: number;
  speaking: boolean;
  muted: boolean;
  deaf: boolean;
  /** Whether a prompt (leg.play) is playing to the leg now. */
  playing: boolean;
}

export interface WorkerStats {
  legs: LegStats[];
  rooms: number;
  /** Tick processing time, ms: last and worst since the previous stats call. */
  tickMs: number;
  tickMaxMs: number;
  /** Time spent in ticks (decode, mix, encode, send) since the worker started, ms. */
  tickTotalMs: number;
  /** Ticks that started later than 10 ms after their deadline. */
  lateTicks: number;
  /** Ticks dropped after a stall longer than the catch-up allows. */
  skippedTicks: number;
  /** CPU time the worker's thread has used (media work: sockets, codecs, mixing), ms. */
  cpuMs?: number;
}

export type WorkerEvent =
  | { ev: "ready" }
  | { ev: "leg.locked"; legId: string; lock: SourceLockState }
  /** Rate-limited (one per leg per 10 s): `count` rejected since the last one, `total` ever. */
  | { ev: "leg.rejected"; legId: string; from: RemoteAddress; count: number; total: number }
  | { ev: "leg.dead"; legId: string; reason: string }
  | { ev: "dtmf"; legId: string; digit: string }
  | { ev: "speaker"; roomId: string; legId: string | null };

export type Reply =
  | { id: number; ok: true; result?: unknown }
  | { id: number; ok: false; error: string };

export type WorkerMessage = Reply | WorkerEvent;

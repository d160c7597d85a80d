// The messages between the main thread and a media worker. The main thread sends
// small commands; the worker answers each by id and pushes events. Nothing here
// carries media: RTP goes straight to the worker's sockets.

import type { Codec } from "../../guard/mod.ts";
import type { Direction, SrtpKeys } from "../sdp/mod.ts";
import type { LatchPolicy, SourceLockState } from "./source_lock.ts";
import type { RecorderHead, RecorderSpec } from "./recorder.ts";

export type { LatchPolicy, RecorderHead, RecorderSpec, SourceLockState };

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
  /**
   * "agent": no UDP; the leg's media is binary frames on the worker's WebSocket
   * endpoint, reached with a ticket from agent.ticket (agent_endpoint.ts, docs/agent.md).
   * The codec is L16 or opus.
   */
  readonly transport?: "agent";
  /** SRTP keys (RFC 4568 SDES) when the leg is encrypted: RTP and RTCP both ways. */
  readonly srtp?: SrtpKeys;
  /**
   * Chain what the leg is sent (docs/provenance.md): every audio packet carries its
   * provenance element under header extension `extId`, checkpoints signed with `seed`.
   */
  readonly provenance?: {
    extId: number;
    streamId: Uint8Array;
    seed: Uint8Array;
    checkpointEvery: number;
  };
  /**
   * Verify what the leg receives against its sender's own chain, whose checkpoints
   * arrive apart from the frames (a browser's, over /ws: docs/provenance.md,
   * provenance/detached_verifier.ts). Kept so a rebuilt leg verifies again.
   */
  readonly verify?: VerifySpec;
  /**
   * Verify what the leg receives against the chain its sender carries in-band, in
   * header extension `extId` of every packet (a SIP or H.323 member that signs:
   * docs/provenance.md, provenance/inband_verifier.ts).
   */
  readonly verifyInband?: InbandSpec;
  /**
   * Chain what the leg is sent with no header extension, each checkpoint reported to
   * the main thread instead (a browser's mix: mediasoup forwards no extension, so its
   * checkpoints go over /ws). Kept so a rebuilt leg chains again (a new stream).
   */
  readonly chain?: ChainSpec;
}

/** A chain over what a leg is sent, its checkpoints reported as events. */
export interface ChainSpec {
  readonly streamId: Uint8Array;
  /** The media key's seed. */
  readonly seed: Uint8Array;
  readonly checkpointEvery: number;
}

/** A sender's chain carried in its own packets' header extension. */
export interface InbandSpec extends VerifySpec {
  readonly extId: number;
}

/** The chain a leg's inbound stream is verified against. */
export interface VerifySpec {
  readonly streamId: Uint8Array;
  /** The sender's Ed25519 public key (a guardian's registered key). */
  readonly publicKey: Uint8Array;
  readonly checkpointEvery: number;
}

/** A sender's checkpoint, carried apart from its frame, for the leg's verifier. */
export interface InboundCheckpoint {
  readonly streamId: Uint8Array;
  readonly index: number;
  /** RTP timestamp of the frame it covers. */
  readonly rtpTimestamp: number;
  readonly link: Uint8Array;
  readonly signature: Uint8Array;
}

/** What the main thread tells a leg about its inbound chain. */
export type ProvenanceAction =
  | { do: "verify"; spec: VerifySpec }
  | { do: "checkpoint"; checkpoint: InboundCheckpoint }
  /** Chain what the leg is sent (LegSpec.chain). */
  | { do: "chain"; spec: ChainSpec }
  /** Chain what the leg is sent in its packets' header extension (LegSpec.provenance). */
  | { do: "sign"; spec: NonNullable<LegSpec["provenance"]> }
  /** Verify what the leg receives against the chain in its packets (LegSpec.verifyInband). */
  | { do: "verifyInband"; spec: InbandSpec }
  /** The checkpoints' channel is down (a browser's socket): resynchronise after it. */
  | { do: "interrupt"; reason: string }
  | { do: "stop" };

/** A leg's inbound chain as verified so far (LegStats, provenance events). */
export interface InboundProvenance {
  streamId: string;
  state: "unverified" | "verified" | "broken";
  reason: string;
  frames: number;
  checkpoints: number;
  /** Stream index of the last frame a checkpoint proved (-1: none yet). */
  provenThrough: number;
  firstBad?: number;
}

/** The last checkpoint a chain signed: index, link (hex), signature (base64). */
export interface SignedCheckpoint {
  index: number;
  link: string;
  signature: string;
}

/** The head of the chain of what a leg is sent. */
export interface LegChainHead {
  streamId: string;
  frames: number;
  link: string;
  /** Its last checkpoint, for the health checks (absent before the first). */
  checkpoint?: SignedCheckpoint;
}

/** Chain heads in a worker (provenance.heads). */
export interface ProvenanceHeads {
  recordings: RecorderHead[];
  legs: ({ legId: string; roomId: string } & LegChainHead)[];
  /** Legs whose inbound stream is verified, as verified so far. */
  inbound: { legId: string; roomId: string; inbound: InboundProvenance }[];
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
  /** Closes a leg; `reason` goes into its chains' final heads (provenance.end). */
  | { op: "leg.close"; legId: string; reason?: string }
  /** Verifies what the leg receives against its sender's chain (LegSpec.verify). */
  | { op: "leg.provenance"; legId: string; action: ProvenanceAction }
  /** Records the room's full mix (media/engine/recorder.ts); answers nothing. */
  | { op: "recording.start"; roomId: string; recorder: RecorderSpec }
  /** Ends a recording; answers its RecorderHead. */
  | { op: "recording.stop"; recordingId: string }
  /**
   * A one-time ticket for an agent leg's next media connection (single use, valid
   * 10 s); answers an AgentTicket. A worker failover rebuilds the leg without its
   * socket: the agent asks for a new ticket, which names the new worker's URL.
   */
  | { op: "agent.ticket"; legId: string }
  /** Every live recording's and chained leg's chain head, for the witness's anchors. */
  | { op: "provenance.heads" }
  | { op: "stats" }
  | { op: "ping" }
  /** SCHED_RR for the worker's thread; answers null, or why it was refused. */
  | { op: "realtime"; priority: number };

export type Request = Command & { id: number };

/** Where and with what an agent connects its media (agent.ticket). */
export interface AgentTicket {
  /** ws://media.host:port/agent/media of the leg's worker; the ticket goes in `?ticket=`. */
  url: string;
  ticket: string;
  expiresInMs: number;
}

/** An agent leg's socket and frames (LegStats.agent). */
export interface AgentLegStats {
  connected: boolean;
  connections: number;
  framesIn: number;
  framesOut: number;
  /** Mix frames dropped because the agent did not read its socket. */
  dropped: number;
}

/** A worker's agent endpoint: tickets issued and refused, sockets closed and why. */
export interface AgentCounters {
  tickets: number;
  refusedTickets: number;
  connections: number;
  badFrames: number;
  floods: number;
  idle: number;
  slow: number;
  replaced: number;
}

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
  /** The chain of what the leg is sent, when it is chained: frames and last link (hex). */
  provenance?: { streamId: string; frames: number; link: string };
  /** What the leg receives, verified against its sender's chain (LegSpec.verify). */
  inbound?: InboundProvenance;
  /** An agent leg's socket (LegSpec.transport "agent"). */
  agent?: AgentLegStats;
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
  /** The worker's agent endpoint, once it has had an agent leg. */
  agents?: AgentCounters & { port: number };
}

export type WorkerEvent =
  | { ev: "ready" }
  | { ev: "leg.locked"; legId: string; lock: SourceLockState }
  /** Rate-limited (one per leg per 10 s): `count` rejected since the last one, `total` ever. */
  | { ev: "leg.rejected"; legId: string; from: RemoteAddress; count: number; total: number }
  | { ev: "leg.dead"; legId: string; reason: string }
  | { ev: "dtmf"; legId: string; digit: string }
  | { ev: "speaker"; roomId: string; legId: string | null }
  /**
   * A leg's inbound chain changed state (verified, unverified, broken). `at`: when
   * the evidence arrived at the worker (epoch ms): the frame's kernel arrival, or its
   * checkpoint's, whichever came later.
   */
  | {
    ev: "provenance.state";
    legId: string;
    roomId: string;
    streamId: string;
    state: "unverified" | "verified" | "broken";
    reason: string;
    index: number;
    at: number;
  }
  /** A checkpoint of what a leg is sent (LegSpec.chain): hex stream id and link, base64 signature. */
  | {
    ev: "provenance.checkpoint";
    legId: string;
    roomId: string;
    streamId: string;
    index: number;
    rtpTimestamp: number;
    link: string;
    signature: string;
  }
  /** More failures of a broken chain: at most one event per leg a second, `count` since the last. */
  | {
    ev: "provenance.bad";
    legId: string;
    roomId: string;
    streamId: string;
    index: number;
    reason: string;
    count: number;
    at: number;
  }
  /**
   * A leg with a chain closed (hung up, left, its room closed): the final head of
   * what it was sent and how far what it sent was verified, for the witness.
   */
  | {
    ev: "provenance.end";
    legId: string;
    roomId: string;
    reason: string;
    outbound?: LegChainHead;
    inbound?: InboundProvenance;
  }
  /** A recording ended without being asked: its room closed, or its file failed. */
  | { ev: "recording.ended"; head: RecorderHead; reason: string };

export type Reply =
  | { id: number; ok: true; result?: unknown }
  | { id: number; ok: false; error: string };

export type WorkerMessage = Reply | WorkerEvent;

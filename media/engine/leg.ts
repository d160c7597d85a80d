// One RTP endpoint in a room, inside a media worker: inbound packets are validated,
// checked against the signalled source (source_lock.ts), buffered and decoded to
// 20 ms frames at the room's mix rate; outbound payloads get this leg's own RTP
// header and go to the announced address; RTCP goes both ways.
// Sockets belong to the worker host; a leg only sees datagrams and a send function.

import type { Codec } from "../../guard/mod.ts";
import { CODEC_INFO } from "../codecs/catalog.ts";
import { CodecError, createDecoder, type FrameDecoder, pcmRateOf } from "../codecs/frame_codec.ts";
import { JitterBuffer } from "../jitterbuffer/mod.ts";
import {
  ntpTime,
  parseRtcp,
  ReceptionStats,
  type ReportBlock,
  roundTripMs,
  serializeReport,
} from "../rtcp/mod.ts";
import { dtmfPackets, DtmfReceiver, isRtcp, parseRtp, RtpError, serializeRtp } from "../rtp/mod.ts";
import { SpeexResampler, SrtpSession } from "../../native/mod.ts";
import type { SrtpKeys } from "../sdp/mod.ts";
import type {
  ChainSpec,
  InbandSpec,
  InboundProvenance,
  LegChainHead,
  LegSpec,
  LegStats,
  LegUpdate,
  ProvenanceAction,
  RemoteAddress,
  VerifySpec,
  WorkerEvent,
} from "./protocol.ts";
import { estimateMos } from "./quality.ts";
import { rtpStart } from "./rtp_clock.ts";
import { SourceLock, type SourceLockState } from "./source_lock.ts";
import { checkpointVerifier, StreamSigner } from "../../provenance/stream_signer.ts";
import { DetachedVerifier } from "../../provenance/detached_verifier.ts";
import { InbandVerifier } from "../../provenance/inband_verifier.ts";
import { decodeProvenance, serializeElements } from "../../provenance/rtp_ext.ts";
import { toBase64 } from "../../witness/base64.ts";
import { toHex } from "../../witness/hash.ts";

/** RFC 3389 comfort noise: accepted and treated as silence. */
const PT_CN = 13;
/** Datagrams from a rejected source are reported (one event, with a count) at most this often. */
const REJECT_REPORT_MS = 10_000;
/** RFC 3550 6.2 minimum report interval, randomised by 0.5-1.5. */
const RTCP_INTERVAL_MS = 5000;
const DEFAULT_INACTIVITY_MS = 30_000;
/** Failures of an already broken inbound chain are reported at most this often. */
const BAD_REPORT_MS = 1000;

/** A provenance event about this leg's inbound chain, without the leg and room. */
export type LegProvenanceEvent = DistributiveOmit<
  Extract<WorkerEvent, { ev: "provenance.state" | "provenance.bad" | "provenance.checkpoint" }>,
  "legId" | "roomId"
>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** What a leg's inbound verifier shows, detached (a browser's) or in-band (an RTP member's). */
interface InboundVerifier {
  readonly state: InboundProvenance["state"];
  readonly counts: { frames: number; checkpoints: number };
  readonly provenThrough: number;
  readonly firstBad: number | undefined;
}

/** Epoch ms of a time on this thread's performance.now() clock. */
const epoch = (perfMs: number) => performance.timeOrigin + perfMs;

export interface LegTransport {
  send(data: Uint8Array, to: RemoteAddress, rtcp: boolean): void;
}

export interface LegEvents {
  /** The leg locked on its peer's source (kept across failover). */
  locked(leg: Leg, lock: SourceLockState): void;
  /** Datagrams from other sources were dropped: `count` since the last report. */
  rejected(leg: Leg, from: RemoteAddress, count: number, total: number): void;
  dtmf(leg: Leg, digit: string): void;
  /** The leg's inbound chain changed state, or failed again (LegSpec.verify). */
  provenance?(leg: Leg, e: LegProvenanceEvent): void;
}

export class Leg {
  readonly id: string;
  readonly roomId: string;
  readonly mixRate: number;
  readonly ssrc: number;
  readonly cname: string;
  port: number;

  #spec: LegSpec;
  /** Chains what this leg is sent (LegSpec.provenance). */
  #signer: StreamSigner | undefined;
  /** Chains what this leg is sent, checkpoints reported as events (LegSpec.chain). */
  #chain: StreamSigner | undefined;
  /** Verifies what this leg receives against its sender's chain (LegSpec.verify, verifyInband). */
  #inbound: { streamId: string; v: InboundVerifier; reason: string } | undefined;
  /** The detached one (LegSpec.verify): frames here, checkpoints from the main thread. */
  #detached: DetachedVerifier | undefined;
  /** The in-band one (LegSpec.verifyInband): fed each audio packet with its extension. */
  #inband: InbandVerifier | undefined;
  #badCount = 0;
  #badReportAt = -Infinity;
  #decoder!: FrameDecoder;
  #jb!: JitterBuffer;
  #rx!: ReceptionStats;
  #inResampler?: SpeexResampler;
  #dtmf = new DtmfReceiver();
  readonly #source: SourceLock;
  // SRTP (RFC 3711) both ways when signalling agreed keys; after the source check,
  // before any parsing: a packet that does not authenticate is never looked at.
  #srtpIn?: SrtpSession;
  #srtpOut?: SrtpSession;
  #srtpRefused = 0;
  #srtpRefusedRtcp = 0;
  #srtpWhy?: string;
  #sourceSsrc?: number;
  #lastTs32 = 0;
  #extTs = 0;

  // Decoded PCM waiting to be played, at the decoder's rate.
  #fifo: Int16Array;
  #fifoLen = 0;
  #scratch: Int16Array;
  readonly #frame: Int16Array;
  #resampled: Int16Array;

  // Outbound RTP state.
  // From the wall clock and the leg id (rtp_clock.ts): a leg rebuilt after a failover
  // carries on ahead of what its predecessor sent.
  #seq: number;
  #ts: number;
  #sentLastTick = false;
  #dtmfQueue: ({ payload: Uint8Array; marker: boolean } | null)[] = [];
  #dtmfTs = 0;

  // Counters.
  #packetsIn = 0;
  #bytesIn = 0;
  #packetsOut = 0;
  #bytesOut = 0;
  #malformed = 0;
  #wrongPt = 0;
  #rejectedSource = 0;
  #rejectedReported = 0;
  #nextRejectReport = -Infinity;
  #rttMs?: number;
  #remoteReport?: ReportBlock;
  #lastHeard: number;
  #nextRtcp: number;
  #dead = false;
  levelDbov = -127;
  speaking = false;
  // A prompt (leg.play) at the mix rate, played instead of the mix until it ends.
  #prompt?: Int16Array;
  #promptAt = 0;
  #promptFrame: Int16Array;

  constructor(
    spec: LegSpec,
    mixRate: number,
    private readonly transport: LegTransport,
    private readonly events: LegEvents,
    nowMs: number,
  ) {
    this.id = spec.legId;
    this.roomId = spec.roomId;
    this.mixRate = mixRate;
    this.port = spec.port;
    this.ssrc = spec.ssrc ?? crypto.getRandomValues(new Uint32Array(1))[0];
    this.cname = `council-${spec.legId}@${spec.host}`;
    this.#spec = spec;
    ({ seq: this.#seq, ts: this.#ts } = rtpStart(
      spec.legId,
      CODEC_INFO[spec.codec.codec].clockRate,
    ));
    this.#source = new SourceLock(spec.remote, spec.latching ?? "off", nowMs, spec.lock);
    this.#frame = new Int16Array(mixRate / 50);
    this.#promptFrame = new Int16Array(mixRate / 50);
    this.#fifo = new Int16Array(0);
    this.#scratch = new Int16Array(0);
    this.#resampled = new Int16Array(0);
    this.#setCodec();
    this.#setSrtp(spec.srtp);
    if (spec.provenance) {
      const p = spec.provenance;
      this.#signer = new StreamSigner(p.streamId, p.seed, p.checkpointEvery);
    }
    if (spec.verify) this.#verify(spec.verify);
    if (spec.verifyInband) this.#verifyInband(spec.verifyInband, nowMs);
    if (spec.chain) this.#chainOut(spec.chain);
    this.#lastHeard = nowMs;
    this.#nextRtcp = nowMs + RTCP_INTERVAL_MS * (0.5 + Math.random());
  }

  get codec(): Codec {
    return this.#spec.codec.codec;
  }

  get fmtp(): string | undefined {
    return this.#spec.codec.fmtp;
  }

  get muted(): boolean {
    return this.#spec.muted ?? false;
  }

  get deaf(): boolean {
    return this.#spec.deaf ?? false;
  }

  /** Loss (0..1) the peer's RTCP reports for what we send it. */
  get remoteLoss(): number | undefined {
    return this.#remoteReport ? this.#remoteReport.fractionLost / 256 : undefined;
  }

  /** Where this leg sends: the announced address (or the latched peer, by policy). */
  get remote(): RemoteAddress | undefined {
    return this.#source.sendTo;
  }

  /** The spec as it stands now (with the source lock), to rebuild this leg elsewhere. */
  get spec(): LegSpec {
    return { ...this.#spec, port: this.port, lock: this.#source.state };
  }

  /** Whether signalling lets us send to the peer (not on hold). */
  get sending(): boolean {
    const d = this.#spec.direction ?? "sendrecv";
    return d === "sendrecv" || d === "sendonly";
  }

  get receiving(): boolean {
    const d = this.#spec.direction ?? "sendrecv";
    return d === "sendrecv" || d === "recvonly";
  }

  update(update: LegUpdate, nowMs = performance.now()): void {
    const codecChanged = update.codec &&
      (update.codec.codec !== this.codec || update.codec.fmtp !== this.fmtp);
    this.#spec = { ...this.#spec, ...update };
    if (update.remote) this.#source.signal(update.remote, nowMs);
    // A re-INVITE may re-key (RFC 4568 7.1.4): new keys, new contexts.
    if ("srtp" in update) this.#setSrtp(update.srtp);
    if (codecChanged) {
      this.#closeCodec();
      this.#setCodec();
    }
  }

  // --- inbound -------------------------------------------------------------

  onDatagram(data: Uint8Array, from: RemoteAddress, nowMs: number, rtcpSocket: boolean): void {
    if (rtcpSocket || (this.#spec.rtcpMux && isRtcp(data))) return this.#onRtcp(data, from, nowMs);
    // The source first: a stranger's datagrams cost one compare and are counted as such.
    if (!this.#source.admitsRtp(from, nowMs)) return this.#reject(from, nowMs);
    if (this.#srtpIn) {
      const plain = this.#srtpIn.unprotectRtp(data);
      if (!plain.ok) {
        this.#srtpRefused++;
        this.#srtpWhy = `RTP: ${plain.reason} (${data.length} bytes)`;
        return;
      }
      data = plain.packet;
    }
    let packet;
    try {
      packet = parseRtp(data);
    } catch (err) {
      if (!(err instanceof RtpError)) throw err;
      this.#malformed++;
      return;
    }
    const pt = packet.payloadType;
    const audio = pt === this.#spec.codec.payloadType;
    const dtmf = pt === this.#spec.codec.dtmfPayloadType;
    if (!audio && !dtmf && pt !== PT_CN) {
      this.#wrongPt++;
      return;
    }
    if (!this.#source.state) {
      // The first packet of the agreed stream: its socket is the peer's from now on.
      const lock = this.#source.lock(from, packet.ssrc);
      if (lock) this.events.locked(this, lock);
    }
    this.#lastHeard = nowMs;
    this.#packetsIn++;
    this.#bytesIn += data.length;

    if (this.#sourceSsrc !== packet.ssrc) {
      // A new source (or the first): start its numbering afresh.
      this.#sourceSsrc = packet.ssrc;
      this.#rx = new ReceptionStats(this.#decoder.clockRate);
      this.#jb.reset();
      this.#lastTs32 = packet.timestamp;
      this.#extTs = packet.timestamp;
    }
    const verdict = this.#rx.seq.update(packet.sequenceNumber);
    if (verdict === "restart-pending") return;
    if (verdict === "restarted") this.#jb.reset();
    this.#rx.onRtp(packet.timestamp, nowMs);
    // Unwrap the 32-bit timestamp relative to the last one seen.
    this.#extTs += (packet.timestamp - this.#lastTs32) | 0;
    this.#lastTs32 = packet.timestamp;

    if (dtmf) {
      const digit = this.#dtmf.onPacket(packet.timestamp, packet.payload);
      if (digit) this.events.dtmf(this, digit);
      return;
    }
    if (!audio || !this.receiving) return;
    let duration: number;
    try {
      duration = this.#decoder.duration(packet.payload);
    } catch (err) {
      if (!(err instanceof CodecError)) throw err;
      this.#malformed++;
      return;
    }
    // The payload is a view into the datagram, which the socket may reuse.
    const payload = packet.payload.slice();
    if (this.#inband) {
      this.#arrival = nowMs;
      this.#inband.packet(packet.sequenceNumber, packet.timestamp, payload, packet.extension);
    } else this.#detached?.frame(packet.timestamp, duration, payload, epoch(nowMs));
    this.#jb.push({ ts: this.#extTs, duration, payload, marker: packet.marker }, nowMs);
  }

  /** Counts a datagram from a source this leg does not take; reported at most every 10 s. */
  #reject(from: RemoteAddress, nowMs: number): void {
    this.#rejectedSource++;
    if (nowMs < this.#nextRejectReport) return;
    this.#nextRejectReport = nowMs + REJECT_REPORT_MS;
    const count = this.#rejectedSource - this.#rejectedReported;
    this.#rejectedReported = this.#rejectedSource;
    const source = { address: from.address, port: from.port };
    this.events.rejected(this, source, count, this.#rejectedSource);
  }

  #onRtcp(data: Uint8Array, from: RemoteAddress, nowMs: number): void {
    // RTCP is trusted from the peer's host only, on the port its first report came from.
    if (!this.#source.admitsRtcp(from)) return this.#reject(from, nowMs);
    if (this.#srtpIn) {
      const plain = this.#srtpIn.unprotectRtcp(data);
      if (!plain.ok) {
        this.#srtpRefused++;
        this.#srtpRefusedRtcp++;
        this.#srtpWhy = `RTCP: ${plain.reason} (${data.length} bytes)`;
        return;
      }
      data = plain.packet;
    }
    let packets;
    try {
      packets = parseRtcp(data);
    } catch {
      this.#malformed++;
      return;
    }
    this.#lastHeard = nowMs;
    for (const p of packets) {
      if (p.type === "sr" && this.#rx) this.#rx.onSenderReport(p.sender, nowMs);
      if (p.type === "sr" || p.type === "rr") {
        const mine = p.reports.find((r) => r.ssrc === this.ssrc);
        if (mine) {
          this.#remoteReport = mine;
          const rtt = roundTripMs(mine, Date.now());
          if (rtt !== undefined) this.#rttMs = rtt;
        }
      }
    }
  }

  /** 20 ms of the peer's audio at the mix rate, or null when there is none to play. */
  pull(nowMs: number): Int16Array | null {
    const pcmRate = this.#decoder.pcmRate;
    const need = pcmRate / 50;
    while (this.#fifoLen < need) {
      const p = this.#jb.next(nowMs);
      if (p.kind === "wait") break;
      const room = this.#fifo.length - this.#fifoLen;
      if (p.kind === "play") {
        const n = this.#decoder.decode(p.packet.payload, this.#scratch);
        this.#append(this.#scratch.subarray(0, Math.min(n, room)));
      } else {
        const samples = Math.min(room, Math.round(p.duration * pcmRate / this.#decoder.clockRate));
        const out = this.#scratch.subarray(0, samples);
        this.#decoder.conceal(out, p.next?.payload);
        this.#append(out);
      }
    }
    if (this.#fifoLen === 0) return null;
    const frame = this.#fifo.subarray(0, need);
    if (this.#fifoLen < need) frame.fill(0, this.#fifoLen);
    let out: Int16Array;
    if (this.#inResampler) {
      const n = this.#inResampler.process(frame, this.#resampled);
      this.#frame.set(this.#resampled.subarray(0, Math.min(n, this.#frame.length)));
      if (n < this.#frame.length) this.#frame.fill(0, n);
      out = this.#frame;
    } else {
      this.#frame.set(frame);
      out = this.#frame;
    }
    const used = Math.min(need, this.#fifoLen);
    this.#fifo.copyWithin(0, used, this.#fifoLen);
    this.#fifoLen -= used;
    return out;
  }

  #append(pcm: Int16Array): void {
    this.#fifo.set(pcm, this.#fifoLen);
    this.#fifoLen += pcm.length;
  }

  // --- outbound ------------------------------------------------------------

  /** Plays `pcm` (at the mix rate) to this leg instead of its mix; empty stops. */
  play(pcm: Int16Array): void {
    this.#prompt = pcm.length ? pcm : undefined;
    this.#promptAt = 0;
  }

  get playing(): boolean {
    return this.#prompt !== undefined;
  }

  /** The prompt's next 20 ms (the last one padded with silence), or null when none plays. */
  promptFrame(): Int16Array | null {
    const prompt = this.#prompt;
    if (!prompt) return null;
    const frame = this.#promptFrame;
    const n = Math.min(frame.length, prompt.length - this.#promptAt);
    frame.set(prompt.subarray(this.#promptAt, this.#promptAt + n));
    frame.fill(0, n);
    this.#promptAt += n;
    if (this.#promptAt >= prompt.length) this.#prompt = undefined;
    return frame;
  }

  /** Sends one 20 ms payload (or nothing, for DTX) and advances the RTP clock. */
  sendFrame(payload: Uint8Array | null): void {
    const step = CODEC_INFO[this.codec].clockRate / 50;
    if (this.#dtmfQueue.length) {
      // Audio pauses while digits play (RFC 4733 2.5.1.1); a null entry is the gap between digits.
      const d = this.#dtmfQueue.shift()!;
      if (d) {
        if (d.marker) this.#dtmfTs = this.#ts;
        this.#emit(this.#spec.codec.dtmfPayloadType!, d.marker, this.#dtmfTs, d.payload);
      }
      this.#sentLastTick = false;
    } else if (payload && payload.length && this.sending) {
      // The chain covers the audio frames as sent (before SRTP), with their timestamps.
      const ext = this.#signer
        ? serializeElements([{
          id: this.#spec.provenance!.extId,
          data: this.#signer.next(this.#ts, payload),
        }])
        : undefined;
      this.#emit(this.#spec.codec.payloadType, !this.#sentLastTick, this.#ts, payload, ext);
      if (this.#chain) this.#chainFrame(this.#chain, payload);
      this.#sentLastTick = true;
    } else {
      this.#sentLastTick = false;
    }
    this.#ts = (this.#ts + step) >>> 0;
  }

  /**
   * Advances the RTP clock over frames that were never sent (ticks lost to a stall),
   * so the peer's jitter buffer sees the time that passed; the next packet starts a
   * talk spurt (marker), on which receivers resynchronise.
   */
  skipFrames(frames: number): void {
    this.#ts = (this.#ts + (CODEC_INFO[this.codec].clockRate / 50) * frames) >>> 0;
    this.#sentLastTick = false;
  }

  /** Queues RFC 4733 events for the digits: 100 ms each, 60 ms apart. */
  sendDtmf(digits: string): void {
    const pt = this.#spec.codec.dtmfPayloadType;
    if (pt === undefined) throw new Error("the peer did not agree to telephone-event");
    const step = CODEC_INFO[this.codec].clockRate / 50;
    // Build every digit's train first, so a bad digit queues nothing.
    const trains = [...digits].map((digit) => dtmfPackets(digit, step * 5, step));
    for (const train of trains) this.#dtmfQueue.push(...train, null, null, null);
  }

  // --- inbound provenance ---------------------------------------------------

  /** What the main thread says about the chain of what this leg receives. */
  provenance(action: ProvenanceAction, nowMs = performance.now()): void {
    switch (action.do) {
      case "verify":
        this.#spec = { ...this.#spec, verify: action.spec };
        return this.#verify(action.spec);
      case "checkpoint":
        return this.#detached?.checkpoint(action.checkpoint, epoch(nowMs));
      case "interrupt":
        return this.#detached?.interrupt(action.reason, epoch(nowMs));
      case "stop":
        this.#spec = { ...this.#spec, verify: undefined, verifyInband: undefined };
        this.#inbound = undefined;
        this.#inband = undefined;
        this.#detached = undefined;
        return;
      case "chain":
        this.#spec = { ...this.#spec, chain: action.spec };
        return this.#chainOut(action.spec);
      case "sign":
        this.#spec = { ...this.#spec, provenance: action.spec };
        this.#signer = new StreamSigner(
          action.spec.streamId,
          action.spec.seed,
          action.spec.checkpointEvery,
        );
        return;
      case "verifyInband":
        this.#spec = { ...this.#spec, verifyInband: action.spec };
        return this.#verifyInband(action.spec, nowMs);
    }
  }

  #chainOut(spec: ChainSpec): void {
    this.#chain = new StreamSigner(spec.streamId, spec.seed, spec.checkpointEvery);
  }

  /** Links a frame sent; at a checkpoint, reports it (it travels apart from the frame). */
  #chainFrame(chain: StreamSigner, payload: Uint8Array): void {
    const element = decodeProvenance(chain.next(this.#ts, payload));
    const cp = element.checkpoint;
    if (!cp) return;
    this.events.provenance?.(this, {
      ev: "provenance.checkpoint",
      streamId: toHex(chain.streamId),
      index: cp.index,
      rtpTimestamp: this.#ts,
      link: toHex(cp.link),
      signature: toBase64(cp.signature),
    });
  }

  #verify(spec: VerifySpec): void {
    const check = checkpointVerifier(spec.publicKey);
    this.#watch(spec.streamId, (report) =>
      this.#detached = new DetachedVerifier({
        streamId: spec.streamId,
        publicKey: spec.publicKey,
        checkpointEvery: spec.checkpointEvery,
        verify: (sid, cp) => check(sid, cp),
        onChange: (c) => report.change(c, c.at),
        onBad: (index, reason, at) => report.bad(index, reason, at),
      }));
  }

  /** When the packet being verified in-band arrived (its evidence's time). */
  #arrival = 0;

  #verifyInband(spec: InbandSpec, nowMs: number): void {
    this.#arrival = nowMs;
    this.#watch(spec.streamId, (report) => {
      this.#inband = new InbandVerifier({
        ...spec,
        onChange: (c) => report.change(c, epoch(this.#arrival)),
        onBad: (index, reason) => report.bad(index, reason, epoch(this.#arrival)),
      });
      return this.#inband.verifier;
    });
  }

  /**
   * Verifies the leg's inbound stream with the verifier `make` builds, reporting its
   * changes and (throttled) its further failures as provenance events.
   */
  #watch(
    streamIdBytes: Uint8Array,
    make: (report: {
      change(
        c: { state: InboundProvenance["state"]; reason: string; index: number },
        at: number,
      ): void;
      bad(index: number, reason: string, at: number): void;
    }) => InboundVerifier,
  ): InboundVerifier {
    const streamId = toHex(streamIdBytes);
    this.#inband = undefined;
    this.#detached = undefined;
    const inbound: { streamId: string; v: InboundVerifier; reason: string } = {
      streamId,
      reason: "no checkpoint yet",
      v: undefined as unknown as InboundVerifier,
    };
    inbound.v = make({
      change: (c, at) => {
        if (this.#inbound !== inbound) return;
        inbound.reason = c.reason;
        this.events.provenance?.(this, {
          ev: "provenance.state",
          streamId,
          state: c.state,
          reason: c.reason,
          index: c.index,
          at,
        });
      },
      bad: (index, reason, at) => {
        if (this.#inbound !== inbound || inbound.v.state !== "broken") return;
        // The failure that broke it was reported as the change; later ones, throttled.
        this.#badCount++;
        const now = performance.now();
        if (now - this.#badReportAt < BAD_REPORT_MS) return;
        this.#badReportAt = now;
        const count = this.#badCount;
        this.#badCount = 0;
        this.events.provenance?.(this, {
          ev: "provenance.bad",
          streamId,
          index,
          reason,
          count,
          at,
        });
      },
    });
    this.#inbound = inbound;
    this.#badCount = 0;
    this.#badReportAt = -Infinity;
    return inbound.v;
  }

  /** Whether what this leg receives is verified against its sender's chain. */
  get verifying(): boolean {
    return this.#inbound !== undefined;
  }

  /** The inbound chain as verified so far. */
  inboundProvenance(): InboundProvenance | undefined {
    const i = this.#inbound;
    if (!i) return undefined;
    return {
      streamId: i.streamId,
      state: i.v.state,
      reason: i.reason,
      frames: i.v.counts.frames,
      checkpoints: i.v.counts.checkpoints,
      provenThrough: i.v.provenThrough,
      ...(i.v.firstBad !== undefined ? { firstBad: i.v.firstBad } : {}),
    };
  }

  /** The chain of what this leg was sent, when it is chained, with its last checkpoint. */
  provenanceHead(): LegChainHead | undefined {
    const signer = this.#signer ?? this.#chain;
    if (!signer) return undefined;
    const cp = signer.lastCheckpoint;
    return {
      streamId: toHex(signer.streamId),
      frames: signer.index + 1,
      link: toHex(signer.link),
      ...(cp
        ? {
          checkpoint: { index: cp.index, link: toHex(cp.link), signature: toBase64(cp.signature) },
        }
        : {}),
    };
  }

  #headForStats(): { streamId: string; frames: number; link: string } {
    const { streamId, frames, link } = this.provenanceHead()!;
    return { streamId, frames, link };
  }

  #emit(
    pt: number,
    marker: boolean,
    ts: number,
    payload: Uint8Array,
    extension?: { profile: number; data: Uint8Array },
  ): void {
    const to = this.#source.sendTo;
    if (!to) return;
    const data = serializeRtp({
      marker,
      payloadType: pt,
      sequenceNumber: this.#seq,
      timestamp: ts,
      ssrc: this.ssrc,
      payload,
      ...(extension ? { extension } : {}),
    });
    this.#seq = (this.#seq + 1) & 0xffff;
    this.#packetsOut++;
    this.#bytesOut += payload.length;
    this.transport.send(this.#srtpOut ? this.#srtpOut.protectRtp(data) : data, to, false);
  }

  // --- housekeeping --------------------------------------------------------

  /** RTCP reports on schedule; returns a reason when the leg has gone silent for too long. */
  housekeep(nowMs: number): string | undefined {
    if (nowMs >= this.#nextRtcp) {
      this.#nextRtcp = nowMs + RTCP_INTERVAL_MS * (0.5 + Math.random());
      this.#sendReport(nowMs, false);
    }
    const limit = this.#spec.inactivityMs ?? DEFAULT_INACTIVITY_MS;
    if (!this.#dead && nowMs - this.#lastHeard > limit) {
      this.#dead = true;
      return `no RTP or RTCP for ${Math.round((nowMs - this.#lastHeard) / 1000)} s`;
    }
    return undefined;
  }

  #sendReport(nowMs: number, bye: boolean): void {
    const to = this.#rtcpTarget();
    if (!to) return;
    const ntp = ntpTime(Date.now());
    const reports = this.#sourceSsrc !== undefined
      ? [this.#rx.reportBlock(this.#sourceSsrc, nowMs)]
      : [];
    const data = serializeReport({
      ssrc: this.ssrc,
      cname: this.cname,
      reports,
      bye,
      sender: this.#packetsOut
        ? {
          ntpSec: ntp.sec,
          ntpFrac: ntp.frac,
          rtpTimestamp: this.#ts,
          packetCount: this.#packetsOut,
          octetCount: this.#bytesOut,
        }
        : undefined,
    });
    this.transport.send(
      this.#srtpOut ? this.#srtpOut.protectRtcp(data) : data,
      to,
      !this.#spec.rtcpMux,
    );
  }

  #rtcpTarget(): RemoteAddress | undefined {
    return this.#source.rtcpTo(this.#spec.rtcpMux ?? false);
  }

  stats(): LegStats {
    const jb = this.#jb.stats();
    const loss = this.#rx?.cumulativeLossFraction ?? 0;
    const remoteLoss = this.#remoteReport ? this.#remoteReport.fractionLost / 256 : undefined;
    const delay = jb.targetMs + 20 + (this.#rttMs ?? 0) / 2;
    return {
      legId: this.id,
      roomId: this.roomId,
      codec: this.codec,
      port: this.port,
      remote: this.#source.sendTo,
      signalled: this.#source.signalled,
      source: this.#source.state
        ? { address: this.#source.state.address, port: this.#source.state.port }
        : undefined,
      latched: this.#source.state?.latched ?? false,
      packetsIn: this.#packetsIn,
      packetsOut: this.#packetsOut,
      bytesIn: this.#bytesIn,
      bytesOut: this.#bytesOut,
      lost: this.#rx ? Math.max(0, this.#rx.seq.lost) : 0,
      lossFraction: loss,
      jitterMs: this.#rx?.jitterMs ?? 0,
      jitterBufferMs: jb.targetMs,
      concealed: jb.concealed,
      late: jb.late,
      malformed: this.#malformed,
      wrongPayloadType: this.#wrongPt,
      rejectedSource: this.#rejectedSource,
      srtp: this.#srtpIn !== undefined,
      srtpRefused: this.#srtpRefused,
      srtpRefusedRtcp: this.#srtpRefusedRtcp,
      ...(this.#srtpWhy ? { srtpRefusedWhy: this.#srtpWhy } : {}),
      rttMs: this.#rttMs,
      remoteLossFraction: remoteLoss,
      remoteJitterMs: this.#remoteReport
        ? this.#remoteReport.jitter * 1000 / CODEC_INFO[this.codec].clockRate
        : undefined,
      mos: estimateMos(this.codec, Math.max(loss, remoteLoss ?? 0), delay),
      levelDbov: this.levelDbov,
      speaking: this.speaking,
      muted: this.muted,
      deaf: this.deaf,
      playing: this.playing,
      ...(this.#signer || this.#chain ? { provenance: this.#headForStats() } : {}),
      ...(this.#inbound ? { inbound: this.inboundProvenance()! } : {}),
    };
  }

  close(): void {
    this.#sendReport(performance.now(), true);
    this.#closeCodec();
    this.#setSrtp(undefined);
  }

  #setSrtp(keys: SrtpKeys | undefined): void {
    this.#srtpIn?.close();
    this.#srtpOut?.close();
    this.#srtpIn = keys ? new SrtpSession(keys.inbound, keys.suite, "inbound") : undefined;
    this.#srtpOut = keys ? new SrtpSession(keys.outbound, keys.suite, "outbound") : undefined;
  }

  #setCodec(): void {
    const codec = this.#spec.codec.codec;
    this.#decoder = createDecoder({ codec, mixRate: this.mixRate, fmtp: this.#spec.codec.fmtp });
    const pcmRate = pcmRateOf(codec, this.mixRate);
    this.#jb = new JitterBuffer({
      clockRate: this.#decoder.clockRate,
      frameDuration: this.#decoder.clockRate / 50,
    });
    this.#rx = new ReceptionStats(this.#decoder.clockRate);
    this.#sourceSsrc = undefined;
    // Room for the longest packet (120 ms) plus a frame, at the decoder's rate.
    this.#scratch = new Int16Array(pcmRate * 0.12 + pcmRate / 50);
    this.#fifo = new Int16Array(this.#scratch.length * 2);
    this.#fifoLen = 0;
    if (pcmRate !== this.mixRate) {
      this.#inResampler = new SpeexResampler(pcmRate, this.mixRate);
      this.#resampled = new Int16Array(this.mixRate / 50 + 32);
    } else this.#inResampler = undefined;
  }

  #closeCodec(): void {
    this.#decoder.close();
    this.#inResampler?.close();
  }
}

// One interface over every codec, as the media pipeline uses them: a decoder turns an
// RTP payload into PCM at its own rate (and conceals losses), an encoder turns 20 ms
// of PCM into one payload. Payloads are validated before any native call, so a
// malformed packet costs a length check and a CodecError, never a crash.

import type { Codec } from "../../guard/mod.ts";
import {
  Concealer,
  G722Decoder,
  G722Encoder,
  G729_FRAME_BYTES,
  G729_FRAME_SAMPLES,
  G729_SID_BYTES,
  G729Decoder,
  G729Encoder,
  OpusDecoder,
  OpusEncoder,
} from "../../native/mod.ts";
import { CODEC_INFO } from "./catalog.ts";
import { g711Decode, g711Encode, type G711Law } from "./g711.ts";

/** Longest payload Council accepts, in ms (Opus's maximum packet, RFC 6716 3.2.5). */
export const MAX_PACKET_MS = 120;
/** Every encoder takes this much PCM per call. */
export const FRAME_MS = 20;

export class CodecError extends Error {
  override name = "CodecError";
}

export interface FrameDecoder {
  readonly codec: Codec;
  /** Rate of the PCM decode() writes. */
  readonly pcmRate: number;
  /** RTP timestamp units per second. */
  readonly clockRate: number;
  /** Timestamp units a payload covers; throws CodecError for one that cannot be decoded. */
  duration(payload: Uint8Array): number;
  /** Decodes into `out` (at least duration's worth of samples); returns samples written. */
  decode(payload: Uint8Array, out: Int16Array): number;
  /** Invents `out.length` samples for a loss; `next` is the following payload (FEC). */
  conceal(out: Int16Array, next?: Uint8Array): void;
  close(): void;
}

export interface FrameEncoder {
  readonly codec: Codec;
  readonly pcmRate: number;
  readonly clockRate: number;
  /** Encodes 20 ms of PCM at pcmRate; returns payload bytes (0: nothing to send, DTX). */
  encode(pcm: Int16Array, out: Uint8Array): number;
  /** The loss (percent) receivers of this stream report; codecs with FEC adapt to it. */
  setExpectedLoss?(percent: number): void;
  close(): void;
}

export interface CodecParams {
  readonly codec: Codec;
  /** The room's mix rate; Opus codes at it directly. */
  readonly mixRate: number;
  /** fmtp as agreed in SDP (annexb, useinbandfec, usedtx...). */
  readonly fmtp?: string;
  /** Opus encoder complexity (0-10). */
  readonly opusComplexity?: number;
}

/** PCM rate the codec's coder runs at in a room mixing at `mixRate`. */
export function pcmRateOf(codec: Codec, mixRate: number): number {
  return CODEC_INFO[codec].pcmRate ?? mixRate;
}

function fmtpFlag(fmtp: string | undefined, key: string): string | undefined {
  for (const part of (fmtp ?? "").split(";")) {
    const [k, v] = part.split("=");
    if (k?.trim().toLowerCase() === key) return v?.trim().toLowerCase();
  }
  return undefined;
}

function checkLength(ok: boolean, codec: Codec, length: number): void {
  if (!ok) throw new CodecError(`${codec} payload of ${length} bytes is not a valid frame`);
}

/**
 * Decoders of one clock unit per payload unit (`bytesPerUnit` bytes) whose losses
 * spandsp's PLC conceals: G.711, G.722 and L16.
 */
abstract class PlcDecoder implements FrameDecoder {
  abstract readonly codec: Codec;
  abstract readonly pcmRate: number;
  abstract readonly clockRate: number;
  protected readonly plc = new Concealer();
  constructor(private readonly bytesPerUnit: number) {}
  duration(payload: Uint8Array): number {
    const n = payload.length;
    checkLength(
      n > 0 && n % this.bytesPerUnit === 0 &&
        n <= (this.clockRate / 1000) * this.bytesPerUnit * MAX_PACKET_MS,
      this.codec,
      n,
    );
    return n / this.bytesPerUnit;
  }
  /** Decodes into `out` without concealment; returns samples written. */
  protected abstract samples(payload: Uint8Array, out: Int16Array): number;
  decode(payload: Uint8Array, out: Int16Array): number {
    const n = this.samples(payload, out);
    this.plc.rx(out.subarray(0, n));
    return n;
  }
  conceal(out: Int16Array): void {
    this.plc.fillIn(out);
  }
  close(): void {
    this.plc.close();
  }
}

// --- G.711 -----------------------------------------------------------------

class G711FrameDecoder extends PlcDecoder {
  readonly pcmRate = 8000;
  readonly clockRate = 8000;
  readonly #law: G711Law;
  constructor(readonly codec: "PCMU" | "PCMA") {
    super(1);
    this.#law = codec === "PCMU" ? "ulaw" : "alaw";
  }
  protected samples(payload: Uint8Array, out: Int16Array): number {
    g711Decode(this.#law, payload, out.subarray(0, payload.length));
    return payload.length;
  }
}

class G711FrameEncoder implements FrameEncoder {
  readonly pcmRate = 8000;
  readonly clockRate = 8000;
  readonly #law: G711Law;
  constructor(readonly codec: "PCMU" | "PCMA") {
    this.#law = codec === "PCMU" ? "ulaw" : "alaw";
  }
  encode(pcm: Int16Array, out: Uint8Array): number {
    g711Encode(this.#law, pcm, out.subarray(0, pcm.length));
    return pcm.length;
  }
  close(): void {}
}

// --- G.722 -----------------------------------------------------------------

class G722FrameDecoder extends PlcDecoder {
  readonly codec = "G722";
  readonly pcmRate = 16000;
  // One byte per two 16 kHz samples = one 8 kHz clock tick.
  readonly clockRate = 8000;
  readonly #dec = new G722Decoder();
  constructor() {
    super(1);
  }
  protected samples(payload: Uint8Array, out: Int16Array): number {
    return this.#dec.decode(payload, out);
  }
  override close(): void {
    this.#dec.close();
    super.close();
  }
}

class G722FrameEncoder implements FrameEncoder {
  readonly codec = "G722";
  readonly pcmRate = 16000;
  readonly clockRate = 8000;
  readonly #enc = new G722Encoder();
  encode(pcm: Int16Array, out: Uint8Array): number {
    return this.#enc.encode(pcm, out);
  }
  close(): void {
    this.#enc.close();
  }
}

// --- G.729 -----------------------------------------------------------------

class G729FrameDecoder implements FrameDecoder {
  readonly codec = "G729";
  readonly pcmRate = 8000;
  readonly clockRate = 8000;
  readonly #dec = new G729Decoder();
  #sawSid = false;
  duration(payload: Uint8Array): number {
    // RFC 3551 4.5.6: whole 10-byte frames, optionally ending in one 2-byte SID frame.
    const frames = Math.floor(payload.length / G729_FRAME_BYTES);
    const rest = payload.length % G729_FRAME_BYTES;
    checkLength(
      (rest === 0 || rest === G729_SID_BYTES) && payload.length > 0 &&
        frames + (rest ? 1 : 0) <= MAX_PACKET_MS / 10,
      "G729",
      payload.length,
    );
    return (frames + (rest ? 1 : 0)) * G729_FRAME_SAMPLES;
  }
  decode(payload: Uint8Array, out: Int16Array): number {
    let written = 0;
    for (let at = 0; at < payload.length;) {
      const size = payload.length - at >= G729_FRAME_BYTES ? G729_FRAME_BYTES : G729_SID_BYTES;
      this.#dec.decodeFrame(
        payload.subarray(at, at + size),
        out.subarray(written, written + G729_FRAME_SAMPLES),
      );
      if (size === G729_SID_BYTES) this.#sawSid = true;
      else this.#sawSid = false;
      at += size;
      written += G729_FRAME_SAMPLES;
    }
    return written;
  }
  conceal(out: Int16Array): void {
    for (let at = 0; at + G729_FRAME_SAMPLES <= out.length; at += G729_FRAME_SAMPLES) {
      const frame = out.subarray(at, at + G729_FRAME_SAMPLES);
      // After a SID the sender is in DTX: missing frames are comfort noise, not loss.
      if (this.#sawSid) this.#dec.comfortNoiseFrame(frame);
      else this.#dec.concealFrame(frame);
    }
  }
  close(): void {
    this.#dec.close();
  }
}

class G729FrameEncoder implements FrameEncoder {
  readonly codec = "G729";
  readonly pcmRate = 8000;
  readonly clockRate = 8000;
  readonly #enc: G729Encoder;
  constructor(annexB: boolean) {
    this.#enc = new G729Encoder(annexB);
  }
  encode(pcm: Int16Array, out: Uint8Array): number {
    let bytes = 0;
    for (let at = 0; at < pcm.length; at += G729_FRAME_SAMPLES) {
      const n = this.#enc.encodeFrame(
        pcm.subarray(at, at + G729_FRAME_SAMPLES),
        out.subarray(bytes),
      );
      bytes += n;
      // A SID frame ends a packet (RFC 3551 4.5.6); the rest of this one is silence.
      if (n === G729_SID_BYTES) break;
    }
    return bytes;
  }
  close(): void {
    this.#enc.close();
  }
}

// --- L16 -------------------------------------------------------------------

/** Big-endian (network order, RFC 3551 4.5.11) 16-bit samples to PCM, and back. */
export function l16ToPcm(payload: Uint8Array, out: Int16Array): number {
  const n = payload.length >> 1;
  for (let i = 0; i < n; i++) {
    const v = (payload[2 * i] << 8) | payload[2 * i + 1];
    out[i] = v > 32767 ? v - 65536 : v;
  }
  return n;
}

export function pcmToL16(pcm: Int16Array, out: Uint8Array): number {
  for (let i = 0; i < pcm.length; i++) {
    const v = pcm[i];
    out[2 * i] = (v >> 8) & 0xff;
    out[2 * i + 1] = v & 0xff;
  }
  return pcm.length * 2;
}

class L16FrameDecoder extends PlcDecoder {
  readonly codec = "L16";
  readonly pcmRate = 16000;
  readonly clockRate = 16000;
  constructor() {
    super(2);
  }
  protected samples(payload: Uint8Array, out: Int16Array): number {
    return l16ToPcm(payload, out);
  }
}

class L16FrameEncoder implements FrameEncoder {
  readonly codec = "L16";
  readonly pcmRate = 16000;
  readonly clockRate = 16000;
  encode(pcm: Int16Array, out: Uint8Array): number {
    return pcmToL16(pcm, out);
  }
  close(): void {}
}

// --- Opus ------------------------------------------------------------------

class OpusFrameDecoder implements FrameDecoder {
  readonly codec = "opus";
  readonly clockRate = 48000;
  readonly #dec: OpusDecoder;
  constructor(readonly pcmRate: number) {
    this.#dec = new OpusDecoder(pcmRate);
  }
  duration(payload: Uint8Array): number {
    checkLength(payload.length > 0 && payload.length <= 1275 * 3, "opus", payload.length);
    let samples: number;
    try {
      samples = this.#dec.samplesIn(payload);
    } catch (err) {
      throw new CodecError(`opus payload rejected: ${(err as Error).message}`);
    }
    checkLength(
      samples > 0 && samples * 1000 <= this.pcmRate * MAX_PACKET_MS,
      "opus",
      payload.length,
    );
    return samples * 48000 / this.pcmRate;
  }
  decode(payload: Uint8Array, out: Int16Array): number {
    return this.#dec.decode(payload, out);
  }
  conceal(out: Int16Array, next?: Uint8Array): void {
    this.#dec.conceal(out, next);
  }
  close(): void {
    this.#dec.close();
  }
}

/**
 * What Council sends Opus at: 32 kb/s, WebRTC's customary rate for voice, or less when
 * the receiver's fmtp says `maxaveragebitrate` (RFC 7587 section 6.1; 6-510 kb/s).
 * libopus's own default at 16 kHz is about 19 kb/s, too little for a mix of several
 * voices: SILK then drops the quieter talkers from one frame in ten (measured on the
 * production test's eleven-voice mix: 90.8 % of frames carry everyone at 19 kb/s, 100 %
 * from 24 kb/s up).
 */
export function opusBitrate(fmtp: string | undefined): number {
  const asked = Number(fmtpFlag(fmtp, "maxaveragebitrate"));
  return Number.isInteger(asked) && asked >= 6000 && asked <= 510000
    ? Math.min(OPUS_MIX_BITRATE, asked)
    : OPUS_MIX_BITRATE;
}
const OPUS_MIX_BITRATE = 32000;

class OpusFrameEncoder implements FrameEncoder {
  readonly codec = "opus";
  readonly clockRate = 48000;
  readonly #enc: OpusEncoder;
  readonly #dtx: boolean;
  readonly #fecAllowed: boolean;
  #lossPercent = -1;
  constructor(readonly pcmRate: number, fmtp: string | undefined, complexity: number) {
    this.#dtx = fmtpFlag(fmtp, "usedtx") === "1";
    // RFC 7587 section 6.1: useinbandfec=1 says the receiver can use FEC.
    this.#fecAllowed = fmtpFlag(fmtp, "useinbandfec") === "1";
    // FEC costs ~40% more encoder CPU, so it starts off and follows reported loss.
    this.#enc = new OpusEncoder({
      sampleRate: pcmRate,
      complexity,
      fec: false,
      dtx: this.#dtx,
      bitrate: opusBitrate(fmtp),
    });
  }
  encode(pcm: Int16Array, out: Uint8Array): number {
    const n = this.#enc.encode(pcm, out);
    // In DTX, libopus emits 1-2 byte frames for silence; RFC 7587 lets us skip them.
    return this.#dtx && n <= 2 ? 0 : n;
  }
  setExpectedLoss(percent: number): void {
    const p = Math.min(25, Math.round(percent));
    if (!this.#fecAllowed || p === this.#lossPercent) return;
    this.#lossPercent = p;
    this.#enc.setFec(p >= 1, p);
  }
  close(): void {
    this.#enc.close();
  }
}

export function createDecoder(params: CodecParams): FrameDecoder {
  switch (params.codec) {
    case "PCMU":
    case "PCMA":
      return new G711FrameDecoder(params.codec);
    case "G722":
      return new G722FrameDecoder();
    case "G729":
      return new G729FrameDecoder();
    case "opus":
      return new OpusFrameDecoder(params.mixRate);
    case "L16":
      return new L16FrameDecoder();
  }
}

export function createEncoder(params: CodecParams): FrameEncoder {
  switch (params.codec) {
    case "PCMU":
    case "PCMA":
      return new G711FrameEncoder(params.codec);
    case "G722":
      return new G722FrameEncoder();
    case "G729":
      // Annex B is on unless the agreed fmtp says annexb=no (RFC 3555 section 4.1.9).
      return new G729FrameEncoder(fmtpFlag(params.fmtp, "annexb") !== "no");
    case "opus":
      return new OpusFrameEncoder(params.mixRate, params.fmtp, params.opusComplexity ?? 9);
    case "L16":
      return new L16FrameEncoder();
  }
}

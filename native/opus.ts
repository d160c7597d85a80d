// Opus (RFC 6716) through Debian's libopus. The variadic *_ctl calls go through
// native/council_native.c (built by scripts/setup), since Deno FFI cannot call them.

import { lazyLibrary, NativeHandle } from "./_library.ts";
import { shim } from "./_shim.ts";

const opus = lazyLibrary(
  {
    purpose: "Opus (libopus)",
    files: ["libopus.so.0", "libopus.so"],
    provider: "the Debian package libopus0",
  },
  {
    opus_encoder_create: { parameters: ["i32", "i32", "i32", "buffer"], result: "pointer" },
    opus_encoder_destroy: { parameters: ["pointer"], result: "void" },
    opus_encode: { parameters: ["pointer", "buffer", "i32", "buffer", "i32"], result: "i32" },
    opus_decoder_create: { parameters: ["i32", "i32", "buffer"], result: "pointer" },
    opus_decoder_destroy: { parameters: ["pointer"], result: "void" },
    opus_decode: {
      parameters: ["pointer", "buffer", "i32", "buffer", "i32", "i32"],
      result: "i32",
    },
    opus_packet_get_nb_samples: { parameters: ["buffer", "i32", "i32"], result: "i32" },
    opus_strerror: { parameters: ["i32"], result: "pointer" },
  } as const,
);

// Request numbers from opus_defines.h.
const SET_BITRATE = 4002;
const SET_COMPLEXITY = 4010;
const SET_INBAND_FEC = 4012;
const SET_PACKET_LOSS_PERC = 4014;
const SET_DTX = 4016;
const SET_SIGNAL = 4024;
const GET_LOOKAHEAD = 4027;
const APPLICATION_VOIP = 2048;
const SIGNAL_VOICE = 3001;

export const OPUS_RATES = [8000, 12000, 16000, 24000, 48000] as const;
/** Largest packet libopus produces for one frame (RFC 6716 section 3.4 bounds it at 1275). */
export const OPUS_MAX_PACKET = 1275;

export class OpusError extends Error {
  constructor(what: string, code: number) {
    const text = Deno.UnsafePointerView.getCString(opus().opus_strerror(code)!);
    super(`${what}: ${text} (${code})`);
    this.name = "OpusError";
  }
}

export function loadOpus(): void {
  opus();
  shim();
}

function checkRate(rate: number): void {
  if (!(OPUS_RATES as readonly number[]).includes(rate)) {
    throw new RangeError(`Opus runs at ${OPUS_RATES.join("/")} Hz, not ${rate}`);
  }
}

export interface OpusEncoderOptions {
  /** Sample rate of the PCM given to encode(). */
  readonly sampleRate: number;
  readonly bitrate?: number;
  /** 0-10; 9 is libopus's quality default, lower is cheaper. */
  readonly complexity?: number;
  /** In-band FEC (LBRR) for the loss the receiver reports. */
  readonly fec?: boolean;
  readonly expectedLossPercent?: number;
  readonly dtx?: boolean;
}

export class OpusEncoder {
  readonly #h: NativeHandle;
  readonly sampleRate: number;

  constructor(options: OpusEncoderOptions) {
    checkRate(options.sampleRate);
    this.sampleRate = options.sampleRate;
    const err = new Int32Array(1);
    const ptr = opus().opus_encoder_create(options.sampleRate, 1, APPLICATION_VOIP, err);
    // libopus returns NULL with the reason in err when creation fails.
    if (err[0] !== 0) throw new OpusError("opus_encoder_create", err[0]);
    this.#h = new NativeHandle(ptr, "opus_encoder_create", (p) => opus().opus_encoder_destroy(p));
    this.#set(SET_SIGNAL, SIGNAL_VOICE);
    if (options.bitrate !== undefined) this.#set(SET_BITRATE, options.bitrate);
    if (options.complexity !== undefined) this.#set(SET_COMPLEXITY, options.complexity);
    this.setFec(options.fec ?? true, options.expectedLossPercent ?? 5);
    if (options.dtx) this.#set(SET_DTX, 1);
  }

  /** Turns in-band FEC on or off and tells the encoder the loss it should cover. */
  setFec(on: boolean, expectedLossPercent: number): void {
    this.#set(SET_INBAND_FEC, on ? 1 : 0);
    this.#set(SET_PACKET_LOSS_PERC, Math.max(0, Math.min(100, Math.round(expectedLossPercent))));
  }

  /** Algorithmic delay in samples at the encoder's rate. */
  lookahead(): number {
    const v = new Int32Array(1);
    const rc = shim().council_opus_encoder_get(this.#h.live, GET_LOOKAHEAD, v);
    if (rc !== 0) throw new OpusError("OPUS_GET_LOOKAHEAD", rc);
    return v[0];
  }

  /** Encodes one frame (2.5-60 ms of mono PCM); returns the packet length in `out`. */
  encode(pcm: Int16Array, out: Uint8Array): number {
    const n = opus().opus_encode(this.#h.live, pcm, pcm.length, out, out.length);
    if (n < 0) throw new OpusError("opus_encode", n);
    return n;
  }

  close(): void {
    this.#h.close();
  }

  #set(request: number, value: number): void {
    const rc = shim().council_opus_encoder_set(this.#h.live, request, value);
    if (rc !== 0) throw new OpusError(`opus_encoder_ctl(${request}, ${value})`, rc);
  }
}

export class OpusDecoder {
  readonly #h: NativeHandle;
  readonly sampleRate: number;

  constructor(sampleRate: number) {
    checkRate(sampleRate);
    this.sampleRate = sampleRate;
    const err = new Int32Array(1);
    const ptr = opus().opus_decoder_create(sampleRate, 1, err);
    if (err[0] !== 0) throw new OpusError("opus_decoder_create", err[0]);
    this.#h = new NativeHandle(ptr, "opus_decoder_create", (p) => opus().opus_decoder_destroy(p));
  }

  /** Samples (at this decoder's rate) a packet holds, or throws for a malformed one. */
  samplesIn(packet: Uint8Array): number {
    const n = opus().opus_packet_get_nb_samples(packet, packet.length, this.sampleRate);
    if (n < 0) throw new OpusError("opus_packet_get_nb_samples", n);
    return n;
  }

  /** Decodes a packet into `out` (sized for the packet); returns samples written. */
  decode(packet: Uint8Array, out: Int16Array): number {
    const n = opus().opus_decode(this.#h.live, packet, packet.length, out, out.length, 0);
    if (n < 0) throw new OpusError("opus_decode", n);
    return n;
  }

  /**
   * Conceals `out.length` lost samples: from the in-band FEC of `next` (the packet
   * after the loss) when given, else by libopus's packet loss concealment.
   */
  conceal(out: Int16Array, next?: Uint8Array): number {
    const n = next
      ? opus().opus_decode(this.#h.live, next, next.length, out, out.length, 1)
      : opus().opus_decode(this.#h.live, null, 0, out, out.length, 0);
    if (n < 0) throw new OpusError("opus_decode (concealment)", n);
    return n;
  }

  close(): void {
    this.#h.close();
  }
}

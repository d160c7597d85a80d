// The N-1 mix of one room for one 20 ms tick.
//
// Only members who are talking (voice activity above a threshold, with hangover) and
// not muted contribute. Everyone who does not contribute hears the same total, so
// listeners of one codec share one resample + encode: in a room of 12 with two
// talkers, G.711 listeners cost one encode, not ten. A contributor hears the total
// minus itself, encoded on its own chain. Sums are 32-bit and saturate to 16 bits.

import { createEncoder, type FrameEncoder, pcmRateOf } from "../codecs/frame_codec.ts";
import { SpeexResampler } from "../../native/mod.ts";
import type { Leg } from "./leg.ts";

/** Voice activity threshold (dBov) and how long talk lasts after the last loud frame. */
const VAD_THRESHOLD_DBOV = -45;
const VAD_HANGOVER_TICKS = 15;
const MAX_PAYLOAD = 4000;
const LOSS_REVIEW_TICKS = 50;

/** Resample (if needed) and encode one stream of 20 ms mixes. */
class OutputChain {
  readonly #encoder: FrameEncoder;
  readonly #resampler?: SpeexResampler;
  readonly #pcm: Int16Array;
  readonly #payload = new Uint8Array(MAX_PAYLOAD);
  /** The tick this chain last encoded in. */
  encodedTick = -1;
  #length = 0;
  #maxLoss = 0;
  #encodes = 0;

  constructor(leg: Leg, mixRate: number, complexity: number) {
    const pcmRate = pcmRateOf(leg.codec, mixRate);
    this.#encoder = createEncoder({
      codec: leg.codec,
      mixRate,
      fmtp: leg.fmtp,
      opusComplexity: complexity,
    });
    this.#pcm = new Int16Array(pcmRate / 50);
    if (pcmRate !== mixRate) this.#resampler = new SpeexResampler(mixRate, pcmRate);
  }

  /** Notes the loss one listener of this chain reports (0..1). */
  noteLoss(loss: number | undefined): void {
    if (loss !== undefined && loss > this.#maxLoss) this.#maxLoss = loss;
  }

  /** Encodes `mix` once per tick; later calls in the same tick reuse the payload. */
  encode(mix: Int16Array, tick: number): Uint8Array {
    if (this.encodedTick !== tick) {
      this.encodedTick = tick;
      // Once a second, FEC follows the worst loss its listeners report.
      if (++this.#encodes % LOSS_REVIEW_TICKS === 0) {
        this.#encoder.setExpectedLoss?.(this.#maxLoss * 100);
        this.#maxLoss = 0;
      }
      let pcm = mix;
      if (this.#resampler) {
        const n = this.#resampler.process(mix, this.#pcm);
        if (n < this.#pcm.length) this.#pcm.fill(0, n);
        pcm = this.#pcm;
      }
      this.#length = this.#encoder.encode(pcm, this.#payload);
    }
    return this.#payload.subarray(0, this.#length);
  }

  close(): void {
    this.#encoder.close();
    this.#resampler?.close();
  }
}

interface MemberState {
  hangover: number;
  own?: OutputChain;
}

export interface MixResult {
  /** Members whose audio is in the mix this tick. */
  readonly contributors: number;
  /** Encodes run this tick (shared and own). */
  readonly encodes: number;
}

export class Mixer {
  readonly #frame: number;
  readonly #total: Int32Array;
  readonly #out: Int16Array;
  readonly #silence: Int16Array;
  readonly #sharedMix: Int16Array;
  readonly #members = new Map<Leg, MemberState>();
  readonly #shared = new Map<string, OutputChain>();
  readonly #contributing: boolean[] = [];
  #tick = 0;
  #lastMix: Int16Array;

  constructor(readonly mixRate: number, readonly opusComplexity = 9) {
    this.#frame = mixRate / 50;
    this.#total = new Int32Array(this.#frame);
    this.#out = new Int16Array(this.#frame);
    this.#silence = new Int16Array(this.#frame);
    this.#sharedMix = new Int16Array(this.#frame);
    this.#lastMix = this.#silence;
  }

  /** The last tick's full mix: everyone talking, as a listener outside the room hears it. */
  get lastMix(): Int16Array {
    return this.#lastMix;
  }

  remove(leg: Leg): void {
    this.#members.get(leg)?.own?.close();
    this.#members.delete(leg);
  }

  /**
   * Drops a leg's own encoder after its codec changed. Shared chains are keyed by
   * codec and fmtp, so the leg simply joins the right one; other legs' chains are
   * left alone.
   */
  resetLeg(leg: Leg): void {
    const state = this.#members.get(leg);
    state?.own?.close();
    if (state) state.own = undefined;
  }

  /** Mixes `frames` (one per leg, null when silent) and sends every leg its mix. */
  mix(legs: readonly Leg[], frames: readonly (Int16Array | null)[]): MixResult {
    const tick = ++this.#tick;
    const total = this.#total;
    total.fill(0);
    let contributors = 0;
    const contributing = this.#contributing;
    contributing.length = legs.length;
    for (let i = 0; i < legs.length; i++) {
      const leg = legs[i];
      const frame = frames[i];
      const state = this.#state(leg);
      leg.levelDbov = frame ? levelDbov(frame) : -127;
      if (leg.levelDbov > VAD_THRESHOLD_DBOV) state.hangover = VAD_HANGOVER_TICKS;
      else if (state.hangover > 0) state.hangover--;
      // A talker whose frame is missing for a tick (an underrun its jitter buffer could
      // not conceal) stays a talker, adding silence: moving it to the shared mix would
      // feed its decoder a frame from another encoder, one that has just been coding
      // the talker's own voice (Opus and G.729 carry that state across frames).
      leg.speaking = state.hangover > 0;
      contributing[i] = leg.speaking && !leg.muted;
      if (contributing[i]) {
        contributors++;
        if (frame) { for (let s = 0; s < frame.length; s++) total[s] += frame[s]; }
      }
    }
    // What every non-contributor hears; own mixes are built in #out afterwards.
    const shared = contributors ? saturate(total, this.#sharedMix) : this.#silence;
    this.#lastMix = shared;
    let encodes = 0;
    for (let i = 0; i < legs.length; i++) {
      const leg = legs[i];
      if (!leg.sending) {
        leg.sendFrame(null);
        continue;
      }
      let payload: Uint8Array;
      const prompt = leg.promptFrame();
      if (prompt) {
        // A prompt (a PIN lobby's voice) replaces the mix, on the leg's own chain.
        const state = this.#members.get(leg)!;
        state.own ??= new OutputChain(leg, this.mixRate, this.opusComplexity);
        payload = state.own.encode(prompt, tick);
        encodes++;
      } else if (contributing[i] && !leg.deaf) {
        const own = frames[i] ?? this.#silence;
        for (let s = 0; s < own.length; s++) total[s] -= own[s];
        const mix = saturate(total, this.#out);
        for (let s = 0; s < own.length; s++) total[s] += own[s];
        const state = this.#members.get(leg)!;
        state.own ??= new OutputChain(leg, this.mixRate, this.opusComplexity);
        state.own.noteLoss(leg.remoteLoss);
        payload = state.own.encode(mix, tick);
        encodes++;
      } else {
        const key = `${leg.codec}|${leg.fmtp ?? ""}|${leg.deaf ? "deaf" : "all"}`;
        let chain = this.#shared.get(key);
        if (!chain) {
          this.#shared.set(key, chain = new OutputChain(leg, this.mixRate, this.opusComplexity));
        }
        chain.noteLoss(leg.remoteLoss);
        payload = chain.encode(leg.deaf ? this.#silence : shared, tick);
      }
      leg.sendFrame(payload);
    }
    for (const chain of this.#shared.values()) if (chain.encodedTick === tick) encodes++;
    return { contributors, encodes };
  }

  close(): void {
    for (const state of this.#members.values()) state.own?.close();
    for (const chain of this.#shared.values()) chain.close();
    this.#members.clear();
    this.#shared.clear();
  }

  #state(leg: Leg): MemberState {
    let s = this.#members.get(leg);
    if (!s) this.#members.set(leg, s = { hangover: 0 });
    return s;
  }
}

/** Clamps 32-bit sums into 16-bit PCM. */
export function saturate(sum: Int32Array, out: Int16Array): Int16Array {
  for (let i = 0; i < sum.length; i++) {
    const v = sum[i];
    out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
  }
  return out;
}

/** RMS level of a frame in dB below full scale (-127 for digital silence). */
export function levelDbov(frame: Int16Array): number {
  let sum = 0;
  for (let i = 0; i < frame.length; i++) sum += frame[i] * frame[i];
  if (sum === 0) return -127;
  return Math.max(-127, 10 * Math.log10(sum / frame.length / (32768 * 32768)));
}

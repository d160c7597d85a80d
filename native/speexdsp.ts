// Sample-rate conversion through Debian's libspeexdsp (the Speex resampler).

import { lazyLibrary, NativeHandle } from "./_library.ts";

const speex = lazyLibrary(
  {
    purpose: "resampling (speexdsp)",
    files: ["libspeexdsp.so.1", "libspeexdsp.so"],
    provider: "the Debian package libspeexdsp1",
  },
  {
    speex_resampler_init: { parameters: ["u32", "u32", "u32", "i32", "buffer"], result: "pointer" },
    speex_resampler_destroy: { parameters: ["pointer"], result: "void" },
    speex_resampler_process_int: {
      parameters: ["pointer", "u32", "buffer", "buffer", "buffer", "buffer"],
      result: "i32",
    },
    speex_resampler_get_input_latency: { parameters: ["pointer"], result: "i32" },
  } as const,
);

export function loadSpeexdsp(): void {
  speex();
}

/** Speex's own quality scale: 0 (cheapest) to 10; 3 is its VoIP setting. */
export const VOIP_QUALITY = 3;

/** A mono resampler with its filter history, so consecutive frames join seamlessly. */
export class SpeexResampler {
  readonly #h: NativeHandle;
  readonly #inLen = new Uint32Array(1);
  readonly #outLen = new Uint32Array(1);

  constructor(readonly inRate: number, readonly outRate: number, quality = VOIP_QUALITY) {
    const err = new Int32Array(1);
    const ptr = speex().speex_resampler_init(1, inRate, outRate, quality, err);
    if (err[0] !== 0) {
      throw new RangeError(`speex_resampler_init(${inRate}, ${outRate}) failed: ${err[0]}`);
    }
    this.#h = new NativeHandle(
      ptr,
      "speex_resampler_init",
      (p) => speex().speex_resampler_destroy(p),
    );
  }

  /** Input latency in input samples. */
  latency(): number {
    return speex().speex_resampler_get_input_latency(this.#h.live);
  }

  /** Converts all of `input` into `out`; returns the samples written. */
  process(input: Int16Array, out: Int16Array): number {
    this.#inLen[0] = input.length;
    this.#outLen[0] = out.length;
    const rc = speex().speex_resampler_process_int(
      this.#h.live,
      0,
      input,
      this.#inLen,
      out,
      this.#outLen,
    );
    if (rc !== 0) throw new Error(`speex_resampler_process_int failed: ${rc}`);
    return this.#outLen[0];
  }

  close(): void {
    this.#h.close();
  }
}

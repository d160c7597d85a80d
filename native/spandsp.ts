// G.722 (64 kbit/s) and generic packet loss concealment through Debian's libspandsp.

import { lazyLibrary, NativeHandle } from "./_library.ts";

const spandsp = lazyLibrary(
  {
    purpose: "G.722 and concealment (spandsp)",
    files: ["libspandsp.so.2", "libspandsp.so"],
    provider: "the Debian package libspandsp2",
  },
  {
    g722_encode_init: { parameters: ["pointer", "i32", "i32"], result: "pointer" },
    g722_encode_free: { parameters: ["pointer"], result: "i32" },
    g722_encode: { parameters: ["pointer", "buffer", "buffer", "i32"], result: "i32" },
    g722_decode_init: { parameters: ["pointer", "i32", "i32"], result: "pointer" },
    g722_decode_free: { parameters: ["pointer"], result: "i32" },
    g722_decode: { parameters: ["pointer", "buffer", "buffer", "i32"], result: "i32" },
    plc_init: { parameters: ["pointer"], result: "pointer" },
    plc_free: { parameters: ["pointer"], result: "i32" },
    plc_rx: { parameters: ["pointer", "buffer", "i32"], result: "i32" },
    plc_fillin: { parameters: ["pointer", "buffer", "i32"], result: "i32" },
  } as const,
);

export function loadSpandsp(): void {
  spandsp();
}

const G722_RATE = 64000;

/** G.722 encoder: 16 kHz PCM in, one byte per two samples out. */
export class G722Encoder {
  readonly #h = new NativeHandle(
    spandsp().g722_encode_init(null, G722_RATE, 0),
    "g722_encode_init",
    (p) => spandsp().g722_encode_free(p),
  );

  encode(pcm: Int16Array, out: Uint8Array): number {
    if (out.length < pcm.length >> 1) throw new RangeError("G.722 output too small");
    return spandsp().g722_encode(this.#h.live, out, pcm, pcm.length);
  }

  close(): void {
    this.#h.close();
  }
}

/** G.722 decoder: one byte in, two 16 kHz samples out. */
export class G722Decoder {
  readonly #h = new NativeHandle(
    spandsp().g722_decode_init(null, G722_RATE, 0),
    "g722_decode_init",
    (p) => spandsp().g722_decode_free(p),
  );

  decode(data: Uint8Array, out: Int16Array): number {
    if (out.length < data.length * 2) throw new RangeError("G.722 output too small");
    return spandsp().g722_decode(this.#h.live, out, data, data.length);
  }

  close(): void {
    this.#h.close();
  }
}

/**
 * spandsp's codec-independent concealment (pitch-period repetition with fading),
 * for codecs without their own: G.711 and G.722. Every good frame passes through
 * rx() so the history is there when fillIn() must invent one.
 */
export class Concealer {
  readonly #h = new NativeHandle(
    spandsp().plc_init(null),
    "plc_init",
    (p) => spandsp().plc_free(p),
  );

  rx(pcm: Int16Array): void {
    spandsp().plc_rx(this.#h.live, pcm, pcm.length);
  }

  fillIn(out: Int16Array): void {
    spandsp().plc_fillin(this.#h.live, out, out.length);
  }

  close(): void {
    this.#h.close();
  }
}

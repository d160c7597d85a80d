// G.729 Annex A (with Annex B VAD/DTX/CNG) through Debian's libbcg729.
// One frame is 10 ms: 80 samples at 8 kHz <-> 10 bytes (2 bytes for a SID frame).

import { lazyLibrary, NativeHandle } from "./_library.ts";

const symbols = lazyLibrary(
  {
    purpose: "G.729 (bcg729)",
    files: ["libbcg729.so.0", "libbcg729.so"],
    provider: "the Debian package libbcg729-0",
  },
  {
    initBcg729EncoderChannel: { parameters: ["u8"], result: "pointer" },
    closeBcg729EncoderChannel: { parameters: ["pointer"], result: "void" },
    bcg729Encoder: { parameters: ["pointer", "buffer", "buffer", "buffer"], result: "void" },
    initBcg729DecoderChannel: { parameters: [], result: "pointer" },
    closeBcg729DecoderChannel: { parameters: ["pointer"], result: "void" },
    bcg729Decoder: {
      parameters: ["pointer", "buffer", "u8", "u8", "u8", "u8", "buffer"],
      result: "void",
    },
  } as const,
);

export const G729_FRAME_SAMPLES = 80;
export const G729_FRAME_BYTES = 10;
export const G729_SID_BYTES = 2;

/** Loads libbcg729 now, so a missing library fails at startup rather than mid-call. */
export function loadBcg729(): void {
  symbols();
}

export class G729Encoder {
  readonly #h: NativeHandle;
  readonly #len = new Uint8Array(1);

  /** `vad` turns on Annex B: silent frames become 2-byte SID frames or nothing. */
  constructor(readonly vad = false) {
    this.#h = new NativeHandle(
      symbols().initBcg729EncoderChannel(vad ? 1 : 0),
      "initBcg729EncoderChannel",
      (p) => symbols().closeBcg729EncoderChannel(p),
    );
  }

  /** Encodes one 10 ms frame (80 samples) into `out`; returns 10, 2 (SID) or 0 (no transmission). */
  encodeFrame(pcm: Int16Array, out: Uint8Array): number {
    if (pcm.length !== G729_FRAME_SAMPLES) throw new RangeError("G.729 frames are 80 samples");
    if (out.length < G729_FRAME_BYTES) throw new RangeError("G.729 output needs 10 bytes");
    symbols().bcg729Encoder(this.#h.live, pcm, out, this.#len);
    return this.#len[0];
  }

  close(): void {
    this.#h.close();
  }
}

export class G729Decoder {
  readonly #h = new NativeHandle(
    symbols().initBcg729DecoderChannel(),
    "initBcg729DecoderChannel",
    (p) => symbols().closeBcg729DecoderChannel(p),
  );
  readonly #empty = new Uint8Array(G729_FRAME_BYTES);

  /** Decodes one 10-byte frame or one 2-byte SID frame into 80 samples. */
  decodeFrame(frame: Uint8Array, out: Int16Array): void {
    if (out.length !== G729_FRAME_SAMPLES) throw new RangeError("G.729 frames are 80 samples");
    const sid = frame.length === G729_SID_BYTES;
    if (!sid && frame.length !== G729_FRAME_BYTES) {
      throw new RangeError(`G.729 frame of ${frame.length} bytes (want 10 or 2)`);
    }
    symbols().bcg729Decoder(this.#h.live, frame, frame.length, 0, sid ? 1 : 0, 0, out);
  }

  /** Conceals one lost 10 ms frame with the codec's own erasure concealment. */
  concealFrame(out: Int16Array): void {
    if (out.length !== G729_FRAME_SAMPLES) throw new RangeError("G.729 frames are 80 samples");
    symbols().bcg729Decoder(this.#h.live, this.#empty, 0, 1, 0, 0, out);
  }

  /** Fills an untransmitted frame during Annex B DTX with comfort noise from the last SID. */
  comfortNoiseFrame(out: Int16Array): void {
    if (out.length !== G729_FRAME_SAMPLES) throw new RangeError("G.729 frames are 80 samples");
    symbols().bcg729Decoder(this.#h.live, this.#empty, 0, 0, 1, 0, out);
  }

  close(): void {
    this.#h.close();
  }
}

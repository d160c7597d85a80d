// WAV files for recordings: 16-bit mono PCM, written as it comes (the sizes patched
// at the end), and read back with the chunks a recording carries (RIFF, EBU Tech
// 3306-style unknown chunks are skipped by players). Reading is bounded: a file
// that is not what it says is refused with the reason.

export const RECORDING_RATE = 16_000;
/** 20 ms at 16 kHz. */
export const FRAME_SAMPLES = 320;
export const FRAME_BYTES = FRAME_SAMPLES * 2;
/** The chunk id of a recording's provenance (JSON). */
export const PROVENANCE_CHUNK = "cprv";
/** A provenance chunk bigger than this is refused (a day of audio needs ~20 MB). */
export const MAX_PROVENANCE_BYTES = 64 * 1024 * 1024;

const enc = new TextEncoder();

/** The 44-byte header of a PCM WAV whose data chunk holds `dataBytes`. */
export function wavHeader(dataBytes: number, rate = RECORDING_RATE, extraBytes = 0): Uint8Array {
  const h = new Uint8Array(44);
  const v = new DataView(h.buffer);
  h.set(enc.encode("RIFF"), 0);
  v.setUint32(4, 36 + dataBytes + extraBytes, true);
  h.set(enc.encode("WAVEfmt "), 8);
  v.setUint32(16, 16, true);
  v.setUint16(20, 1, true); // PCM
  v.setUint16(22, 1, true); // mono
  v.setUint32(24, rate, true);
  v.setUint32(28, rate * 2, true);
  v.setUint16(32, 2, true);
  v.setUint16(34, 16, true);
  h.set(enc.encode("data"), 36);
  v.setUint32(40, dataBytes, true);
  return h;
}

/** A RIFF chunk: id, little-endian size, body, a pad byte to even length. */
export function riffChunk(id: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + body.length + (body.length % 2));
  out.set(enc.encode(id), 0);
  new DataView(out.buffer).setUint32(4, body.length, true);
  out.set(body, 8);
  return out;
}

export class WavError extends Error {
  override name = "WavError";
}

export interface ParsedWav {
  rate: number;
  /** The PCM bytes (a view into the file). */
  data: Uint8Array;
  /** Other chunks by id (first of each). */
  chunks: Map<string, Uint8Array>;
}

export function parseWav(file: Uint8Array): ParsedWav {
  const v = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const id = (at: number) => String.fromCharCode(...file.subarray(at, at + 4));
  if (file.length < 12 || id(0) !== "RIFF" || id(8) !== "WAVE") {
    throw new WavError("not a WAV file (no RIFF/WAVE header)");
  }
  const chunks = new Map<string, Uint8Array>();
  let rate: number | undefined;
  let data: Uint8Array | undefined;
  let at = 12;
  for (let n = 0; at + 8 <= file.length; n++) {
    if (n > 64) throw new WavError("more than 64 chunks");
    const name = id(at);
    const size = v.getUint32(at + 4, true);
    const body = file.subarray(at + 8, at + 8 + size);
    if (body.length !== size) throw new WavError(`chunk '${name}' runs past the end of the file`);
    if (name === "fmt ") {
      if (size < 16) throw new WavError("fmt chunk too short");
      const bv = new DataView(body.buffer, body.byteOffset, body.byteLength);
      if (
        bv.getUint16(0, true) !== 1 || bv.getUint16(2, true) !== 1 || bv.getUint16(14, true) !== 16
      ) {
        throw new WavError("not 16-bit mono PCM");
      }
      rate = bv.getUint32(4, true);
    } else if (name === "data") {
      data ??= body;
    } else if (!chunks.has(name)) chunks.set(name, body);
    at += 8 + size + (size % 2);
  }
  if (rate === undefined) throw new WavError("no fmt chunk");
  if (!data) throw new WavError("no data chunk");
  return { rate, data, chunks };
}

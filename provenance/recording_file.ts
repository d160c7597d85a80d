// A recording as a user downloads it: a plain 16 kHz mono WAV that any player
// plays, with one extra RIFF chunk ("cprv", JSON), or an Ogg Opus file with the same
// JSON in its comment header (COUNCIL_PROVENANCE=, ogg_opus.ts), carrying what proves it: the
// stream's signed checkpoints, the first bytes of every frame's link (to name the
// first bad frame), the media key, and the witness entries that bind the media key
// to Council and anchor the recording's end, each with an inclusion proof under a
// signed tree head. verifyRecording() checks all of it offline from the witness's
// verifier key alone; cutRecording() keeps a checkpoint-aligned span provable.

import { decodeEntry } from "../witness/entry.ts";
import { leafHash, toHex } from "../witness/hash.ts";
import { verifyInclusion } from "../witness/merkle.ts";
import { fromBase64, fromHex, toBase64 } from "../witness/base64.ts";
import { openTreeHead, parseVerifierKey } from "../witness/checkpoint.ts";
import {
  type Checkpoint,
  genesisLink,
  isCheckpointIndex,
  LINK_BYTES,
  nextLink,
  STREAM_ID_BYTES,
  verifyCheckpoint,
} from "./chain.ts";
import {
  FRAME_BYTES,
  FRAME_SAMPLES,
  MAX_PROVENANCE_BYTES,
  parseWav,
  PROVENANCE_CHUNK,
  RECORDING_RATE,
  riffChunk,
  wavHeader,
} from "./wav.ts";
import { isOgg, OggError, oggOpusFile, parseOggOpus, PROVENANCE_COMMENT } from "./ogg_opus.ts";

export const RECORDING_FORMAT = "council-recording/v1";
/** Samples per frame at Ogg's 48 kHz granule rate (20 ms). */
const OGG_FRAME_GRANULES = 960;
export const LINK_PREFIX_BYTES = 4;

export interface WitnessAnchor {
  index: number;
  /** The entry's canonical bytes, base64. */
  entry: string;
  /** Inclusion path under `head`, hex. */
  path: string[];
}

export interface RecordingProvenance {
  format: typeof RECORDING_FORMAT;
  recordingId: string;
  room: string;
  streamId: string;
  sampleRate: number;
  frameSamples: number;
  /**
   * What a frame is, as the chain covers it: "pcm" (640 bytes of 16-bit little-endian
   * PCM, a WAV's) or "opus" (one Opus packet, an Ogg file's). Absent: "pcm".
   */
  codec?: "pcm" | "opus";
  /** An Ogg recording's pre-skip (48 kHz samples), kept for its cuts. */
  preSkip?: number;
  checkpointEvery: number;
  /** Index of this file's first frame in the stream (0 unless the file is a cut). */
  firstFrame: number;
  /** link(firstFrame - 1), hex: the genesis link, or a signed checkpoint's link. */
  startLink: string;
  frames: number;
  startedAt: string;
  endedAt?: string;
  /** Public key of the checkpoints, base64. */
  mediaKey: string;
  checkpoints: { index: number; link: string; signature: string }[];
  /** LINK_PREFIX_BYTES of every frame's link, base64. */
  linkPrefixes: string;
  witness: { key: string; head: string; entries: WitnessAnchor[] };
}

export class RecordingError extends Error {
  override name = "RecordingError";
}

/** The downloadable WAV: header, PCM, then the provenance chunk. */
export function recordingFile(pcm: Uint8Array, prov: RecordingProvenance): Uint8Array {
  const chunk = riffChunk(PROVENANCE_CHUNK, new TextEncoder().encode(JSON.stringify(prov)));
  const header = wavHeader(pcm.length, RECORDING_RATE, chunk.length);
  const out = new Uint8Array(header.length + pcm.length + chunk.length);
  out.set(header);
  out.set(pcm, header.length);
  out.set(chunk, header.length + pcm.length);
  return out;
}

/** The downloadable Ogg Opus file: one packet a frame, the provenance as a comment. */
export function oggRecordingFile(packets: Uint8Array[], prov: RecordingProvenance): Uint8Array {
  return oggOpusFile({
    packets,
    frameGranules: OGG_FRAME_GRANULES,
    inputRate: RECORDING_RATE,
    preSkip: prov.preSkip ?? 0,
    provenance: JSON.stringify({ ...prov, codec: "opus" }),
  });
}

/** A recording's frames, as the chain covers them, in the container they came in. */
export interface RecordingFrames {
  container: "wav" | "ogg";
  frames: Uint8Array[];
  prov: RecordingProvenance;
}

/** The file again from (some of) its frames and their provenance. */
function rebuild(
  container: RecordingFrames["container"],
  frames: Uint8Array[],
  prov: RecordingProvenance,
) {
  if (container === "ogg") return oggRecordingFile(frames, prov);
  const pcm = new Uint8Array(frames.length * FRAME_BYTES);
  frames.forEach((f, i) => pcm.set(f, i * FRAME_BYTES));
  return recordingFile(pcm, prov);
}

export interface VerifyReport {
  ok: boolean;
  recordingId?: string;
  room?: string;
  frames: number;
  seconds: number;
  /** Whether the witness key was the one given (trusted), or only the file's own. */
  keyTrusted: boolean;
  /** Frames proven: [first, last] stream indexes, or null. */
  proven: [number, number] | null;
  /** The first frame (stream index) whose bytes are not what was signed. */
  firstBadFrame?: number;
  /** Its time in the file, seconds. */
  firstBadAt?: number;
  problems: string[];
}

function str(v: unknown, name: string, max = 200): string {
  if (typeof v !== "string" || v.length > max) {
    throw new RecordingError(`${name}: expected a string`);
  }
  return v;
}
function int(v: unknown, name: string, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isSafeInteger(v) || (v as number) < 0 || (v as number) > max) {
    throw new RecordingError(`${name}: expected a whole number`);
  }
  return v as number;
}
function hexBytes(v: unknown, name: string, n: number): Uint8Array {
  const b = fromHex(str(v, name, 2 * n));
  if (!b || b.length !== n) throw new RecordingError(`${name}: expected ${n} bytes of hex`);
  return b;
}

/** The provenance JSON (as the file holds it), parsed; nothing trusted yet. */
function provenanceJson(body: Uint8Array | string): Record<string, unknown> {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(
      typeof body === "string" ? body : new TextDecoder("utf-8", { fatal: true }).decode(body),
    );
  } catch (err) {
    throw new RecordingError(`the provenance is not JSON: ${(err as Error).message}`);
  }
  if (raw?.format !== RECORDING_FORMAT) {
    throw new RecordingError(`unknown provenance format ${JSON.stringify(raw?.format)}`);
  }
  return raw;
}

/** An Ogg Opus recording's packets and provenance comment. */
function readOgg(file: Uint8Array): { frames: Uint8Array[]; raw: Record<string, unknown> } {
  let ogg;
  try {
    ogg = parseOggOpus(file);
  } catch (err) {
    if (err instanceof OggError) throw new RecordingError(err.message);
    throw err;
  }
  const prefix = `${PROVENANCE_COMMENT}=`;
  const comment = ogg.comments.find((c) => c.startsWith(prefix));
  if (!comment) throw new RecordingError("no provenance comment: not a Council recording");
  const raw = provenanceJson(comment.slice(prefix.length));
  if (raw.codec !== "opus") throw new RecordingError("an Ogg recording's frames are Opus");
  if (ogg.inputRate !== RECORDING_RATE || raw.sampleRate !== RECORDING_RATE) {
    throw new RecordingError(`expected ${RECORDING_RATE} Hz, the file says ${ogg.inputRate}`);
  }
  raw.preSkip = ogg.preSkip;
  return { frames: ogg.packets, raw };
}

/** A WAV recording's 20 ms frames of PCM and provenance chunk. */
function readWav(file: Uint8Array): { frames: Uint8Array[]; raw: Record<string, unknown> } {
  const wav = parseWav(file);
  const body = wav.chunks.get(PROVENANCE_CHUNK);
  if (!body) throw new RecordingError("no provenance chunk: not a Council recording");
  if (body.length > MAX_PROVENANCE_BYTES) throw new RecordingError("provenance chunk too large");
  const raw = provenanceJson(body);
  if ((raw.codec ?? "pcm") !== "pcm") throw new RecordingError("a WAV recording's frames are PCM");
  if (wav.rate !== RECORDING_RATE || raw.sampleRate !== RECORDING_RATE) {
    throw new RecordingError(`expected ${RECORDING_RATE} Hz, the file says ${wav.rate}`);
  }
  if (wav.data.length % FRAME_BYTES !== 0) {
    throw new RecordingError(`the audio is not whole frames of ${FRAME_BYTES} bytes`);
  }
  const frames: Uint8Array[] = [];
  for (let at = 0; at < wav.data.length; at += FRAME_BYTES) {
    frames.push(wav.data.subarray(at, at + FRAME_BYTES));
  }
  return { frames, raw };
}

/**
 * Reads and validates a recording, WAV or Ogg Opus (shape and sizes only; nothing
 * trusted yet): its frames as the chain covers them, and its provenance.
 */
export function readProvenance(file: Uint8Array): RecordingFrames {
  const container = isOgg(file) ? "ogg" : "wav";
  const { frames: audio, raw } = container === "ogg" ? readOgg(file) : readWav(file);
  if (raw.frameSamples !== FRAME_SAMPLES) throw new RecordingError("frameSamples: expected 320");
  const frames = int(raw.frames, "frames");
  if (audio.length !== frames) {
    throw new RecordingError(`the audio holds ${audio.length} frames, the provenance ${frames}`);
  }
  hexBytes(raw.streamId, "streamId", STREAM_ID_BYTES);
  hexBytes(raw.startLink, "startLink", LINK_BYTES);
  int(raw.firstFrame, "firstFrame");
  int(raw.checkpointEvery, "checkpointEvery", 10_000);
  if (!Array.isArray(raw.checkpoints)) throw new RecordingError("checkpoints: expected a list");
  const w = raw.witness as Record<string, unknown> | undefined;
  if (!w || !Array.isArray(w.entries) || w.entries.length > 16) {
    throw new RecordingError("witness: expected a key, a head and at most 16 entries");
  }
  str(w.key, "witness.key", 400);
  str(w.head, "witness.head", 4000);
  const prefixes = fromBase64(str(raw.linkPrefixes, "linkPrefixes", MAX_PROVENANCE_BYTES));
  if (!prefixes || prefixes.length !== frames * LINK_PREFIX_BYTES) {
    throw new RecordingError("linkPrefixes: expected 4 bytes per frame");
  }
  return { container, frames: audio, prov: raw as unknown as RecordingProvenance };
}

/**
 * Proves a recording offline. `trustedKey` is the witness's verifier key
 * (`council witness head` prints it; GET /api/v1/witness/key); without it the file's
 * own key is used and the report says the key is not trusted.
 */
export async function verifyRecording(
  file: Uint8Array,
  trustedKey?: string,
): Promise<VerifyReport> {
  const problems: string[] = [];
  const report: VerifyReport = {
    ok: false,
    frames: 0,
    seconds: 0,
    keyTrusted: trustedKey !== undefined,
    proven: null,
    problems,
  };
  let frames: Uint8Array[], prov: RecordingProvenance;
  try {
    ({ frames, prov } = readProvenance(file));
  } catch (err) {
    problems.push((err as Error).message);
    return report;
  }
  Object.assign(report, {
    recordingId: prov.recordingId,
    room: prov.room,
    frames: prov.frames,
    seconds: (prov.frames * FRAME_SAMPLES) / RECORDING_RATE,
  });
  if (trustedKey !== undefined && trustedKey.trim() !== prov.witness.key) {
    problems.push("the file's witness key is not the trusted key");
  }

  // 1. The witness: a signed head under the trusted key, the anchors included in it.
  const anchored = new Map<string, Record<string, unknown>>();
  try {
    const verifier = parseVerifierKey(trustedKey?.trim() ?? prov.witness.key);
    const head = await openTreeHead(prov.witness.head, verifier);
    for (const a of prov.witness.entries) {
      const bytes = fromBase64(a.entry);
      const path = a.path.map((p) => fromHex(p));
      if (!bytes || path.some((p) => !p || p.length !== 32)) {
        problems.push(`witness entry ${a.index}: malformed`);
        continue;
      }
      if (
        !verifyInclusion(a.index, head.size, leafHash(bytes), path as Uint8Array[], head.rootHash)
      ) {
        problems.push(`witness entry ${a.index} is not in the signed tree of size ${head.size}`);
        continue;
      }
      const e = decodeEntry(bytes);
      anchored.set(e.type, e.payload as Record<string, unknown>);
    }
  } catch (err) {
    problems.push(`witness head: ${(err as Error).message}`);
  }
  const keyEntry = anchored.get("provenance.key");
  if (keyEntry?.publicKey !== prov.mediaKey) {
    problems.push("the media key is not bound to Council by a witnessed provenance.key entry");
  }
  const end = anchored.get("provenance.recording");
  if (end && (end.recordingId !== prov.recordingId || end.streamId !== prov.streamId)) {
    problems.push("the witnessed recording entry is for another recording");
  }

  // 2. The chain: every frame relinked, every checkpoint compared and its signature checked.
  const streamId = fromHex(prov.streamId)!;
  const mediaKey = fromBase64(prov.mediaKey);
  const prefixes = fromBase64(prov.linkPrefixes)!;
  const checkpoints = new Map<number, Checkpoint>();
  for (const c of prov.checkpoints) {
    const link = fromHex(c.link);
    const signature = fromBase64(c.signature);
    if (!Number.isSafeInteger(c.index) || !link || link.length !== 32 || !signature) {
      problems.push(`checkpoint ${JSON.stringify(c.index)}: malformed`);
      continue;
    }
    checkpoints.set(c.index, { index: c.index, link, signature });
  }
  const signedOk = async (cp: Checkpoint) =>
    mediaKey !== undefined && mediaKey.length === 32 &&
    await verifyCheckpoint(streamId, cp, mediaKey);

  let link: Uint8Array;
  const first = prov.firstFrame;
  if (first === 0) {
    link = genesisLink(streamId);
    if (toHex(link) !== prov.startLink) problems.push("startLink is not the stream's genesis");
  } else {
    const start = checkpoints.get(first - 1);
    if (!start || toHex(start.link) !== prov.startLink || !(await signedOk(start))) {
      problems.push(`the cut starts at frame ${first} without a signed checkpoint before it`);
    }
    link = fromHex(prov.startLink)!;
  }
  let lastProven = first - 1;
  let firstMismatch: number | undefined;
  let broken = false;
  for (let i = 0; i < prov.frames && !broken; i++) {
    const index = first + i;
    link = nextLink(link, streamId, index * FRAME_SAMPLES, frames[i]);
    const prefix = prefixes.subarray(i * LINK_PREFIX_BYTES, (i + 1) * LINK_PREFIX_BYTES);
    if (firstMismatch === undefined && prefix.some((b, k) => b !== link[k])) firstMismatch = index;
    const cp = checkpoints.get(index);
    if (cp) {
      if (toHex(cp.link) !== toHex(link)) {
        broken = true;
        report.firstBadFrame = firstMismatch ?? lastProven + 1;
        problems.push(
          `frame ${report.firstBadFrame} is not what was recorded (checkpoint ${index} fails)`,
        );
      } else if (!(await signedOk(cp))) {
        broken = true;
        problems.push(`checkpoint ${index}: the signature does not verify with the media key`);
      } else lastProven = index;
    } else if (isCheckpointIndex(index, prov.checkpointEvery) && i < prov.frames - 1) {
      problems.push(`checkpoint ${index} is missing`);
      broken = true;
    }
  }
  const lastIndex = first + prov.frames - 1;
  if (!broken && lastProven < lastIndex) {
    // The tail after the last checkpoint: proven only by the witnessed end of the recording.
    if (end && end.frames === lastIndex + 1 && end.link === toHex(link)) lastProven = lastIndex;
    else {
      report.firstBadFrame = firstMismatch ?? lastProven + 1;
      problems.push(`frames ${lastProven + 1}-${lastIndex} are not covered by any signature`);
    }
  }
  if (report.firstBadFrame !== undefined) {
    report.firstBadAt = ((report.firstBadFrame - first) * FRAME_SAMPLES) / RECORDING_RATE;
  }
  report.proven = lastProven >= first ? [first, lastProven] : null;
  report.ok = problems.length === 0 && lastProven === lastIndex;
  return report;
}

/**
 * A span of a recording that stays provable: it starts after a checkpoint (its
 * link is the cut's start) and ends at one, or at the recording's end. `fromS` is
 * rounded down and `toS` up to checkpoint boundaries.
 */
export function cutRecording(file: Uint8Array, fromS: number, toS: number): Uint8Array {
  const { container, frames, prov } = readProvenance(file);
  const k = prov.checkpointEvery;
  const frameOf = (s: number) => Math.round((s * RECORDING_RATE) / FRAME_SAMPLES) + prov.firstFrame;
  const lastIndex = prov.firstFrame + prov.frames - 1;
  const a = Math.max(prov.firstFrame, Math.floor(frameOf(fromS) / k) * k);
  const b = Math.min(lastIndex, Math.ceil((frameOf(toS) + 1) / k) * k - 1);
  if (!(b >= a)) throw new RecordingError("the cut holds no frame");
  const startCp = prov.checkpoints.find((c) => c.index === a - 1);
  if (a > 0 && !startCp) throw new RecordingError(`no checkpoint before frame ${a}`);
  const from = a - prov.firstFrame;
  const count = b - a + 1;
  const prefixes = fromBase64(prov.linkPrefixes)!;
  const cut: RecordingProvenance = {
    ...prov,
    firstFrame: a,
    startLink: a === 0 ? prov.startLink : startCp!.link,
    frames: count,
    checkpoints: prov.checkpoints.filter((c) => c.index >= a - 1 && c.index <= b),
    linkPrefixes: toBase64(
      prefixes.subarray(from * LINK_PREFIX_BYTES, (from + count) * LINK_PREFIX_BYTES),
    ),
  };
  return rebuild(container, frames.slice(from, from + count), cut);
}

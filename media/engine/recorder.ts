// A room's recording inside its media worker: the room's full mix (everyone who
// talks, as a listener who is not a member hears it), resampled to 16 kHz, written
// as it comes, and hash-chained frame by frame with a signed checkpoint every K
// frames (provenance/chain.ts). As a WAV: each frame's PCM, which the chain covers.
// As Ogg Opus: each frame encoded once (Opus at 16 kHz, 20 ms) into `.opus`
// (the encoder's pre-skip in 2 bytes, then each packet after its 2-byte length),
// the chain over the packets, the Ogg pages made at download (provenance/ogg_opus.ts).
// Beside either: `.links` (the first 4 bytes of every frame's link, to name the
// first bad frame of an altered copy) and `.checkpoints` (JSON lines). All are
// flushed every second, so a crash loses at most a second and what was written
// stays provable.

import { OpusEncoder, SpeexResampler } from "../../native/mod.ts";
import { ChainWriter, type Checkpoint } from "../../provenance/chain.ts";
import { concatBytes } from "../../provenance/bytes.ts";
import { FRAME_BYTES, FRAME_SAMPLES, RECORDING_RATE, wavHeader } from "../../provenance/wav.ts";
import { toBase64 } from "../../witness/base64.ts";
import { toHex } from "../../witness/hash.ts";

/** First bytes of each frame's link kept beside the recording. */
export const LINK_PREFIX_BYTES = 4;
const FLUSH_FRAMES = 50;

/** Opus's bit rate for recordings: speech at 16 kHz, transparent enough to judge by ear. */
const OPUS_RECORDING_BITRATE = 24_000;

export type RecordingFormat = "wav" | "ogg";

export interface RecorderSpec {
  recordingId: string;
  /**
   * The audio's path (`.wav`, or `.opus` for the Ogg recording's packets); `.links`
   * and `.checkpoints` are written beside it (the path without its extension).
   */
  path: string;
  /** Default "wav". */
  format?: RecordingFormat;
  streamId: Uint8Array;
  /** The media key's 32-byte Ed25519 secret. */
  secretKey: Uint8Array;
  checkpointEvery: number;
}

export interface RecorderHead {
  recordingId: string;
  streamId: string;
  /** Frames written (the last index + 1). */
  frames: number;
  /** link(frames - 1), hex; the genesis link when nothing was written. */
  link: string;
  /** Index of the last signed checkpoint, -1 before the first. */
  checkpointed: number;
}

export class Recorder {
  readonly #audio: Deno.FsFile;
  readonly #opus?: OpusEncoder;
  readonly #packet = new Uint8Array(1500);
  readonly #links: Deno.FsFile;
  readonly #checkpoints: Deno.FsFile;
  readonly #chain: ChainWriter;
  readonly #resampler?: SpeexResampler;
  readonly #pcm = new Int16Array(FRAME_SAMPLES);
  #pending: Uint8Array[] = [];
  #pendingLinks: Uint8Array[] = [];
  #pendingCps: string[] = [];
  #frames = 0;
  #checkpointed = -1;
  #closed = false;
  /** Why the recording stopped taking frames (a write failed), for the worker to report. */
  failed: string | undefined;

  constructor(readonly spec: RecorderSpec, mixRate: number) {
    const base = spec.path.replace(/\.(wav|opus)$/, "");
    const opts = { write: true, createNew: true, mode: 0o600 } as const;
    this.#audio = Deno.openSync(spec.path, opts);
    this.#links = Deno.openSync(`${base}.links`, opts);
    this.#checkpoints = Deno.openSync(`${base}.checkpoints`, opts);
    if (spec.format === "ogg") {
      this.#opus = new OpusEncoder({
        sampleRate: RECORDING_RATE,
        bitrate: OPUS_RECORDING_BITRATE,
        fec: false,
      });
      // The Ogg header's pre-skip counts 48 kHz samples.
      const preSkip = new Uint8Array(2);
      new DataView(preSkip.buffer).setUint16(0, this.#opus.lookahead() * 3, true);
      writeAll(this.#audio, preSkip);
    } else this.#audio.writeSync(wavHeader(0));
    if (mixRate !== RECORDING_RATE) this.#resampler = new SpeexResampler(mixRate, RECORDING_RATE);
    this.#chain = new ChainWriter(
      spec.streamId,
      spec.secretKey,
      (cp) => this.#onCheckpoint(cp),
      spec.checkpointEvery,
    );
  }

  /** One 20 ms frame of the room's mix at its mix rate. */
  frame(mix: Int16Array): void {
    if (this.#closed || this.failed) return;
    try {
      this.#frame(mix);
    } catch (err) {
      // A full disk must not stop the mix: the recording ends, the call goes on.
      this.failed = `recording write failed: ${(err as Error).message}`;
    }
  }

  #frame(mix: Int16Array): void {
    let pcm = mix;
    if (this.#resampler) {
      const n = this.#resampler.process(mix, this.#pcm);
      if (n < FRAME_SAMPLES) this.#pcm.fill(0, n);
      pcm = this.#pcm;
    }
    // The chain covers the frame as the file holds it: little-endian 16-bit PCM in a
    // WAV, the Opus packet in an Ogg file.
    const bytes = this.#opus ? this.#encode(pcm) : pcmBytes(pcm);
    const { link } = this.#chain.push(this.#frames * FRAME_SAMPLES, bytes);
    this.#frames++;
    this.#pending.push(this.#opus ? lengthPrefixed(bytes) : bytes);
    this.#pendingLinks.push(link.slice(0, LINK_PREFIX_BYTES));
    if (this.#pending.length >= FLUSH_FRAMES) this.#flush();
  }

  #encode(pcm: Int16Array): Uint8Array {
    const frame = pcm.length === FRAME_SAMPLES ? pcm : this.#pcm;
    return this.#packet.slice(0, this.#opus!.encode(frame, this.#packet));
  }

  head(): RecorderHead {
    return {
      recordingId: this.spec.recordingId,
      streamId: toHex(this.spec.streamId),
      frames: this.#frames,
      link: toHex(this.#chain.link),
      checkpointed: this.#checkpointed,
    };
  }

  /** Ends the recording: the last frames and a final checkpoint written, sizes patched. */
  async close(): Promise<RecorderHead> {
    if (this.#closed) return this.head();
    this.#closed = true;
    this.#chain.seal();
    await this.#chain.flushed();
    try {
      this.#flush();
    } catch (err) {
      this.failed ??= `recording write failed: ${(err as Error).message}`;
    }
    if (!this.#opus) {
      this.#audio.seekSync(0, Deno.SeekMode.Start);
      this.#audio.writeSync(wavHeader(this.#frames * FRAME_BYTES));
    }
    for (const f of [this.#audio, this.#links, this.#checkpoints]) {
      f.syncSync();
      f.close();
    }
    this.#resampler?.close();
    this.#opus?.close();
    return this.head();
  }

  #onCheckpoint(cp: Checkpoint): void {
    this.#checkpointed = cp.index;
    this.#pendingCps.push(
      JSON.stringify({ index: cp.index, link: toHex(cp.link), signature: toBase64(cp.signature) }) +
        "\n",
    );
    // After close() has flushed, nothing else will: write the last ones at once.
    if (this.#closed) this.#flushCheckpoints();
  }

  #flush(): void {
    writeAll(this.#audio, concatBytes(this.#pending));
    writeAll(this.#links, concatBytes(this.#pendingLinks));
    this.#pending = [];
    this.#pendingLinks = [];
    this.#flushCheckpoints();
  }

  #flushCheckpoints(): void {
    if (this.#pendingCps.length === 0) return;
    writeAll(this.#checkpoints, new TextEncoder().encode(this.#pendingCps.join("")));
    this.#pendingCps = [];
  }
}

/** Little-endian 16-bit PCM, as a WAV holds it. */
function pcmBytes(pcm: Int16Array): Uint8Array {
  const bytes = new Uint8Array(FRAME_BYTES);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < FRAME_SAMPLES; i++) view.setInt16(i * 2, pcm[i] ?? 0, true);
  return bytes;
}

/** A packet after its length (u16, little-endian), as `.opus` holds them. */
function lengthPrefixed(packet: Uint8Array): Uint8Array {
  const out = new Uint8Array(2 + packet.length);
  new DataView(out.buffer).setUint16(0, packet.length, true);
  out.set(packet, 2);
  return out;
}

function writeAll(file: Deno.FsFile, bytes: Uint8Array): void {
  let at = 0;
  while (at < bytes.length) at += file.writeSync(bytes.subarray(at));
}

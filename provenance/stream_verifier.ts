// Verifying a live stream's chain as its packets arrive (provenance/chain.ts,
// rtp_ext.ts). The state a listener shows for the stream:
//
//   unverified  no checkpoint verified yet (a stream joined midway starts here), or
//               the chain is waiting to resynchronise after packet loss
//   verified    the last checkpoint's signature verified and every frame received
//               since the checkpoint before it linked up to it
//   broken      a frame was altered, dropped without a gap in the sequence numbers,
//               reordered or injected (a checkpoint's link does not match, or a
//               frame's link prefix does not); a signature failed; a checkpoint came
//               from another stream; or the sender stopped signing (no checkpoint
//               for `deadlineFrames` frames without any loss to explain it)
//
// Loss is not tampering: a gap the sequence numbers explain stops the chain (its
// next links are unknown) until the next checkpoint, whose signed link restarts it.
// What is proven across a gap: the frames before it up to their checkpoint, and the
// frames after the next checkpoint; the frames between are not proven either way.
// Broken is sticky: the stream keeps being checked, but a tampered stream stays
// marked, with the first frame index that failed.

import { type Checkpoint, nextLink, verifyCheckpoint } from "./chain.ts";
import { PREFIX_BYTES } from "./rtp_ext.ts";

export type StreamState = "unverified" | "verified" | "broken";

export interface StateChange {
  state: StreamState;
  reason: string;
  /** The frame index the change is about. */
  index: number;
}

export interface StreamVerifierOptions {
  streamId: Uint8Array;
  publicKey: Uint8Array;
  checkpointEvery: number;
  /** Frames without a checkpoint (and without loss) before the sender counts as stopped. */
  deadlineFrames?: number;
  onChange?: (c: StateChange) => void;
  /**
   * Verified only once a checkpoint's link matches the chain computed over frames
   * received since an earlier checkpoint: a checkpoint that (re)starts the chain
   * anchors it and the stream stays unverified until the next one (default: verified
   * from the first checkpoint's signature, as for RTP legs).
   */
  strict?: boolean;
  /**
   * Frame numbers are the listener's estimate across a gap (a detached stream numbers
   * frames by timestamp): a checkpoint that restarts the chain after loss sets the
   * numbering rather than contradicting it. Without a gap a mismatch is still broken.
   */
  realign?: boolean;
  /** Every failure found, also those after the stream is already broken (alerts count them). */
  onBad?: (index: number, reason: string) => void;
  /**
   * How a checkpoint's signature is checked (default: chain.ts's verifyCheckpoint); a
   * media worker passes OpenSSL's, synchronous and several times faster.
   */
  verify?: (
    streamId: Uint8Array,
    cp: Checkpoint,
    publicKey: Uint8Array,
  ) => boolean | Promise<boolean>;
}

export class StreamVerifier {
  state: StreamState = "unverified";
  /** Frames received and linked, frames lost (gaps), checkpoints verified. */
  readonly counts = { frames: 0, lost: 0, checkpoints: 0, resyncs: 0 };
  /** The first frame index found bad, once broken. */
  firstBad: number | undefined;
  /** Stream index of the last frame proven by a checkpoint. */
  provenThrough = -1;
  #link: Uint8Array | undefined;
  #index = -1;
  /** Index = extended sequence number + offset, learnt from the first checkpoint. */
  #offset: number | undefined;
  #lastSeq: number | undefined;
  #ext = 0;
  #sinceCheckpoint = 0;
  #lossSinceCheckpoint = false;
  #checking: Promise<void> = Promise.resolve();

  constructor(private readonly o: StreamVerifierOptions) {}

  /** Extends a 16-bit sequence number (RFC 3550 A.1 style, no probation). */
  #extend(seq: number): number {
    if (this.#lastSeq !== undefined) {
      const delta = (seq - this.#lastSeq + 0x10000) & 0xffff;
      if (delta < 0x8000) {
        if (seq < this.#lastSeq) this.#ext += 0x10000;
        this.#lastSeq = seq;
        return this.#ext + seq;
      }
      // An older packet (reordered or duplicated): its place in the old cycle.
      return this.#ext + seq - (seq > this.#lastSeq ? 0x10000 : 0);
    }
    this.#lastSeq = seq;
    return seq;
  }

  /**
   * One received frame (in arrival order), with its packet's provenance element:
   * a link prefix, and a checkpoint when the packet carries one. Resolves when any
   * checkpoint in it has been checked (state changes are reported as they happen).
   */
  frame(
    seq: number,
    rtpTimestamp: number,
    payload: Uint8Array,
    element?: { prefix: Uint8Array; streamId?: Uint8Array; checkpoint?: Checkpoint },
  ): Promise<void> {
    const ext = this.#extend(seq);
    const work = this.#checking.then(() => this.#frame(ext, rtpTimestamp, payload, element));
    this.#checking = work.catch(() => {});
    return work;
  }

  async #frame(
    ext: number,
    rtpTimestamp: number,
    payload: Uint8Array,
    element?: { prefix: Uint8Array; streamId?: Uint8Array; checkpoint?: Checkpoint },
  ): Promise<void> {
    const cp = element?.checkpoint;
    if (this.#offset === undefined) {
      // Before the first checkpoint nothing can be linked: wait for one.
      if (!cp) return;
      this.#offset = cp.index - ext;
    }
    const index = ext + this.#offset;
    if (index <= this.#index) return; // late or duplicate: already counted as lost
    if (this.#link && index > this.#index + 1) {
      // A gap the sequence numbers explain: loss, not tampering.
      this.counts.lost += index - this.#index - 1;
      this.#link = undefined;
      this.#lossSinceCheckpoint = true;
      this.#set(
        "unverified",
        `frames ${this.#index + 1}-${index - 1} lost; resynchronising`,
        index,
      );
    }
    if (this.#link) {
      this.#link = nextLink(this.#link, this.o.streamId, rtpTimestamp, payload);
      this.counts.frames++;
      if (element && element.prefix.length === PREFIX_BYTES) {
        if (element.prefix[0] !== this.#link[0] || element.prefix[1] !== this.#link[1]) {
          this.#broken(index, `frame ${index} is not what was sent (its link differs)`);
        }
      }
    }
    this.#index = index;
    this.#sinceCheckpoint++;
    if (cp) await this.#checkpoint(index, cp, element!.streamId);
    else if (this.#sinceCheckpoint > (this.o.deadlineFrames ?? 2 * this.o.checkpointEvery)) {
      if (this.#lossSinceCheckpoint) {
        this.#set("unverified", "no checkpoint since the loss", index);
      } else {
        this.#broken(
          index,
          `no checkpoint for ${this.#sinceCheckpoint} frames: the sender stopped signing`,
        );
      }
      this.#sinceCheckpoint = 0;
    }
  }

  async #checkpoint(
    index: number,
    cp: Checkpoint,
    streamId: Uint8Array | undefined,
  ): Promise<void> {
    this.#sinceCheckpoint = 0;
    if (!streamId || streamId.some((b, i) => b !== this.o.streamId[i])) {
      return this.#broken(index, `checkpoint at frame ${index} belongs to another stream`);
    }
    if (cp.index !== index && this.o.realign && !this.#link && this.#lossSinceCheckpoint) {
      this.#offset! += cp.index - index;
      this.#index = index = cp.index;
    }
    if (cp.index !== index) {
      return this.#broken(index, `checkpoint for frame ${cp.index} arrived with frame ${index}`);
    }
    const verify = this.o.verify ?? verifyCheckpoint;
    if (!(await verify(this.o.streamId, cp, this.o.publicKey))) {
      return this.#broken(index, `checkpoint at frame ${index}: the signature does not verify`);
    }
    this.counts.checkpoints++;
    if (this.#link) {
      if (cp.link.some((b, i) => b !== this.#link![i])) {
        // The chain since the last checkpoint is not the sender's.
        this.#link = cp.link;
        return this.#broken(
          index,
          `frames up to ${index} are not what was sent: altered, dropped, reordered or injected`,
        );
      }
    } else {
      if (this.counts.checkpoints > 1 || this.#lossSinceCheckpoint) this.counts.resyncs++;
      this.#link = cp.link; // (re)start the chain from a signed link
      if (this.o.strict) {
        this.#lossSinceCheckpoint = false;
        if (this.state !== "broken") {
          this.#set(
            "unverified",
            `chain anchored at frame ${index}; proven from the next checkpoint`,
            index,
          );
        }
        return;
      }
    }
    this.provenThrough = index;
    this.#lossSinceCheckpoint = false;
    if (this.state !== "broken") this.#set("verified", `checkpoint at frame ${index}`, index);
  }

  /**
   * Marks the stream broken from outside (a checkpoint that fails before it can be
   * paired with its frame, say); ordered after the frames already handed in.
   */
  fail(index: number, reason: string): Promise<void> {
    const work = this.#checking.then(() => this.#broken(index, reason));
    this.#checking = work.catch(() => {});
    return work;
  }

  /**
   * The checkpoints stop coming for a reason that is not the sender's doing (the
   * channel that carries them is down): like loss, the chain waits for the next
   * checkpoint, and frames without one meanwhile are unverified, not a stopped signer.
   */
  interrupt(reason: string): Promise<void> {
    const work = this.#checking.then(() => {
      if (this.#offset === undefined) return;
      this.#link = undefined;
      this.#lossSinceCheckpoint = true;
      this.#set("unverified", reason, this.#index);
    });
    this.#checking = work.catch(() => {});
    return work;
  }

  #broken(index: number, reason: string): void {
    this.o.onBad?.(index, reason);
    this.firstBad ??= index;
    if (this.state === "broken") return;
    this.#set("broken", reason, index);
  }

  #set(state: StreamState, reason: string, index: number): void {
    // Broken is sticky: later loss or checkpoints do not make a tampered stream good.
    if (this.state === state || this.state === "broken") return;
    this.state = state;
    this.o.onChange?.({ state, reason, index });
  }
}

// Verifying a stream whose checkpoints travel apart from its frames. A browser's
// audio reaches its media worker through mediasoup (which forwards payloads and RTP
// timestamps unchanged but drops header extensions it did not negotiate), while the
// page's signed checkpoints come over its /ws socket and the main thread hands them
// to the worker. Each checkpoint names the RTP timestamp of the frame it covers:
// frames are paired with their checkpoints by timestamp and handed to StreamVerifier
// (stream_verifier.ts) in arrival order, as if each checkpoint had ridden in its
// frame's own packet. Its states and what they prove are StreamVerifier's.
//
// Frame numbers. The page numbers the frames its encoded transform saw; the worker
// sees RTP packets whose sequence numbers mediasoup rewrites (a paused and resumed
// producer continues without a gap). So frames are numbered here by timestamp: a
// frame at the last one's timestamp plus its duration is the next; a later one
// follows a gap (lost packets, or frames not forwarded while the member was muted),
// counted in frames of the last duration; an earlier one is late or duplicated and
// dropped (already counted as lost). The first paired checkpoint aligns these
// numbers with the page's (index = number + offset).
//
// Holding. A frame the alignment says carries a checkpoint waits (with the frames
// after it) until its checkpoint arrives, or `holdFrames` frames or `holdMs` later,
// when it goes on without one (StreamVerifier then sees a missing checkpoint). A
// checkpoint that arrives before its frame waits for it. A checkpoint that names
// another stream or whose signature fails is refused as it arrives: broken at once.
//
// Strict: the first checkpoint paired (and the first after loss) anchors the chain at
// its signed link; the stream is verified when the next checkpoint's link matches the
// chain computed over the frames received in between, not on a signature alone.

import { type Checkpoint, isCheckpointIndex, verifyCheckpoint } from "./chain.ts";
import { type StateChange, type StreamState, StreamVerifier } from "./stream_verifier.ts";

export interface DetachedCheckpoint extends Checkpoint {
  streamId: Uint8Array;
  /** RTP timestamp of the frame the checkpoint covers (frame `index`). */
  rtpTimestamp: number;
}

export interface DetachedChange extends StateChange {
  /**
   * When the evidence for the change arrived (the caller's clock, as passed to
   * frame() and checkpoint()): the later of a frame's arrival and its checkpoint's.
   */
  at: number;
}

export interface DetachedVerifierOptions {
  streamId: Uint8Array;
  publicKey: Uint8Array;
  checkpointEvery: number;
  /** Frames without a checkpoint (and without loss) before the sender counts as stopped. */
  deadlineFrames?: number;
  /**
   * How many frames may be held behind a frame waiting for its checkpoint (default
   * 4K), and for how long it waits (default 2 s). A checkpoint usually comes a few ms
   * after its frame; a page starved of CPU can send it a second or more late, which
   * is not a stopped signer.
   */
  holdFrames?: number;
  holdMs?: number;
  /** Synchronous signature check (a media worker passes OpenSSL's); default chain.ts's. */
  verify?: (
    streamId: Uint8Array,
    cp: Checkpoint,
    publicKey: Uint8Array,
  ) => boolean | Promise<boolean>;
  onChange?: (c: DetachedChange) => void;
  /** Every failure, also those after the stream is broken (alerts count them). */
  onBad?: (index: number, reason: string, at: number) => void;
}

interface Held {
  n: number;
  ts: number;
  payload: Uint8Array;
  at: number;
}

/** Checkpoints kept waiting for frames that have not arrived (bounded). */
const MAX_PENDING = 16;
/** The longest a frame waits for a late checkpoint (the wait doubles with each late one). */
const MAX_HOLD_MS = 10_000;
/** A gap this many frames long renumbers from scratch (StreamVerifier counts 16 bits). */
const MAX_GAP_FRAMES = 16_384;
const NO_PREFIX = new Uint8Array(0);

export class DetachedVerifier {
  #sv!: StreamVerifier;
  readonly #verified = new WeakSet<Checkpoint>();
  readonly #queue: Held[] = [];
  readonly #pending = new Map<number, { cp: DetachedCheckpoint; at: number }>();
  /** Page index = this side's frame number + offset, once a checkpoint paired. */
  #offset: number | undefined;
  #n = -1;
  #nextTs: number | undefined;
  #lastDuration = 0;
  /** Frames since the last checkpoint arrived, before any paired (a silent signer). */
  #unsigned = 0;
  /** The checkpoints' channel is down (interrupt()) until the next checkpoint arrives. */
  #interrupted = false;
  /** A gap (or an interrupt) since the last paired checkpoint: the numbering is an estimate. */
  #gapSincePair = false;
  #work: Promise<void> = Promise.resolve();
  /** Asynchronous signature checks under way, in the order their checkpoints came. */
  #checking: Promise<void> | undefined;
  #at = 0;
  #state: StreamState = "unverified";
  /** late: frames after their successors, and checkpoints after their frames. */
  readonly counts = { frames: 0, late: 0, lost: 0, checkpoints: 0, unpaired: 0 };
  readonly #deadline: number;
  #holdFrames: number;
  #holdMs: number;
  /** Timestamp of the last frame handed on (a checkpoint for it or before it is late). */
  #releasedTs: number | undefined;

  constructor(private readonly o: DetachedVerifierOptions) {
    this.#deadline = o.deadlineFrames ?? 2 * o.checkpointEvery;
    this.#holdFrames = o.holdFrames ?? 4 * o.checkpointEvery;
    this.#holdMs = o.holdMs ?? 2000;
    this.#newVerifier();
  }

  get state(): StreamState {
    return this.#state;
  }

  /** The first frame index found bad, once broken. */
  get firstBad(): number | undefined {
    return this.#sv.firstBad;
  }

  /** Stream index of the last frame a checkpoint proved. */
  get provenThrough(): number {
    return this.#sv.provenThrough;
  }

  /** Resolves when everything handed in so far has been checked. */
  settled(): Promise<void> {
    return this.#work;
  }

  #newVerifier(): void {
    const verify = this.o.verify ?? verifyCheckpoint;
    this.#sv = new StreamVerifier({
      streamId: this.o.streamId,
      publicKey: this.o.publicKey,
      checkpointEvery: this.o.checkpointEvery,
      deadlineFrames: this.#deadline,
      // Verified when a checkpoint links up frames received, not on a signature alone.
      strict: true,
      realign: true,
      // Checked once, as it arrived.
      verify: (sid, cp, pk) => this.#verified.has(cp) || verify(sid, cp, pk),
      onChange: (c) => this.#change(c),
      onBad: (index, reason) => this.o.onBad?.(index, reason, this.#at),
    });
  }

  #change(c: StateChange): void {
    if (this.#state === "broken") return;
    this.#state = c.state;
    this.o.onChange?.({ ...c, at: this.#at });
  }

  /**
   * One received audio frame: its RTP timestamp, duration (in RTP clock units) and
   * payload (kept: pass a copy the caller will not reuse), and when it arrived.
   */
  frame(rtpTimestamp: number, duration: number, payload: Uint8Array, at: number): void {
    const ts = rtpTimestamp >>> 0;
    let n: number;
    if (this.#nextTs === undefined) n = 0;
    else {
      const step = (ts - this.#nextTs) | 0;
      if (step < 0) {
        this.counts.late++;
        return;
      }
      const gap = step === 0 ? 0 : Math.max(1, Math.round(step / (this.#lastDuration || 960)));
      if (gap >= MAX_GAP_FRAMES) return this.#restart(rtpTimestamp, duration, payload, at);
      this.counts.lost += gap;
      if (gap > 0) this.#gapSincePair = true;
      n = this.#n + 1 + gap;
    }
    this.#n = n;
    this.#nextTs = (ts + duration) >>> 0;
    if (duration > 0) this.#lastDuration = duration;
    this.counts.frames++;
    if (this.#offset === undefined && !this.#interrupted) this.#unsigned++;
    this.#queue.push({ n, ts, payload, at });
    this.#release(at);
  }

  /** A long silence: numbering starts again (the chain resynchronises as after loss). */
  #restart(rtpTimestamp: number, duration: number, payload: Uint8Array, at: number): void {
    this.#flush();
    this.#offset = undefined;
    this.#releasedTs = undefined;
    this.#nextTs = undefined;
    this.#unsigned = 0;
    this.#pending.clear();
    if (this.#state !== "broken") {
      this.#work = this.#work.then(() => {
        this.#newVerifier();
        this.#at = at;
        this.#change({ state: "unverified", reason: "a long gap; resynchronising", index: -1 });
      });
    }
    this.frame(rtpTimestamp, duration, payload, at);
  }

  /** A checkpoint that came apart from its frame, and when it arrived. */
  checkpoint(cp: DetachedCheckpoint, at: number): void {
    if (
      cp.streamId.length !== this.o.streamId.length ||
      cp.streamId.some((b, i) => b !== this.o.streamId[i])
    ) {
      return this.#fail(cp.index, `checkpoint at frame ${cp.index} belongs to another stream`, at);
    }
    const verify = this.o.verify ?? verifyCheckpoint;
    const checked = verify(this.o.streamId, cp, this.o.publicKey);
    const then = (ok: boolean) => {
      if (!ok) {
        return this.#fail(
          cp.index,
          `checkpoint at frame ${cp.index}: the signature does not verify`,
          at,
        );
      }
      this.#verified.add(cp);
      this.counts.checkpoints++;
      this.#unsigned = 0;
      this.#interrupted = false;
      const ts = cp.rtpTimestamp >>> 0;
      if (this.#releasedTs !== undefined && ((ts - this.#releasedTs) | 0) <= 0) {
        return this.#late(at);
      }
      this.#pending.set(ts, { cp, at });
      while (this.#pending.size > MAX_PENDING) {
        this.#pending.delete(this.#pending.keys().next().value!);
        this.counts.unpaired++;
      }
      this.#release(at);
    };
    if (typeof checked === "boolean" && !this.#checking) return then(checked);
    // Asynchronous checks (WebCrypto's) may finish out of order: taken in arrival order.
    const check = Promise.resolve(checked).catch(() => false);
    const turn = (this.#checking ?? Promise.resolve()).then(() => check).then(then);
    this.#checking = turn;
    turn.finally(() => {
      if (this.#checking === turn) this.#checking = undefined;
    });
  }

  /** The checkpoints' channel is down (not the sender's doing): resynchronise after it. */
  interrupt(reason: string, at: number): void {
    this.#unsigned = 0;
    this.#interrupted = true;
    this.#gapSincePair = true;
    this.#work = this.#work.then(() => {
      this.#at = at;
      return this.#sv.interrupt(reason);
    });
  }

  /**
   * A checkpoint came after its frame went on without it: the page signs, only late
   * (short of CPU). Not a stopped signer: the chain resynchronises (the frames since
   * are unverified, as after loss) and frames wait twice as long from now on (to 10 s).
   * (Every checkpoint that pairs also stretches the wait to twice its own lateness.)
   */
  #late(at: number): void {
    this.counts.late++;
    this.#waitFor(this.#holdMs);
    this.#work = this.#work.then(() => {
      this.#at = at;
      return this.#sv.interrupt(
        "checkpoints arrive too late to pair (a slow page); resynchronising",
      );
    });
  }

  /** Frames wait at least twice as long as a checkpoint was late (up to MAX_HOLD_MS). */
  #waitFor(lateMs: number): void {
    if (2 * lateMs <= this.#holdMs) return;
    this.#holdMs = Math.min(2 * lateMs, MAX_HOLD_MS);
    this.#holdFrames = Math.max(this.#holdFrames, Math.ceil(this.#holdMs / 20));
  }

  #fail(index: number, reason: string, at: number): void {
    this.#work = this.#work.then(() => {
      this.#at = at;
      return this.#sv.fail(index, reason);
    });
  }

  /** Hands every frame that need not wait any more to StreamVerifier, in order. */
  #release(now: number): void {
    const q = this.#queue;
    while (q.length) {
      const f = q[0];
      const paired = this.#pending.get(f.ts);
      if (paired && this.#offset !== undefined && this.#gapSincePair) {
        // Across a gap frames were counted from timestamps: the page's count is the truth.
        this.#offset = paired.cp.index - f.n;
      }
      if (paired) this.#gapSincePair = false;
      if (this.#offset === undefined) {
        if (paired) this.#offset = paired.cp.index - f.n;
        else {
          // Frames before a paired one can never be linked: the chain starts there.
          const k = q.findIndex((x) => this.#pending.has(x.ts));
          if (k > 0) {
            q.splice(0, k);
            continue;
          }
          // The first checkpoint may be as late as any can be (MAX_HOLD_MS): no sooner a
          // stopped signer.
          const limit = this.#deadline + Math.ceil(MAX_HOLD_MS / 20);
          if (this.#unsigned > limit) {
            this.#unsigned = 0;
            this.#fail(
              f.n,
              `no checkpoint for ${limit} frames: the sender stopped signing`,
              q[q.length - 1].at,
            );
          }
          // Kept for a checkpoint on its way, within bounds.
          if (q.length <= limit) return;
          this.#releasedTs = q.shift()!.ts;
          continue;
        }
      }
      const index = f.n + this.#offset;
      if (
        !paired && isCheckpointIndex(index, this.o.checkpointEvery) &&
        q.length <= this.#holdFrames && now - f.at < this.#holdMs &&
        // A later frame's checkpoint has come: this one's (sent before it) is not coming
        // (or the numbering after a gap named the wrong frame).
        !q.some((x) => this.#pending.has(x.ts))
      ) return; // its checkpoint is on its way
      q.shift();
      if (paired) {
        this.#pending.delete(f.ts);
        this.#waitFor(paired.at - f.at);
      }
      this.#releasedTs = f.ts;
      this.#feed(f, paired);
    }
    // Checkpoints for frames that were lost (older than the last frame seen) go.
    if (this.#nextTs !== undefined) {
      for (const [ts] of this.#pending) {
        if (((ts - this.#nextTs) | 0) < -(this.#lastDuration || 960) * 2 * this.#holdFrames) {
          this.#pending.delete(ts);
          this.counts.unpaired++;
        }
      }
    }
  }

  /** Releases everything still held (before a restart). */
  #flush(): void {
    for (const f of this.#queue.splice(0)) {
      if (this.#offset !== undefined) this.#feed(f, this.#pending.get(f.ts));
    }
  }

  #feed(f: Held, p: { cp: DetachedCheckpoint; at: number } | undefined): void {
    this.#work = this.#work.then(() => {
      this.#at = p ? Math.max(f.at, p.at) : f.at;
      return this.#sv.frame(
        f.n & 0xffff,
        f.ts,
        f.payload,
        p ? { prefix: NO_PREFIX, streamId: p.cp.streamId, checkpoint: p.cp } : undefined,
      );
    });
  }
}

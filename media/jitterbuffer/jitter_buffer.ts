// An adaptive jitter buffer for one audio source, in the time domain.
//
// Every packet's transit time is arrival - timestamp/clock. The smallest transit of the
// recent past is the "fastest path"; a packet's lateness is its transit minus that
// minimum. A packet is due at timestamp/clock + minTransit + target, and playout asks
// at each tick what is due.
//
// The target is set for a mixer, where every source's late frame is a hole in every
// other member's mix: with eleven talkers, 1 % late per source leaves one mixed frame in
// ten incomplete. So it covers all of the recent lateness but the single worst spike:
// history is kept per block of 64 packets over the last 16 blocks (about 20 s at 20 ms):
// each block's worst lateness, each packet's measured on arrival from the fastest path of
// its own block and the one before (so a step in the sender's timing, or clock drift, is
// not taken for lateness), and the target is the second-worst block's. One stall in 20 s
// costs one concealed frame and no delay; two raise the target to the smaller of them at
// once; the target falls as those blocks age out. Cost per packet: a few compares and a
// scan of 16 numbers.
//
// A source being played never goes silent for want of a packet that is on its way: a
// tick with nothing due yet (the target just rose, or the tick ran early) is filled by
// concealment without consuming a slot, and the packet plays at the next tick. Packets
// that arrive after their slot was concealed are dropped as late; when the target
// shrinks, overdue packets are skipped so the delay follows it down.

/** A received packet, with its timestamp already unwrapped to a plain number. */
export interface BufferedPacket {
  readonly ts: number;
  /** Timestamp units the payload covers (known from the codec). */
  readonly duration: number;
  readonly payload: Uint8Array;
  readonly marker: boolean;
}

export type Playout =
  /** Decode this packet now. */
  | { readonly kind: "play"; readonly packet: BufferedPacket }
  /** Invent `duration` units; `next` is the packet after the gap when it is here (FEC). */
  | { readonly kind: "conceal"; readonly duration: number; readonly next?: BufferedPacket }
  /** Nothing is due: silence or comfort noise (priming, talk-spurt gap, underrun). */
  | { readonly kind: "wait" };

export type PushVerdict = "stored" | "duplicate" | "late" | "overflow";

export interface JitterBufferOptions {
  /** RTP clock rate of the source. */
  readonly clockRate: number;
  /** Timestamp units of one playout frame (20 ms = clockRate / 50). */
  readonly frameDuration: number;
  /** Bounds of the target delay, in ms. */
  readonly minDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Packets held at most; beyond it the newest is refused. */
  readonly capacity?: number;
  /** Consecutive frames concealed before the buffer gives silence instead. */
  readonly maxConcealFrames?: number;
}

const BLOCK = 64; // packets a block of history covers
const BLOCKS = 16; // blocks kept: 1,024 packets, about 20 s of 20 ms packets

export interface JitterBufferStats {
  /** Delay the buffer aims for beyond the fastest path, ms. */
  readonly targetMs: number;
  /** Audio buffered ahead of the playout point, ms. */
  readonly levelMs: number;
  readonly played: number;
  readonly concealed: number;
  readonly late: number;
  readonly duplicates: number;
  readonly overflow: number;
  readonly skipped: number;
  /** Frames concealed while a packet was on its way (the delay grew by a frame). */
  readonly expanded: number;
}

export class JitterBuffer {
  readonly #clock: number;
  readonly #frame: number;
  readonly #minDelay: number;
  readonly #maxDelay: number;
  readonly #capacity: number;
  readonly #maxConceal: number;

  readonly #packets = new Map<number, BufferedPacket>();
  #earliest = Infinity;
  #latestEnd = -Infinity;

  // Per block of history: the smallest transit (ms).
  readonly #blockMin = new Float64Array(BLOCKS);
  /** Per block: its worst lateness, each packet's measured from the fastest path then. */
  readonly #blockSpread = new Float64Array(BLOCKS);
  /** Blocks started so far (the current one is #blocks - 1); its packets so far. */
  #blocks = 0;
  #inBlock = BLOCK;
  #minTransit = Infinity;
  #targetMs: number;

  /** Timestamp of the next unit to play; NaN until the first packet. */
  #playTs = NaN;
  #concealRun = 0;
  /** A packet played since the buffer last fell silent: an underrun is concealed. */
  #streaming = false;

  #played = 0;
  #concealed = 0;
  #late = 0;
  #duplicates = 0;
  #overflow = 0;
  #skipped = 0;
  #expanded = 0;

  constructor(options: JitterBufferOptions) {
    this.#clock = options.clockRate;
    this.#frame = options.frameDuration;
    this.#minDelay = options.minDelayMs ?? 0;
    this.#maxDelay = options.maxDelayMs ?? 200;
    this.#capacity = options.capacity ?? 64;
    this.#maxConceal = options.maxConcealFrames ?? 5;
    this.#targetMs = this.#minDelay;
  }

  get size(): number {
    return this.#packets.size;
  }

  push(packet: BufferedPacket, arrivalMs: number): PushVerdict {
    if (this.#packets.has(packet.ts)) {
      this.#duplicates++;
      return "duplicate";
    }
    this.#observe(arrivalMs - packet.ts * 1000 / this.#clock);
    if (!Number.isNaN(this.#playTs) && packet.ts < this.#playTs) {
      this.#late++;
      return "late";
    }
    if (this.#packets.size >= this.#capacity) {
      this.#overflow++;
      return "overflow";
    }
    this.#packets.set(packet.ts, packet);
    if (packet.ts < this.#earliest) this.#earliest = packet.ts;
    this.#latestEnd = Math.max(this.#latestEnd, packet.ts + packet.duration);
    return "stored";
  }

  /** What to play for the frame starting now. */
  next(nowMs: number): Playout {
    if (this.#packets.size === 0) return this.#idle(nowMs);
    if (Number.isNaN(this.#playTs)) this.#playTs = this.#earliest;
    this.#skipOverdue(nowMs);

    const exact = this.#packets.get(this.#playTs);
    if (exact) {
      if (nowMs < this.#due(exact.ts) - this.#frameMs() / 2) return this.#expand();
      return this.#play(exact);
    }
    // A gap before the earliest buffered packet: lost, or a new talk spurt.
    const earliest = this.#packets.get(this.#earliest)!;
    // The missing packet may still come until its due time (the target allows that much).
    if (nowMs < this.#due(this.#playTs)) return this.#expand();
    const gap = earliest.ts - this.#playTs;
    if (
      earliest.marker || gap > this.#frame * this.#maxConceal ||
      this.#concealRun >= this.#maxConceal
    ) {
      // Resynchronise on the talk spurt instead of concealing across it.
      this.#playTs = earliest.ts;
      this.#concealRun = 0;
      return nowMs < this.#due(earliest.ts) - this.#frameMs() / 2
        ? { kind: "wait" }
        : this.#play(earliest);
    }
    const duration = Math.min(this.#frame, gap);
    this.#playTs += duration;
    this.#concealRun++;
    this.#concealed++;
    return { kind: "conceal", duration, next: this.#packets.get(this.#playTs) };
  }

  stats(): JitterBufferStats {
    const level = Number.isNaN(this.#playTs) || this.#packets.size === 0
      ? 0
      : Math.max(0, this.#latestEnd - this.#playTs) * 1000 / this.#clock;
    return {
      targetMs: this.#targetMs,
      levelMs: level,
      played: this.#played,
      concealed: this.#concealed,
      late: this.#late,
      duplicates: this.#duplicates,
      overflow: this.#overflow,
      skipped: this.#skipped,
      expanded: this.#expanded,
    };
  }

  /** Forgets everything (a new source on the same leg). */
  reset(): void {
    this.#packets.clear();
    this.#earliest = Infinity;
    this.#latestEnd = -Infinity;
    this.#blocks = 0;
    this.#inBlock = BLOCK;
    this.#minTransit = Infinity;
    this.#targetMs = this.#minDelay;
    this.#playTs = NaN;
    this.#concealRun = 0;
    this.#streaming = false;
  }

  #idle(nowMs: number): Playout {
    // Underrun: the next frame of a stream we are playing is overdue (later than the
    // target allows) and not here. Conceal a few frames (the late packet is then
    // dropped, so the delay does not creep up a frame at every hiccup), then fall
    // silent until the stream comes back. A frame not yet due is waited for.
    if (this.#streaming && this.#concealRun < this.#maxConceal) {
      if (nowMs < this.#due(this.#playTs)) return this.#expand();
      this.#concealRun++;
      this.#concealed++;
      this.#playTs += this.#frame;
      return { kind: "conceal", duration: this.#frame };
    }
    if (this.#concealRun >= this.#maxConceal) this.#streaming = false;
    return { kind: "wait" };
  }

  // Nothing is due yet. Before the stream plays (or after it fell silent) that is
  // silence; while it plays, a frame of concealment that takes no slot, so the packet on
  // its way still plays next tick and the source has no hole.
  #expand(): Playout {
    if (!this.#streaming || this.#concealRun >= this.#maxConceal) return { kind: "wait" };
    this.#concealRun++;
    this.#expanded++;
    return { kind: "conceal", duration: this.#frame };
  }

  #play(packet: BufferedPacket): Playout {
    this.#remove(packet.ts);
    this.#playTs = packet.ts + packet.duration;
    this.#concealRun = 0;
    this.#streaming = true;
    this.#played++;
    return { kind: "play", packet };
  }

  // Packets whose whole span is more than a frame overdue are skipped while a later
  // one can take their place: this is how the delay comes down after a burst.
  #skipOverdue(nowMs: number): void {
    while (this.#packets.size > 1) {
      const p = this.#packets.get(this.#earliest)!;
      if (this.#due(p.ts + p.duration) >= nowMs - this.#frameMs()) return;
      this.#remove(p.ts);
      this.#skipped++;
      this.#playTs = Math.max(this.#playTs, p.ts + p.duration);
    }
  }

  #remove(ts: number): void {
    this.#packets.delete(ts);
    if (ts !== this.#earliest) return;
    let min = Infinity;
    for (const k of this.#packets.keys()) if (k < min) min = k;
    this.#earliest = min;
    if (this.#packets.size === 0) this.#latestEnd = -Infinity;
  }

  #due(ts: number): number {
    return ts * 1000 / this.#clock + this.#minTransit + this.#targetMs;
  }

  #frameMs(): number {
    return this.#frame * 1000 / this.#clock;
  }

  #observe(transit: number): void {
    if (this.#inBlock === BLOCK) {
      const slot = this.#blocks++ % BLOCKS;
      this.#blockMin[slot] = Infinity;
      this.#blockSpread[slot] = 0;
      this.#inBlock = 0;
    }
    this.#inBlock++;
    const slot = (this.#blocks - 1) % BLOCKS;
    if (transit < this.#blockMin[slot]) this.#blockMin[slot] = transit;
    // The fastest path is that of this block and the one before: a sender whose clock
    // drifts, or whose timestamps step (a browser's capture catching up), moves it, and
    // lateness is measured from where it is now, not from where it once was.
    const prev = this.#blocks > 1 ? (this.#blocks - 2) % BLOCKS : slot;
    this.#minTransit = Math.min(this.#blockMin[slot], this.#blockMin[prev]);
    const late = transit - this.#minTransit;
    if (late > this.#blockSpread[slot]) this.#blockSpread[slot] = late;
    const kept = Math.min(this.#blocks, BLOCKS);
    let top = 0, second = 0;
    for (let i = 0; i < kept; i++) {
      const x = this.#blockSpread[i];
      if (x > top) {
        second = top;
        top = x;
      } else if (x > second) second = x;
    }
    // While one block is all there is (the first 1.3 s), its worst counts.
    const peak = kept > 1 ? second : top;
    this.#targetMs = Math.min(this.#maxDelay, Math.max(this.#minDelay, peak));
  }
}

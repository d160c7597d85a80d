// Sequence number bookkeeping per source, after RFC 3550 appendix A.1: a source is
// valid after MIN_SEQUENTIAL packets in sequence; the 16-bit sequence extends with
// a cycle count across wrap-around; large jumps are treated as a restarted source
// only when confirmed by the next packet; duplicates and late packets are told
// apart for the jitter buffer.

const RTP_SEQ_MOD = 1 << 16;
const MAX_DROPOUT = 3000;
const MAX_MISORDER = 100;
const MIN_SEQUENTIAL = 2;

/** True when a is later than b in 16-bit serial arithmetic (RFC 1982). */
export function seqNewer(a: number, b: number): boolean {
  const d = (a - b) & 0xffff;
  return d !== 0 && d < 0x8000;
}

export type SeqVerdict = "ok" | "probation" | "late" | "restart-pending" | "restarted";

export class SequenceTracker {
  #maxSeq = 0;
  #cycles = 0;
  #baseSeq = 0;
  #badSeq = RTP_SEQ_MOD + 1;
  #probation = MIN_SEQUENTIAL;
  #received = 0;
  #started = false;

  /** Packets accepted since the source (re)started. */
  get received(): number {
    return this.#received;
  }

  /** Highest sequence number seen, extended with the wrap count. */
  get extendedMax(): number {
    return this.#cycles + this.#maxSeq;
  }

  /** Packets expected from the first to the highest sequence number (RFC 3550 A.3). */
  get expected(): number {
    return this.#started ? this.extendedMax - this.#baseSeq + 1 : 0;
  }

  /** Cumulative loss; negative when duplicates outnumber losses, as RFC 3550 allows. */
  get lost(): number {
    return this.expected - this.#received;
  }

  update(seq: number): SeqVerdict {
    if (!this.#started) {
      this.#init(seq);
      this.#maxSeq = seq - 1;
      this.#probation = MIN_SEQUENTIAL;
      this.#started = true;
    }
    const delta = (seq - this.#maxSeq) & 0xffff;
    if (this.#probation > 0) {
      // Not yet valid: packets must arrive in sequence.
      if (seq === ((this.#maxSeq + 1) & 0xffff)) {
        this.#probation--;
        this.#maxSeq = seq;
        if (this.#probation === 0) {
          this.#init(seq);
          this.#received++;
          return "ok";
        }
      } else {
        this.#probation = MIN_SEQUENTIAL - 1;
        this.#maxSeq = seq;
      }
      return "probation";
    }
    if (delta === 0) {
      // A duplicate of the newest packet; RFC 3550 still counts it as received.
      this.#received++;
      return "late";
    }
    if (delta < MAX_DROPOUT) {
      // In order, possibly with a gap.
      if (seq < this.#maxSeq) this.#cycles += RTP_SEQ_MOD;
      this.#maxSeq = seq;
    } else if (delta <= RTP_SEQ_MOD - MAX_MISORDER) {
      // A very large jump: believe it only if the next packet follows it.
      if (seq === this.#badSeq) {
        this.#init(seq);
        this.#received++;
        return "restarted";
      }
      this.#badSeq = (seq + 1) & 0xffff;
      return "restart-pending";
    } else {
      // Duplicate or reordered within the misorder window.
      this.#received++;
      return "late";
    }
    this.#received++;
    return "ok";
  }

  #init(seq: number): void {
    this.#baseSeq = seq;
    this.#maxSeq = seq;
    this.#badSeq = RTP_SEQ_MOD + 1;
    this.#cycles = 0;
    this.#received = 0;
  }
}

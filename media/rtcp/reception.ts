// What one RTP receiver knows of its source, kept for RTCP receiver reports:
// loss (RFC 3550 A.3), interarrival jitter (A.8) and the SR it last heard, and
// what the far end's reports about our stream say (loss, jitter, round trip).

import { SequenceTracker } from "../rtp/mod.ts";
import { ntpMiddle, ntpTime, type ReportBlock, type SenderInfo } from "./packet.ts";

export class ReceptionStats {
  readonly seq = new SequenceTracker();
  #transit = NaN;
  #jitter = 0; // timestamp units, RFC 3550 A.8 estimator
  #expectedPrior = 0;
  #receivedPrior = 0;
  #lastSrMiddle = 0;
  #lastSrAtMs = 0;
  #fraction = 0;

  constructor(readonly clockRate: number) {}

  /** Jitter in ms. */
  get jitterMs(): number {
    return this.#jitter * 1000 / this.clockRate;
  }

  /** Loss 0..1 over the whole stream so far. */
  get cumulativeLossFraction(): number {
    const expected = this.seq.expected;
    return expected > 0 ? Math.max(0, this.seq.lost) / expected : 0;
  }

  /** Loss fraction 0..1 in the last report interval. */
  get lastFractionLost(): number {
    return this.#fraction / 256;
  }

  /** Records one RTP arrival (after sequence validation). */
  onRtp(timestamp: number, arrivalMs: number): void {
    const arrival = arrivalMs * this.clockRate / 1000;
    const transit = arrival - timestamp;
    if (!Number.isNaN(this.#transit)) {
      let d = transit - this.#transit;
      // Timestamps are 32-bit; a wrap looks like a huge jump.
      if (d > 2 ** 31) d -= 2 ** 32;
      else if (d < -(2 ** 31)) d += 2 ** 32;
      this.#jitter += (Math.abs(d) - this.#jitter) / 16;
    }
    this.#transit = transit;
  }

  onSenderReport(sender: SenderInfo, arrivalMs: number): void {
    this.#lastSrMiddle = ntpMiddle(sender.ntpSec, sender.ntpFrac);
    this.#lastSrAtMs = arrivalMs;
  }

  /** A report block about this source; advances the loss interval. */
  reportBlock(ssrc: number, nowMs: number): ReportBlock {
    const expected = this.seq.expected;
    const received = this.seq.received;
    const expectedInterval = expected - this.#expectedPrior;
    const lostInterval = expectedInterval - (received - this.#receivedPrior);
    this.#expectedPrior = expected;
    this.#receivedPrior = received;
    this.#fraction = expectedInterval <= 0 || lostInterval <= 0
      ? 0
      : Math.min(255, Math.floor((lostInterval << 8) / expectedInterval));
    return {
      ssrc,
      fractionLost: this.#fraction,
      cumulativeLost: this.seq.lost,
      extendedHighestSeq: this.seq.extendedMax >>> 0,
      jitter: Math.round(this.#jitter),
      lastSr: this.#lastSrMiddle,
      delaySinceLastSr: this.#lastSrMiddle ? Math.round((nowMs - this.#lastSrAtMs) * 65.536) : 0,
    };
  }
}

/** Round trip from a report block about our stream (RFC 3550 6.4.1), ms; undefined without an SR echo. */
export function roundTripMs(block: ReportBlock, nowUnixMs: number): number | undefined {
  if (!block.lastSr) return undefined;
  const now = ntpTime(nowUnixMs);
  const a = ntpMiddle(now.sec, now.frac);
  const rtt = (a - block.lastSr - block.delaySinceLastSr) >>> 0;
  // Anything over a minute is a wrapped or bogus echo.
  return rtt < 60 * 65536 ? rtt / 65.536 : undefined;
}

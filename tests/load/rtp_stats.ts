// Loss and jitter of the RTP a member received over the whole run, counted apart
// inside the failover windows (from each fault, for a fixed length) and outside them.
//
// Outside: RFC 3550 sequence accounting per source, between packets that both arrived
// outside a window (a window's packets and the gap the fault made are the window's).
// Inside: by time, since a failover starts a new source (new SSRC, sequence numbers
// and timestamps) and the outage is no sequence gap at all: a window of W ms should
// have brought W / 20 packets. Jitter: the transit differences |D(i-1,i)| of RFC 3550
// section 6.4.1 between consecutive packets of one source, in 0.1 ms bins, filed under
// the later packet's side of the window edge; and the running RFC 3550 estimate.

export const FRAME_MS = 20;

export interface RtpCounts {
  /** Packets expected and received outside the windows (sequence accounting). */
  outside: { expected: number; received: number };
  /** Packets expected (window length / 20 ms) and received inside the windows. */
  inside: { expected: number; received: number };
  /** |D| histograms in 0.1 ms bins (index = bin). */
  transitOutside: number[];
  transitInside: number[];
  /** Worst RFC 3550 interarrival jitter estimate, ms. */
  jitterMaxMs: number;
  /** Arrival of the first packet in the run, wall ms (null: none). */
  firstAt: number | null;
}

interface Source {
  ssrc: number;
  lastSeq: number;
  lastArrival: number;
  lastTs: number;
  /** Whether the last packet arrived outside every window. */
  lastOutside: boolean;
  jitter: number;
}

export class RtpStats {
  readonly counts: RtpCounts = {
    outside: { expected: 0, received: 0 },
    inside: { expected: 0, received: 0 },
    transitOutside: [],
    transitInside: [],
    jitterMaxMs: 0,
    firstAt: null,
  };
  readonly #windows: [number, number][] = [];
  #source?: Source;

  /**
   * Counts packets arriving in [from, to) (wall ms), `clockRate` Hz RTP timestamps;
   * failover windows are `windowMs` long from each `window(at)`.
   */
  constructor(
    readonly from: number,
    readonly to: number,
    readonly clockRate: number,
    readonly windowMs: number,
  ) {}

  /** A failover window opens at `at` (its fault). */
  window(at: number): void {
    const start = Math.max(at, this.from), end = Math.min(at + this.windowMs, this.to);
    this.#windows.push([at, at + this.windowMs]);
    if (end > start) this.counts.inside.expected += Math.round((end - start) / FRAME_MS);
  }

  inWindow(at: number): boolean {
    return this.#windows.some(([a, b]) => at >= a && at < b);
  }

  /** One RTP packet: its source, sequence number, timestamp and arrival (wall ms). */
  packet(ssrc: number, seq: number, ts: number, at: number): void {
    if (at < this.from || at >= this.to) return;
    const c = this.counts;
    c.firstAt ??= at;
    const outside = !this.inWindow(at);
    if (outside) c.outside.received++;
    else c.inside.received++;
    const s = this.#source;
    if (!s || s.ssrc !== ssrc) {
      this.#source = {
        ssrc,
        lastSeq: seq,
        lastArrival: at,
        lastTs: ts,
        lastOutside: outside,
        jitter: 0,
      };
      if (outside) c.outside.expected++;
      return;
    }
    const delta = ((seq - s.lastSeq + 0x8000) & 0xffff) - 0x8000;
    if (outside) {
      // A packet after another outside packet of its source: the sequence gap is lost
      // outside. After a window (or the source's first): this one packet is expected.
      c.outside.expected += s.lastOutside && delta > 0 ? delta : 1;
    }
    if (delta > 0) {
      const d = Math.abs((at - s.lastArrival) - (((ts - s.lastTs) | 0) * 1000) / this.clockRate);
      const bins = outside ? c.transitOutside : c.transitInside;
      const bin = Math.min(Math.round(d * 10), 100_000);
      bins[bin] = (bins[bin] ?? 0) + 1;
      s.jitter += (d - s.jitter) / 16;
      c.jitterMaxMs = Math.max(c.jitterMaxMs, s.jitter);
      s.lastSeq = seq;
      s.lastTs = ts;
    }
    s.lastArrival = at;
    s.lastOutside = outside;
  }

  /** The counts, histograms without holes (they cross postMessage as plain arrays). */
  report(): RtpCounts {
    const c = structuredClone(this.counts);
    c.transitOutside = Array.from(c.transitOutside, (v) => v ?? 0);
    c.transitInside = Array.from(c.transitInside, (v) => v ?? 0);
    return c;
  }
}

/** Percentile (0-100) of a histogram in 0.1 ms bins; NaN when empty. */
export function histogramPercentile(bins: number[], p: number): number {
  const total = bins.reduce((a, b) => a + (b ?? 0), 0);
  if (total === 0) return NaN;
  let seen = 0;
  for (let i = 0; i < bins.length; i++) {
    seen += bins[i] ?? 0;
    if (seen >= (total * p) / 100) return i / 10;
  }
  return NaN;
}

/** Bin-wise sum of histograms. */
export function addHistograms(...all: number[][]): number[] {
  const out: number[] = [];
  for (const h of all) h.forEach((v, i) => (out[i] = (out[i] ?? 0) + (v ?? 0)));
  return Array.from(out, (v) => v ?? 0);
}

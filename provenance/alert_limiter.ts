// One alert per stream per interval: a stream found broken raises an alert at once;
// more failures of the same stream within the interval (a flood of bad frames or
// forged checkpoints) are counted, and the first failure after the interval raises
// the next alert with that count. Bounded: the streams least recently alerted are
// forgotten first.

export interface AlertDecision {
  /** Whether to raise an alert now. */
  alert: boolean;
  /** Failures of this stream not alerted since its last alert (carried into this one). */
  repeats: number;
}

export class AlertLimiter {
  readonly #streams = new Map<string, { last: number; repeats: number }>();

  constructor(
    readonly intervalMs: number,
    private readonly maxStreams = 10_000,
  ) {}

  /** `count` failures of stream `key` seen at `now` (ms): alert, or count them. */
  note(key: string, now: number, count = 1): AlertDecision {
    const s = this.#streams.get(key);
    if (s && now - s.last < this.intervalMs) {
      s.repeats += count;
      return { alert: false, repeats: s.repeats };
    }
    const repeats = (s?.repeats ?? 0) + count - 1;
    this.#streams.delete(key);
    this.#streams.set(key, { last: now, repeats: 0 });
    while (this.#streams.size > this.maxStreams) {
      this.#streams.delete(this.#streams.keys().next().value!);
    }
    return { alert: true, repeats };
  }

  /** A stream that ended: nothing more to count for it. */
  forget(key: string): void {
    this.#streams.delete(key);
  }
}

// A 20 ms tick from the monotonic clock that does not drift: each deadline is
// start + n * period, so a late timer (Deno's fire ~0.6 ms late at the median)
// makes the next wait shorter instead of pushing every later tick back. After a
// stall, up to MAX_CATCH_UP missed ticks run back to back; beyond that the clock
// skips ahead (those frames are gone either way), counts the skip and tells the
// next tick, so RTP timestamps can jump by the time that passed.

const MAX_CATCH_UP = 3;

export interface TickInfo {
  /** performance.now() at the tick's deadline (not when it ran). */
  readonly deadline: number;
  readonly index: number;
  /** Ticks dropped just before this one (a stall longer than the catch-up allows). */
  readonly skipped: number;
}

export class Ticker {
  readonly #period: number;
  #start = 0;
  #index = 0;
  #timer?: ReturnType<typeof setTimeout>;
  #running = false;
  /** Ticks whose deadline passed by more than half a period before they ran. */
  late = 0;
  /** Ticks dropped after a stall. */
  skipped = 0;

  constructor(private readonly onTick: (tick: TickInfo, nowMs: number) => void, periodMs = 20) {
    this.#period = periodMs;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#start = performance.now();
    this.#index = 0;
    this.#schedule();
  }

  stop(): void {
    this.#running = false;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): void {
    if (!this.#running) return;
    const deadline = this.#start + (this.#index + 1) * this.#period;
    this.#timer = setTimeout(() => this.#run(), Math.max(0, deadline - performance.now()));
  }

  #run(): void {
    let now = performance.now();
    let due = Math.floor((now - this.#start) / this.#period) - this.#index;
    let skipped = 0;
    if (due > MAX_CATCH_UP) {
      skipped = due - MAX_CATCH_UP;
      this.skipped += skipped;
      this.#index += skipped;
      due = MAX_CATCH_UP;
    }
    for (let i = 0; i < due && this.#running; i++) {
      this.#index++;
      const deadline = this.#start + this.#index * this.#period;
      if (now - deadline > this.#period / 2) this.late++;
      this.onTick({ deadline, index: this.#index, skipped: i === 0 ? skipped : 0 }, now);
      now = performance.now();
    }
    this.#schedule();
  }
}

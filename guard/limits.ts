// Token buckets (rate limits) and the nonce cache (replay protection).

import type { RateLimit } from "./policy.ts";

export class TokenBucket {
  #tokens: number;
  #last: number;

  constructor(public limit: RateLimit, now = performance.now()) {
    this.#tokens = limit.burst;
    this.#last = now;
  }

  /** Takes one token if there is one; otherwise returns seconds until there will be. */
  take(now = performance.now()): { ok: true } | { ok: false; retryAfter: number } {
    this.#refill(now);
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return { ok: true };
    }
    const rate = this.limit.perSecond;
    return { ok: false, retryAfter: rate > 0 ? Math.ceil((1 - this.#tokens) / rate) : 60 };
  }

  /** Returns one token (up to the burst). */
  give(now = performance.now()): void {
    this.#refill(now);
    this.#tokens = Math.min(this.limit.burst, this.#tokens + 1);
  }

  /** Whether a token is there, without taking it; else seconds until there will be. */
  peek(now = performance.now()): { ok: true } | { ok: false; retryAfter: number } {
    this.#refill(now);
    if (this.#tokens >= 1) return { ok: true };
    const rate = this.limit.perSecond;
    return { ok: false, retryAfter: rate > 0 ? Math.ceil((1 - this.#tokens) / rate) : 60 };
  }

  /** Applies a new limit, keeping the tokens there are (capped by the new burst). */
  update(limit: RateLimit, now = performance.now()): void {
    this.#refill(now);
    this.limit = limit;
    this.#tokens = Math.min(this.#tokens, limit.burst);
  }

  /** True when the bucket is full again, so it can be forgotten. */
  idle(now = performance.now()): boolean {
    this.#refill(now);
    return this.#tokens >= this.limit.burst;
  }

  #refill(now: number): void {
    const elapsed = Math.max(0, now - this.#last) / 1000;
    this.#tokens = Math.min(this.limit.burst, this.#tokens + elapsed * this.limit.perSecond);
    this.#last = now;
  }
}

/**
 * Nonces seen within the freshness window. A request older than the window is
 * refused by its timestamp, so a nonce only needs remembering for that long; the
 * rate limits bound how many there can be.
 */
export class NonceCache {
  // Insertion order is arrival order, so expiry pops from the front.
  #seen = new Map<string, number>();

  constructor(private readonly maxEntries = 1_000_000) {}

  get size(): number {
    return this.#seen.size;
  }

  /** Records the nonce; false if it was already seen and has not expired. */
  add(key: string, expiresAt: number, now = Date.now()): boolean {
    this.#expire(now);
    const until = this.#seen.get(key);
    if (until !== undefined && until > now) return false;
    if (this.#seen.size >= this.maxEntries) this.#seen.delete(this.#seen.keys().next().value!);
    this.#seen.set(key, expiresAt);
    return true;
  }

  #expire(now: number): void {
    for (const [key, until] of this.#seen) {
      if (until > now) break;
      this.#seen.delete(key);
    }
  }
}

/** RTP ports handed to admitted sessions: even ports of the range (RTCP is port+1). */
export class PortPool {
  #free: number[] = [];
  #used = new Set<number>();

  /**
   * `start`: the index in the range handed out first. Random by default, so two
   * Councils on one host (or a Council and another media server) do not both
   * begin at the bottom of the same range and meet on every port.
   */
  constructor(min: number, max: number, start?: number) {
    const ports: number[] = [];
    for (let p = min + (min % 2); p + 1 <= max; p += 2) ports.push(p);
    const at = ports.length
      ? (start ?? Math.floor(Math.random() * ports.length)) % ports.length
      : 0;
    // Taken from the end: the first handed out is ports[at], then upwards, wrapping.
    this.#free = [...ports.slice(at), ...ports.slice(0, at)].reverse();
  }

  get available(): number {
    return this.#free.length;
  }

  /**
   * The next free port. `busy` says when another program holds one (Council is
   * not alone on the host; udp_ports.ts): that port goes to the back of the line
   * and the next is tried, each free port at most once (a busy check is a set
   * lookup; 32 tries gave up while another server held a block of the range).
   */
  take(busy?: (port: number) => boolean): number | undefined {
    const tries = this.#free.length;
    for (let i = 0; i < tries; i++) {
      const port = this.#free.pop();
      if (port === undefined) return undefined;
      if (busy?.(port)) {
        this.#free.unshift(port);
        continue;
      }
      this.#used.add(port);
      return port;
    }
    return undefined;
  }

  release(port: number): void {
    if (this.#used.delete(port)) this.#free.unshift(port);
  }
}

// Flood control shared by every way in: token buckets keyed by source address or
// claimed identity (checked before any signature, HMAC or write), and a ledger that
// witnesses repeated rejects as one entry per interval with a count, so the log
// records an attack without being grown by it.

import type { JsonValue, WitnessLog } from "../witness/mod.ts";
import type { Logger } from "../telemetry/mod.ts";
import { TokenBucket } from "./limits.ts";

/** The key every newcomer shares once a table is full: a flood of distinct keys
 * is limited as one, and the keys already known keep their own buckets. */
export const OVERFLOW_KEY = "\u0000overflow";

export type Take = { ok: true } | { ok: false; retryAfter: number };

/** Token buckets per key (source address, claimed identity), at most maxKeys kept. */
export class KeyedLimiter {
  #perSecond: number;
  #burst: number;
  readonly #maxKeys: number;
  #buckets = new Map<string, TokenBucket>();
  #sweptAt = -Infinity;

  constructor(opts: { perSecond: number; burst: number; maxKeys?: number }) {
    if (!(opts.perSecond >= 0) || !(opts.burst >= 1)) {
      throw new RangeError("KeyedLimiter: perSecond must be >= 0 and burst >= 1");
    }
    this.#perSecond = opts.perSecond;
    this.#burst = opts.burst;
    this.#maxKeys = Math.max(1, opts.maxKeys ?? 10_000);
  }

  /** Keys with a bucket now (bounded by maxKeys + the overflow key). */
  get size(): number {
    return this.#buckets.size;
  }

  /** Takes one token for key; false (with retryAfter seconds) when over the limit. */
  take(key: string, now = performance.now()): Take {
    return this.#bucket(key, now).take(now);
  }

  /** Gives back a token taken from key (the attempt turned out not to count). */
  give(key: string, now = performance.now()): void {
    this.#buckets.get(key)?.give(now);
  }

  /** Whether key has a token, taking none (a key never seen has a full bucket). */
  peek(key: string, now = performance.now()): Take {
    return this.#buckets.get(key)?.peek(now) ?? { ok: true };
  }

  /** Applies a new limit to every key, keeping the tokens each has. */
  update(limit: { perSecond: number; burst: number }, now = performance.now()): void {
    this.#perSecond = limit.perSecond;
    this.#burst = limit.burst;
    for (const bucket of this.#buckets.values()) bucket.update(limit, now);
  }

  #bucket(key: string, now: number): TokenBucket {
    let bucket = this.#buckets.get(key);
    if (bucket) return bucket;
    if (this.#buckets.size >= this.#maxKeys) this.#sweep(now);
    if (this.#buckets.size >= this.#maxKeys) key = OVERFLOW_KEY;
    bucket = this.#buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket({ perSecond: this.#perSecond, burst: this.#burst }, now);
      this.#buckets.set(key, bucket);
    }
    return bucket;
  }

  // A full bucket holds no information: forgetting it changes no answer. At most one
  // sweep every 100 ms, so a flood of new keys costs O(1) per take, not O(maxKeys).
  #sweep(now: number): void {
    if (now - this.#sweptAt < 100) return;
    this.#sweptAt = now;
    for (const [key, bucket] of this.#buckets) {
      if (bucket.idle(now)) this.#buckets.delete(key);
    }
  }
}

interface Pending {
  event: string;
  key: string;
  detail: Record<string, JsonValue>;
  /** Rejects after the first, not yet witnessed. */
  count: number;
  firstAt: number;
  lastAt: number;
}

export interface RejectLedgerOptions {
  witness: Pick<WitnessLog, "append">;
  /** Length of one aggregation interval (ms). */
  intervalMs?: number;
  /** Distinct (event, key) pairs tracked per interval; more fold into one overflow key. */
  maxKeys?: number;
  log?: Logger;
  now?: () => number;
  /** Fields of the overflow entry (what every counted reject has in common). */
  overflowDetail?: Record<string, JsonValue>;
}

/**
 * Aggregates repeated rejects: the first of an (event, key) pair in an interval is
 * witnessed at once (so a single reject is on record before it is answered); the
 * ones after it are counted, and at the end of the interval one entry records how
 * many there were and when. At most maxKeys pairs are witnessed one by one per
 * interval; beyond that they are only counted, under OVERFLOW_KEY.
 */
export class RejectLedger {
  readonly #witness: Pick<WitnessLog, "append">;
  #intervalMs: number;
  readonly #maxKeys: number;
  readonly #log?: Logger;
  readonly #now: () => number;
  readonly #overflowDetail: Record<string, JsonValue>;
  #pending = new Map<string, Pending>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #writes = new Set<Promise<unknown>>();
  #closed = false;

  constructor(opts: RejectLedgerOptions) {
    this.#witness = opts.witness;
    this.#intervalMs = Math.max(10, opts.intervalMs ?? 10_000);
    this.#maxKeys = Math.max(1, opts.maxKeys ?? 1_000);
    this.#log = opts.log;
    this.#now = opts.now ?? Date.now;
    this.#overflowDetail = opts.overflowDetail ?? {};
  }

  /** Changes the interval from the next one on. */
  set intervalMs(ms: number) {
    this.#intervalMs = Math.max(10, ms);
  }

  /** Counts one reject; never awaits, never throws. */
  note(event: string, key: string, detail: Record<string, JsonValue>): void {
    this.record(event, key, detail).catch(() => {});
  }

  /**
   * Counts one reject and resolves with the witness index when this one was
   * witnessed on its own (the first of its pair in the interval), else undefined.
   * Rejects only when that first entry could not be written.
   */
  async record(
    event: string,
    key: string,
    detail: Record<string, JsonValue>,
  ): Promise<number | undefined> {
    if (this.#closed) return undefined;
    const now = this.#now();
    let id = `${event}\u0000${key}`;
    let pending = this.#pending.get(id);
    if (!pending && this.#pending.size >= this.#maxKeys) {
      id = `${event}\u0000${OVERFLOW_KEY}`;
      pending = this.#pending.get(id);
      if (!pending) {
        // The overflow pair is never witnessed one by one: it exists because there are too many.
        pending = {
          event,
          key: OVERFLOW_KEY,
          detail: this.#overflowDetail,
          count: 0,
          firstAt: now,
          lastAt: now,
        };
        this.#pending.set(id, pending);
      }
      pending.count++;
      pending.lastAt = now;
      return undefined;
    }
    if (pending) {
      pending.count++;
      pending.lastAt = now;
      return undefined;
    }
    this.#pending.set(id, { event, key, detail, count: 0, firstAt: now, lastAt: now });
    this.#arm();
    const write = this.#witness.append(event, { ...detail, key, count: 1, firstAt: now });
    this.#track(write);
    return (await write).index;
  }

  /** Writes the counts pending now and starts a new interval. */
  async flush(): Promise<void> {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = [...this.#pending.values()].filter((p) => p.count > 0);
    this.#pending.clear();
    for (const p of batch) {
      const write = this.#witness.append(p.event, {
        ...p.detail,
        key: p.key,
        count: p.count,
        firstAt: p.firstAt,
        lastAt: p.lastAt,
        aggregated: true,
      });
      this.#track(write);
    }
    await Promise.allSettled([...this.#writes]);
  }

  /** Flushes and stops; later rejects are not recorded. */
  async close(): Promise<void> {
    await this.flush();
    this.#closed = true;
  }

  #arm(): void {
    if (this.#timer !== undefined || this.#closed) return;
    const timer = setTimeout(() => {
      this.#timer = undefined;
      this.flush().catch(() => {});
    }, this.#intervalMs);
    // A pending count must not keep a finished process alive; close() flushes it.
    Deno.unrefTimer(timer as unknown as number);
    this.#timer = timer;
  }

  #track(write: Promise<unknown>): void {
    this.#writes.add(write);
    write.then(
      () => this.#writes.delete(write),
      (err) => {
        this.#writes.delete(write);
        this.#log?.warn("reject not witnessed", { err });
      },
    );
  }
}

/**
 * The network a source address belongs to, for aggregating rejects: IPv4 /24 and
 * IPv6 /64, so one attacker varying the last bits of its address makes one key.
 * Anything else (a name, a port, garbage) is its own key, cut to 64 characters.
 */
export function sourceNetwork(address: string): string {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.\d{1,3}$/.exec(address);
  if (v4) return `${v4[1]}.${v4[2]}.${v4[3]}.0/24`;
  if (address.includes(":") && /^[0-9a-fA-F:.]+$/.test(address)) {
    const halves = address.split("::");
    const head = halves[0] ? halves[0].split(":") : [];
    const tail = halves.length > 1 && halves[1] ? halves[1].split(":") : [];
    const groups = halves.length > 1
      ? [...head, ...Array(Math.max(0, 8 - head.length - tail.length)).fill("0"), ...tail]
      : head;
    return `${
      groups.slice(0, 4).map((g) => g.toLowerCase().replace(/^0+(?=.)/, "")).join(":")
    }::/64`;
  }
  return address.slice(0, 64);
}

// Per-account lockout for SIP digest: failures are counted per claimed user name,
// from every source together, so spreading guesses over many addresses buys
// nothing. After `failures` of them the name is locked for `lockMs`, each further
// lock twice as long up to `maxLockMs`; while locked nothing is checked, not even a
// right password (otherwise the lock would still answer guesses). Names nobody
// owns lock the same way, so a lock tells nothing about whether a user exists.
//
// AuthFailureLog tells the operator, not the caller, why an attempt failed (wrong
// password, unknown user, stale nonce, ...), once per name and reason per interval.

import { OVERFLOW_KEY } from "../../guard/mod.ts";
import type { LogFields, Logger } from "../../telemetry/mod.ts";

export interface LockoutOptions {
  /** Failures that lock a name. */
  failures: number;
  /** The first lock; each next one doubles. */
  lockMs: number;
  /** The longest lock. */
  maxLockMs: number;
  /** Names without an account tracked one by one; more share one entry. */
  maxUnknown?: number;
  now?: () => number;
}

export const DEFAULT_LOCKOUT: LockoutOptions = { failures: 5, lockMs: 1_000, maxLockMs: 300_000 };

interface Entry {
  failures: number;
  /** Locks so far; the next lasts lockMs * 2^level. */
  level: number;
  lockedUntil: number;
  lastFailure: number;
}

export type LockCheck = { ok: true } | { ok: false; retryAfter: number };

export class AccountLockout {
  readonly #o: Required<LockoutOptions>;
  // Accounts that exist are bounded by the registry; names that do not are chosen
  // by whoever sends them, so they get a table of their own that a spray of names
  // fills without pushing a real account out.
  #accounts = new Map<string, Entry>();
  #unknown = new Map<string, Entry>();
  #sweptAt = -Infinity;

  constructor(opts: LockoutOptions) {
    if (!(opts.failures >= 1) || !(opts.lockMs >= 0) || !(opts.maxLockMs >= opts.lockMs)) {
      throw new RangeError("lockout: failures >= 1 and 0 <= lockMs <= maxLockMs");
    }
    this.#o = { maxUnknown: 10_000, now: Date.now, ...opts };
  }

  /** Names with an entry now (bounded: accounts plus maxUnknown plus one). */
  get size(): number {
    return this.#accounts.size + this.#unknown.size;
  }

  /** Whether a name may be checked now; retryAfter in whole seconds when locked. */
  check(user: string, account: boolean): LockCheck {
    const now = this.#o.now();
    const e = this.#table(account).get(this.#key(user, account));
    if (!e || e.lockedUntil <= now) return { ok: true };
    return { ok: false, retryAfter: Math.max(1, Math.ceil((e.lockedUntil - now) / 1000)) };
  }

  /** Counts one failure; returns the lock it caused, if it caused one. */
  failure(user: string, account: boolean): { lockedMs: number; level: number } | undefined {
    const now = this.#o.now();
    const table = this.#table(account);
    let key = this.#key(user, account);
    let e = table.get(key);
    if (e && this.#forgotten(e, now)) {
      table.delete(key);
      e = undefined;
    }
    if (!e) {
      if (!account && table.size >= this.#o.maxUnknown) {
        this.#sweep(now);
        if (table.size >= this.#o.maxUnknown) key = OVERFLOW_KEY;
      }
      e = table.get(key) ?? { failures: 0, level: 0, lockedUntil: 0, lastFailure: now };
      table.set(key, e);
    }
    e.failures++;
    e.lastFailure = now;
    if (e.failures < this.#o.failures) return undefined;
    const lockedMs = Math.min(this.#o.lockMs * 2 ** e.level, this.#o.maxLockMs);
    e.failures = 0;
    e.level++;
    e.lockedUntil = now + lockedMs;
    return { lockedMs, level: e.level };
  }

  /** A right answer: its failures are forgotten (the backoff level stays until it decays). */
  success(user: string, account: boolean): void {
    const e = this.#table(account).get(user);
    if (e) e.failures = 0;
  }

  #table(account: boolean): Map<string, Entry> {
    return account ? this.#accounts : this.#unknown;
  }

  #key(user: string, account: boolean): string {
    return account || this.#unknown.has(user) || this.#unknown.size < this.#o.maxUnknown
      ? user
      : OVERFLOW_KEY;
  }

  // Quiet for twice the longest lock: the name starts again from nothing.
  #forgotten(e: Entry, now: number): boolean {
    return e.lockedUntil <= now && now - e.lastFailure > 2 * this.#o.maxLockMs;
  }

  // Only when the table of unknown names is full, at most once a second, so a spray
  // of new names costs O(1) per failure. Their counts below a lock protect no
  // secret, so every unlocked one may go.
  #sweep(now: number): void {
    if (now - this.#sweptAt < 1_000) return;
    this.#sweptAt = now;
    for (const [k, e] of this.#unknown) if (e.lockedUntil <= now) this.#unknown.delete(k);
    for (const [k, e] of this.#accounts) if (this.#forgotten(e, now)) this.#accounts.delete(k);
  }
}

/** Why a digest attempt failed, as the operator's log says it (never a SIP answer). */
export type AuthFailureReason =
  | "wrong password"
  | "unknown user"
  | "no SIP password"
  | "stale nonce"
  | "unsupported algorithm"
  | "locked out"
  | "rate limited"
  | "challenge not answered"
  | "bad digest"
  | "replayed"
  | "guardian not active";

/** Reasons that are routine (a phone's nonce expired, a challenge left alone) log at info. */
const INFO_REASONS = new Set<AuthFailureReason>(["stale nonce", "challenge not answered"]);

export interface AuthLogOptions {
  /** How long repeats of one (reason, name, method) are counted before their summary line. */
  intervalMs?: number;
  /** (reason, name, method) logged one by one per interval; more are counted together. */
  maxKeys?: number;
}

/**
 * The operator's log of failed digest attempts: the first failure of each (reason,
 * name, method) in an interval is one line at once, with its reason and source;
 * repeats in that interval are counted and written as one summary line when it
 * ends; beyond maxKeys of them in one interval, failures are only counted, in one
 * line. So a flood costs a bounded number of lines (at most 2 * maxKeys + 1 per
 * interval) and a phone with a wrong password shows up once, with why.
 */
export class AuthFailureLog {
  readonly #log: Logger | undefined;
  readonly #intervalMs: number;
  readonly #maxKeys: number;
  #pending = new Map<string, { fields: LogFields; count: number; level: "info" | "warn" }>();
  #overflow = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(log: Logger | undefined, opts: AuthLogOptions = {}) {
    this.#log = log;
    this.#intervalMs = Math.max(10, opts.intervalMs ?? 10_000);
    this.#maxKeys = Math.max(1, opts.maxKeys ?? 20);
  }

  /**
   * One failure of `user` (or a source address, for rate limits) for `reason`;
   * `fields.method` (REGISTER, INVITE) keeps a phone's two kinds of failure apart.
   */
  note(reason: AuthFailureReason, user: string, fields: LogFields = {}): void {
    if (!this.#log) return;
    const key = `${reason}\u0000${user}\u0000${fields.method ?? ""}`;
    const pending = this.#pending.get(key);
    if (pending) {
      pending.count++;
      return;
    }
    this.#arm();
    if (this.#pending.size >= this.#maxKeys) {
      this.#overflow++;
      return;
    }
    const line = { reason, user, ...fields };
    const level = INFO_REASONS.has(reason) ? "info" : "warn";
    this.#pending.set(key, { fields: line, count: 0, level });
    this.#log[level]("SIP authentication failed", line);
  }

  /** Writes the counts of this interval and starts the next one. */
  flush(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const { fields, count, level } of this.#pending.values()) {
      if (count > 0) {
        this.#log?.[level]("SIP authentication failed again", {
          ...fields,
          repeats: count,
          withinMs: this.#intervalMs,
        });
      }
    }
    if (this.#overflow > 0) {
      this.#log?.warn("SIP authentication failed (more names than logged one by one)", {
        failures: this.#overflow,
        withinMs: this.#intervalMs,
      });
    }
    this.#pending.clear();
    this.#overflow = 0;
  }

  #arm(): void {
    if (this.#timer !== undefined) return;
    const timer = setTimeout(() => {
      this.#timer = undefined;
      this.flush();
    }, this.#intervalMs);
    Deno.unrefTimer(timer as unknown as number);
    this.#timer = timer;
  }
}

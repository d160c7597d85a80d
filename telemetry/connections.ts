// Connection accounting for every TCP listener (HTTP, SIP/TCP, H.225, H.245): caps
// in total and per source address, a shared pool of file descriptors the caps draw
// from, and the counts /metrics shows. A connection over a cap is refused at accept,
// so a flood costs one descriptor for an instant instead of taking the process down.

import client from "prom-client";

/** Why a connection was refused at accept or closed by the server early. */
export type RefusalReason =
  | "cap"
  | "per_source"
  | "fd_budget"
  | "header_timeout"
  | "body_timeout"
  | "idle_timeout";

export interface ListenerLimits {
  /** Open connections at most. */
  readonly maxTotal: number;
  /** Open connections from one source address at most. */
  readonly maxPerSource: number;
  /** Descriptors one connection holds (the HTTP front holds three). */
  readonly fdsPerConnection?: number;
}

/** An admitted connection: release() exactly once when it closes (more is harmless). */
export interface Admission {
  readonly ok: true;
  release(): void;
}
export type AdmitResult = Admission | { readonly ok: false; readonly reason: RefusalReason };

/**
 * Descriptors the listeners may hold together. `size` comes from the fd budget
 * at start; `pressure()` (open descriptors seen by the process, however they were
 * opened) lets a nearly exhausted process refuse before accept fails.
 */
export class FdPool {
  #held = 0;
  constructor(
    readonly size: number,
    private readonly pressure: () => boolean = () => false,
  ) {}

  get held(): number {
    return this.#held;
  }

  take(n: number): boolean {
    if (this.#held + n > this.size || this.pressure()) return false;
    this.#held += n;
    return true;
  }

  give(n: number): void {
    this.#held = Math.max(0, this.#held - n);
  }
}

/** How often open descriptors are counted while the last count was below the edge. */
const PRESSURE_SAMPLE_MS = 1_000;
/** How old a count at the edge may be before a refusal counts again. */
const PRESSURE_RECHECK_MS = 50;

/**
 * The pressure test for an FdPool: true when the process's open descriptors
 * (`count()`, however they were opened) reach `edge`. Counted at most once a
 * second while below the edge; at the edge, counted again before a refusal when
 * the count is older than 50 ms, so a passing peak (a burst of refused
 * connections being closed) does not refuse legitimate connections for the
 * rest of the second, and a flood costs at most 20 counts a second.
 */
export function fdPressure(
  edge: number,
  count: () => number | undefined,
  first: number,
  now: () => number = () => performance.now(),
): () => boolean {
  let open = first;
  let sampledAt = now();
  return () => {
    const t = now();
    const age = t - sampledAt;
    if (age >= PRESSURE_SAMPLE_MS || (open >= edge && age >= PRESSURE_RECHECK_MS)) {
      sampledAt = t;
      open = count() ?? open;
    }
    return open >= edge;
  };
}

export class ConnectionGate {
  #open = 0;
  #perSource = new Map<string, number>();
  readonly refused: Record<RefusalReason, number> = {
    cap: 0,
    per_source: 0,
    fd_budget: 0,
    header_timeout: 0,
    body_timeout: 0,
    idle_timeout: 0,
  };
  /** accept() failures by error code (EMFILE, ENFILE, ...): counted, never fatal. */
  readonly acceptErrors = new Map<string, number>();

  constructor(
    readonly name: string,
    readonly limits: ListenerLimits,
    private readonly pool: FdPool = new FdPool(Infinity),
  ) {}

  get open(): number {
    return this.#open;
  }

  /** Open connections from one source. */
  openFrom(source: string): number {
    return this.#perSource.get(source) ?? 0;
  }

  /**
   * Admits a connection from `source`, or says why not. `source` undefined (a
   * connection Council opened itself) counts in the total only.
   */
  admit(source: string | undefined): AdmitResult {
    if (this.#open >= this.limits.maxTotal) return this.#refuse("cap");
    const fromSource = source === undefined ? 0 : this.openFrom(source);
    if (source !== undefined && fromSource >= this.limits.maxPerSource) {
      return this.#refuse("per_source");
    }
    const fds = this.limits.fdsPerConnection ?? 1;
    if (!this.pool.take(fds)) return this.#refuse("fd_budget");
    this.#open++;
    if (source !== undefined) this.#perSource.set(source, fromSource + 1);
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        this.#open--;
        this.pool.give(fds);
        if (source === undefined) return;
        const left = (this.#perSource.get(source) ?? 1) - 1;
        if (left > 0) this.#perSource.set(source, left);
        else this.#perSource.delete(source);
      },
    };
  }

  /** Counts a connection the server closed for a reason (a timeout). */
  closedFor(reason: RefusalReason): void {
    this.refused[reason]++;
  }

  acceptFailed(code: string): void {
    this.acceptErrors.set(code, (this.acceptErrors.get(code) ?? 0) + 1);
  }

  #refuse(reason: RefusalReason): { ok: false; reason: RefusalReason } {
    this.refused[reason]++;
    return { ok: false, reason };
  }
}

/** Every listener's gate, one fd pool, and their metrics. */
export class ConnectionBook {
  readonly gates = new Map<string, ConnectionGate>();

  constructor(readonly pool: FdPool = new FdPool(Infinity)) {}

  /** The gate of a listener, made on first use with these limits. */
  gate(name: string, limits: ListenerLimits): ConnectionGate {
    let g = this.gates.get(name);
    if (!g) {
      g = new ConnectionGate(name, limits, this.pool);
      this.gates.set(name, g);
    }
    return g;
  }

  /** Registers council_connections_open, _refused_total and accept errors. */
  register(registry: client.Registry): void {
    const gates = () => [...this.gates.values()];
    registry.registerMetric(
      new client.Gauge({
        name: "council_connections_open",
        help: "Open connections per listener.",
        labelNames: ["listener"],
        registers: [],
        collect() {
          this.reset();
          for (const g of gates()) this.set({ listener: g.name }, g.open);
        },
      }),
    );
    registry.registerMetric(
      new client.Gauge({
        name: "council_connections_limit",
        help: "Connection cap per listener (after sizing to the fd budget).",
        labelNames: ["listener", "scope"],
        registers: [],
        collect() {
          this.reset();
          for (const g of gates()) {
            this.set({ listener: g.name, scope: "total" }, g.limits.maxTotal);
            this.set({ listener: g.name, scope: "per_source" }, g.limits.maxPerSource);
          }
        },
      }),
    );
    // Counters read from the gates' own tallies: a gauge-backed collect keeps
    // the hot path free of prom-client calls.
    registry.registerMetric(
      new client.Counter({
        name: "council_connections_refused_total",
        help:
          "Connections refused at accept (cap, per_source, fd_budget) or closed by the server (header_timeout, body_timeout, idle_timeout), per listener.",
        labelNames: ["listener", "reason"],
        registers: [],
        collect() {
          this.reset();
          for (const g of gates()) {
            for (const [reason, n] of Object.entries(g.refused)) {
              if (n) this.inc({ listener: g.name, reason }, n);
            }
          }
        },
      }),
    );
    registry.registerMetric(
      new client.Counter({
        name: "council_accept_errors_total",
        help: "accept() failures per listener and error code (EMFILE: out of descriptors).",
        labelNames: ["listener", "code"],
        registers: [],
        collect() {
          this.reset();
          for (const g of gates()) {
            for (const [code, n] of g.acceptErrors) this.inc({ listener: g.name, code }, n);
          }
        },
      }),
    );
    const pool = this.pool;
    registry.registerMetric(
      new client.Gauge({
        name: "council_fd_pool",
        help: "Descriptors the listeners may hold together (size) and hold now (held).",
        labelNames: ["state"],
        registers: [],
        collect() {
          if (Number.isFinite(pool.size)) this.set({ state: "size" }, pool.size);
          this.set({ state: "held" }, pool.held);
        },
      }),
    );
  }
}

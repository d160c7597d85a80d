// Subsystems and their order: readiness for /readyz, and a graceful shutdown that
// closes them in reverse start order (listeners first, storage last) so in-flight
// work finishes before what it writes to goes away.

import type { Logger } from "../telemetry/mod.ts";
import { raceDeadline, TIMED_OUT } from "./_deadline.ts";

export { type FdLimit, openFdCount, settleFdLimit } from "./fd_budget.ts";
export { type ConnectionLimits, connectionLimits, type LimitsConfig } from "./limits.ts";
export { acceptLoop } from "./accept.ts";
export {
  checkPorts,
  describeClaim,
  listeningPorts,
  type PortClaim,
  PortError,
  type PortTransport,
} from "./ports.ts";
export { readyLine } from "./ready_line.ts";

export interface Subsystem {
  readonly name: string;
  /** True when the subsystem can do its work now. May throw; that counts as not ready. */
  ready(): boolean | Promise<boolean>;
  /** Stops taking new work, finishes what is in flight, releases resources. */
  close(): Promise<void>;
}

export type LifecycleState = "running" | "draining" | "stopped";

export interface Readiness {
  ready: boolean;
  state: LifecycleState;
  subsystems: Record<string, "ready" | "not ready" | string>;
}

// A readiness probe that hangs must not hang /readyz.
const PROBE_TIMEOUT_MS = 1_000;

/** Something held for the server's whole life (the data directory's lock). */
export interface Held {
  release(): void;
}

export class Lifecycle {
  #subsystems: Subsystem[] = [];
  #held: Held[] = [];
  #state: LifecycleState = "running";
  #shutdown?: Promise<boolean>;

  constructor(private readonly log: Logger) {}

  get state(): LifecycleState {
    return this.#state;
  }

  get names(): string[] {
    return this.#subsystems.map((s) => s.name);
  }

  add<T extends Subsystem>(subsystem: T): T {
    if (this.#state !== "running") {
      throw new Error(`cannot add ${subsystem.name} while ${this.#state}`);
    }
    this.#subsystems.push(subsystem);
    return subsystem;
  }

  /**
   * Keeps a resource until every subsystem has closed (shutdown or abort), then
   * releases it: the data directory stays locked until the KV is closed. Not a
   * subsystem: no readiness, not in the shutdown's list.
   */
  hold<T extends Held>(resource: T): T {
    if (this.#state !== "running") {
      resource.release();
      throw new Error(`cannot hold a resource while ${this.#state}`);
    }
    this.#held.push(resource);
    return resource;
  }

  async readiness(): Promise<Readiness> {
    const entries = await Promise.all(
      this.#subsystems.map(async (s) => [s.name, await probe(s)] as const),
    );
    const subsystems = Object.fromEntries(entries);
    const ready = this.#state === "running" && entries.every(([, v]) => v === "ready");
    return { ready, state: this.#state, subsystems };
  }

  /**
   * Closes every subsystem, newest first. Resolves true when all closed within
   * the timeout, false otherwise. Safe to call more than once.
   */
  shutdown(reason: string, timeoutMs: number): Promise<boolean> {
    this.#shutdown ??= this.#closeAll(reason, timeoutMs, "info");
    return this.#shutdown;
  }

  /** Closes what did start when startup fails; the caller reports the failure. */
  abort(timeoutMs: number): Promise<boolean> {
    this.#shutdown ??= this.#closeAll("startup failed", timeoutMs, "debug");
    return this.#shutdown;
  }

  async #closeAll(reason: string, timeoutMs: number, level: "info" | "debug"): Promise<boolean> {
    this.#state = "draining";
    const started = performance.now();
    this.log[level]("shutting down", { reason, subsystems: this.names.toReversed() });
    const closing = (async () => {
      let clean = true;
      for (const s of this.#subsystems.toReversed()) {
        try {
          await s.close();
          this.log.debug("closed", { subsystem: s.name });
        } catch (err) {
          clean = false;
          this.log.error("close failed", { subsystem: s.name, err });
        }
      }
      for (const h of this.#held.splice(0).toReversed()) {
        try {
          h.release();
        } catch (err) {
          this.log.warn("release failed", { err });
        }
      }
      return clean;
    })();
    const outcome = await raceDeadline(closing, timeoutMs);
    this.#state = "stopped";
    const ms = Math.round(performance.now() - started);
    if (outcome === TIMED_OUT) {
      this.log.error("shutdown timed out", { timeoutMs, ms });
      return false;
    }
    this.log[level]("stopped", { ms, clean: outcome });
    return outcome;
  }
}

async function probe(s: Subsystem): Promise<string> {
  try {
    const verdict = await raceDeadline(Promise.resolve(s.ready()), PROBE_TIMEOUT_MS);
    if (verdict === TIMED_OUT) return "not ready: probe timed out";
    return verdict ? "ready" : "not ready";
  } catch (err) {
    return `not ready: ${(err as Error).message}`;
  }
}

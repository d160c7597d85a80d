// The connection limits of every listener, settled once at start from the config
// (limits.*) and the descriptor budget: the gates the accept loops use, the fd
// pool they draw from, the warning when the budget is small, and the metrics.

import type { CouncilConfig } from "../config/mod.ts";
import type { Logger } from "../telemetry/log.ts";
import type { Registry } from "../telemetry/metrics.ts";
import {
  ConnectionBook,
  type ConnectionGate,
  FdPool,
  fdPressure,
} from "../telemetry/connections.ts";
import { type Budget, type FdLimit, openFdCount, sizeCaps } from "./fd_budget.ts";
import client from "prom-client";

/** The limits.* config keys. */
export type LimitsConfig = CouncilConfig["limits"];

/** Descriptors per connection: the HTTP front holds three; a call's H.245 adds one. */
const FDS = { http: 3, sipTcp: 1, h225: 2 } as const;
/** Below this soft limit the log says the budget is small. */
const SMALL_BUDGET = 4096;

export interface ConnectionLimits {
  readonly budget: Budget;
  readonly book: ConnectionBook;
  readonly http: {
    gate: ConnectionGate;
    wsGate: ConnectionGate;
    headerTimeoutMs: number;
    bodyTimeoutMs: number;
    idleTimeoutMs: number;
  };
  readonly sipTcp: { gate: ConnectionGate; idleMs: number; firstMessageMs: number };
  readonly h225: { gate: ConnectionGate; idleMs: number; firstMessageMs: number };
}

/**
 * Sizes the caps to the budget (`limit` from settleFdLimit at the start of the
 * process; descriptors in use are counted now, once storage, workers and
 * listeners are open) and registers the metrics.
 */
export function connectionLimits(
  c: LimitsConfig,
  limit: FdLimit,
  log: Logger,
  registry?: Registry,
): ConnectionLimits {
  const inUse = openFdCount() ?? 0;
  const budget = sizeCaps(limit, inUse, c.fdReserve, [
    {
      name: "http",
      maxTotal: c.httpConnections,
      maxPerSource: c.httpPerSource,
      fds: FDS.http,
    },
    {
      name: "sip-tcp",
      maxTotal: c.sipTcpConnections,
      maxPerSource: c.sipTcpPerSource,
      fds: FDS.sipTcp,
    },
    { name: "h225", maxTotal: c.h225Connections, maxPerSource: c.h225PerSource, fds: FDS.h225 },
  ]);
  // Descriptors opened outside the gates (media, files, outbound calls) count too:
  // near the limit, listeners refuse before accept() would fail. Counted on
  // demand (no timer to stop).
  const edge = limit.soft - Math.floor(c.fdReserve / 2);
  const pressure = fdPressure(edge, openFdCount, inUse);
  const book = new ConnectionBook(new FdPool(budget.pool, pressure));
  const cap = (name: string) => {
    const v = budget.caps.get(name)!;
    return { maxTotal: v.maxTotal, maxPerSource: v.maxPerSource, fdsPerConnection: v.fds };
  };
  const http = cap("http");
  // WebSockets are HTTP connections: their descriptors are counted by the HTTP gate.
  const wsTotal = Math.min(c.wsConnections, http.maxTotal);
  const wsGate = book.gate("ws", {
    maxTotal: wsTotal,
    maxPerSource: Math.min(c.wsPerSource, wsTotal),
    fdsPerConnection: 0,
  });

  const fields = {
    soft: limit.soft,
    hard: limit.hard,
    raisedFrom: limit.before === limit.soft ? undefined : limit.before,
    inUse,
    reserve: c.fdReserve,
    pool: budget.pool,
    caps: Object.fromEntries(budget.caps),
    note: limit.note,
  };
  if (budget.scaled || limit.soft < SMALL_BUDGET) {
    log.warn(
      budget.scaled
        ? "file descriptor budget is small: connection caps scaled down to fit"
        : "file descriptor budget is small",
      fields,
    );
  } else log.info("file descriptor budget", fields);

  if (registry) {
    book.register(registry);
    registry.registerMetric(
      new client.Gauge({
        name: "council_fd_budget",
        help:
          "Descriptor budget: RLIMIT_NOFILE soft and hard, in use at start, reserve, and open now.",
        labelNames: ["kind"],
        registers: [],
        collect() {
          this.set({ kind: "soft" }, limit.soft);
          this.set({ kind: "hard" }, Math.min(limit.hard, Number.MAX_SAFE_INTEGER));
          this.set({ kind: "in_use_at_start" }, inUse);
          this.set({ kind: "reserve" }, c.fdReserve);
          this.set({ kind: "open" }, openFdCount() ?? inUse);
        },
      }),
    );
  }

  return {
    budget,
    book,
    http: {
      gate: book.gate("http", http),
      wsGate,
      headerTimeoutMs: c.httpHeaderTimeoutSec * 1000,
      bodyTimeoutMs: c.httpBodyTimeoutSec * 1000,
      idleTimeoutMs: c.httpIdleTimeoutSec * 1000,
    },
    sipTcp: {
      gate: book.gate("sip-tcp", cap("sip-tcp")),
      idleMs: c.sipTcpIdleSec * 1000,
      firstMessageMs: c.tcpFirstMessageSec * 1000,
    },
    h225: {
      gate: book.gate("h225", cap("h225")),
      idleMs: c.h225IdleSec * 1000,
      firstMessageMs: c.tcpFirstMessageSec * 1000,
    },
  };
}

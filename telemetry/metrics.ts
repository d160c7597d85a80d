// Prometheus metrics: one registry per server, built on prom-client's metric types.
// Process metrics are collected here rather than by prom-client's Node defaults,
// whose event-loop probes report nonsense under Deno.

import process from "node:process";
import client from "prom-client";
import { openFdCount } from "../lifecycle/fd_budget.ts";

export type Registry = client.Registry;
export const { Counter, Gauge, Histogram } = client;

export interface Metrics {
  readonly registry: Registry;
  readonly contentType: string;
  /** The exposition text for GET /metrics. */
  render(): Promise<string>;
  /** Stops the event-loop probe; the registry stays readable. */
  stop(): void;
}

const LAG_PROBE_MS = 250;

export function createMetrics(opts: { version: string }): Metrics {
  const registry = new client.Registry();

  new client.Gauge({
    name: "council_build_info",
    help: "Build information; always 1.",
    labelNames: ["version", "deno"],
    registers: [registry],
  }).set({ version: opts.version, deno: Deno.version.deno }, 1);

  const startSeconds = Math.round((performance.timeOrigin) / 1000);
  new client.Gauge({
    name: "process_start_time_seconds",
    help: "Start time of the process since the Unix epoch in seconds.",
    registers: [registry],
    collect() {
      this.set(startSeconds);
    },
  });

  // Counters advanced by the delta since the last scrape, as prom-client's own do.
  let lastCpu = { user: 0, system: 0 };
  const cpuUser = new client.Counter({
    name: "process_cpu_user_seconds_total",
    help: "Total user CPU time spent in seconds.",
    registers: [registry],
  });
  const cpuSystem = new client.Counter({
    name: "process_cpu_system_seconds_total",
    help: "Total system CPU time spent in seconds.",
    registers: [registry],
  });
  new client.Counter({
    name: "process_cpu_seconds_total",
    help: "Total user and system CPU time spent in seconds.",
    registers: [registry],
    collect() {
      const now = cpuUsage();
      const user = Math.max(0, now.user - lastCpu.user) / 1e6;
      const system = Math.max(0, now.system - lastCpu.system) / 1e6;
      lastCpu = now;
      cpuUser.inc(user);
      cpuSystem.inc(system);
      this.inc(user + system);
    },
  });

  new client.Gauge({
    name: "process_resident_memory_bytes",
    help: "Resident memory size in bytes.",
    registers: [registry],
    collect() {
      this.set(Deno.memoryUsage().rss);
    },
  });

  new client.Gauge({
    name: "process_heap_used_bytes",
    help: "V8 heap in use in bytes.",
    registers: [registry],
    collect() {
      this.set(Deno.memoryUsage().heapUsed);
    },
  });

  new client.Gauge({
    name: "process_open_fds",
    help: "Number of open file descriptors.",
    registers: [registry],
    collect() {
      const n = openFdCount();
      if (n !== undefined) this.set(n);
    },
  });

  // Timer drift is what media pacing and SIP timers feel; measure it continuously.
  const lag = new client.Histogram({
    name: "council_event_loop_lag_seconds",
    help: `Lateness of a ${LAG_PROBE_MS} ms timer on the main thread.`,
    buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  let expected = performance.now() + LAG_PROBE_MS;
  const probe = setInterval(() => {
    const now = performance.now();
    lag.observe(Math.max(0, now - expected) / 1000);
    expected = now + LAG_PROBE_MS;
  }, LAG_PROBE_MS);
  Deno.unrefTimer(probe);

  return {
    registry,
    contentType: registry.contentType,
    render: () => registry.metrics(),
    stop: () => clearInterval(probe),
  };
}

function cpuUsage(): { user: number; system: number } {
  return process.cpuUsage();
}

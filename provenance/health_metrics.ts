// Chain health and the witness's last audit on /metrics (Prometheus text), read from
// ChainHealth and WitnessAuditor when Prometheus scrapes.

import { Counter, Gauge, type Registry } from "../telemetry/mod.ts";
import type { ChainHealth } from "./chain_health.ts";
import type { WitnessAuditor } from "./witness_audit.ts";

export function registerHealthMetrics(
  health: ChainHealth,
  auditor: WitnessAuditor,
  registry: Registry,
): void {
  new Gauge({
    name: "council_room_uptime_seconds",
    help: "Seconds each open room has had members without a break in its media.",
    labelNames: ["room"],
    registers: [registry],
    collect() {
      this.reset();
      for (const r of health.rooms()) if (r.openedAt) this.set({ room: r.room }, r.uptimeSeconds);
    },
  });
  new Gauge({
    name: "council_provenance_streams",
    help: "Live chained streams per room by state (verified, unverified, broken).",
    labelNames: ["room", "state"],
    registers: [registry],
    collect() {
      this.reset();
      for (const r of health.rooms()) {
        for (const [state, n] of Object.entries(r.streams)) this.set({ room: r.room, state }, n);
      }
    },
  });
  new Counter({
    name: "council_provenance_breaks_total",
    help: "Chained streams of each room that broke since Council started.",
    labelNames: ["room"],
    registers: [registry],
    collect() {
      this.reset();
      for (const r of health.rooms()) if (r.breaks) this.inc({ room: r.room }, r.breaks);
    },
  });
  const audit = (name: string, help: string, value: () => number | undefined) =>
    new Gauge({
      name: `council_witness_audit_${name}`,
      help,
      registers: [registry],
      collect() {
        this.reset();
        const v = value();
        if (v !== undefined) this.set(v);
      },
    });
  audit(
    "ok",
    "1 when the last full audit of the witness passed, 0 when it failed.",
    () => auditor.last ? (auditor.last.ok ? 1 : 0) : undefined,
  );
  audit(
    "timestamp_seconds",
    "When the last full audit of the witness finished (epoch s).",
    () => auditor.last ? Date.parse(auditor.last.at) / 1000 : undefined,
  );
  audit(
    "entries",
    "Entries the last full audit of the witness checked.",
    () => auditor.last?.entriesChecked,
  );
  audit(
    "duration_seconds",
    "How long the last full audit of the witness took.",
    () => auditor.last?.seconds,
  );
  audit(
    "failures",
    "Full audits of the witness that failed since Council started.",
    () => auditor.counts.failures,
  );
}

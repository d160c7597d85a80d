// Provenance health for operators (docs/provenance.md, "Health"): every live chain's
// state, per-room uptime and breaks, the witness's last full audit; and an audit run
// now. The same figures are on /metrics.

import { Hono } from "hono";
import type { ProvenanceMonitor } from "../provenance/monitor.ts";
import { operatorOnly } from "./auth.ts";

export function provenanceRoutes(monitor: ProvenanceMonitor, token: string): Hono {
  return new Hono()
    .use("*", operatorOnly(token))
    .get("/health", (c) => c.json(monitor.status()))
    // Reads the whole log: one audit at a time (a second request joins the running one).
    // It takes no body.
    .post("/audit", async (c) => c.json(await monitor.audit("operator")));
}

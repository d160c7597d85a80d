// Liveness and readiness for orchestrators and load balancers.

import { Hono } from "hono";
import type { Lifecycle } from "../lifecycle/mod.ts";

export function healthRoutes(lifecycle: Lifecycle, version: string): Hono {
  const started = performance.now();
  return new Hono()
    // Liveness: the event loop answers. Nothing else is checked on purpose.
    .get("/healthz", (c) =>
      c.json({
        status: "ok",
        version,
        uptimeSeconds: Math.round((performance.now() - started) / 1000),
      }))
    // Readiness: every subsystem can serve; 503 while starting, draining or degraded.
    .get("/readyz", async (c) => {
      const r = await lifecycle.readiness();
      return c.json({ status: r.ready ? "ready" : "not ready", ...r }, r.ready ? 200 : 503);
    });
}

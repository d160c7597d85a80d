// Prometheus scrape endpoint.

import { Hono } from "hono";
import type { Metrics } from "../telemetry/mod.ts";

export function metricsRoutes(metrics: Metrics): Hono {
  return new Hono().get("/metrics", async (c) => {
    const body = await metrics.render();
    return c.body(body, 200, { "content-type": metrics.contentType });
  });
}

// Request metrics and debug logs for every route. The route label is the matched
// pattern, never the raw path, so label cardinality stays bounded.

import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import { Counter, Histogram, type Logger, type Registry } from "../telemetry/mod.ts";

export function observe(registry: Registry, log: Logger): MiddlewareHandler {
  const requests = new Counter({
    name: "council_http_requests_total",
    help: "HTTP requests by method, matched route and status.",
    labelNames: ["method", "route", "status"],
    registers: [registry],
  });
  const duration = new Histogram({
    name: "council_http_request_duration_seconds",
    help: "HTTP request handling time by matched route.",
    labelNames: ["route"],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  return async (c, next) => {
    const started = performance.now();
    await next();
    const seconds = (performance.now() - started) / 1000;
    const matched = routePath(c);
    const route = c.res.status === 404 && matched === "/*" ? "unmatched" : matched;
    requests.inc({ method: c.req.method, route, status: String(c.res.status) });
    duration.observe({ route }, seconds);
    log.debug("request", {
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Math.round(seconds * 1e4) / 10,
    });
  };
}

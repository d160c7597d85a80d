// Operator authentication: "Authorization: Bearer <token>", compared in constant time.

import type { MiddlewareHandler } from "hono";
import { apiError } from "./errors.ts";

const encoder = new TextEncoder();

function sameSecret(a: string, b: string): boolean {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

/**
 * `streams`: also accept `?access_token=` (RFC 6750 section 2.3), for EventSource and
 * WebSocket clients, which cannot set headers. Only on the event-stream routes.
 */
export function operatorOnly(token: string, opts: { streams?: boolean } = {}): MiddlewareHandler {
  return async (c, next) => {
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer (\S+)$/i.exec(header);
    const presented = match?.[1] ?? (opts.streams ? c.req.query("access_token") : undefined);
    if (presented === undefined || !sameSecret(presented, token)) {
      c.header("WWW-Authenticate", 'Bearer realm="council-operator"');
      return apiError(c, 401, "UNAUTHORIZED", "operator bearer token required");
    }
    await next();
  };
}

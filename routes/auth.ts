// Operator authentication: "Authorization: Bearer <token>", compared in constant time.

import type { MiddlewareHandler } from "hono";
import { KeyedLimiter } from "../guard/mod.ts";
import { apiError } from "./errors.ts";
import { remoteAddress } from "./_params.ts";

/**
 * Wrong tokens per source address, shared by every operator route: 20, then one a
 * minute. An address over it gets 429 without its token being compared, also for
 * the right token, until a token refills (a guesser learns nothing more).
 */
export const OPERATOR_FAILURES = { perSecond: 1 / 60, burst: 20 };
const failures = new KeyedLimiter({ ...OPERATOR_FAILURES, maxKeys: 10_000 });

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
    const source = remoteAddress(c);
    const blocked = source ? failures.peek(source) : { ok: true as const };
    if (!blocked.ok) {
      c.header("Retry-After", String(blocked.retryAfter));
      return apiError(c, 429, "RATE_LIMITED", "too many wrong operator tokens from this address");
    }
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer (\S+)$/i.exec(header);
    const presented = match?.[1] ?? (opts.streams ? c.req.query("access_token") : undefined);
    if (presented === undefined || !sameSecret(presented, token)) {
      // A missing token is a client that has not signed in yet, not a guess.
      if (source && presented !== undefined) failures.take(source);
      c.header("WWW-Authenticate", 'Bearer realm="council-operator"');
      return apiError(c, 401, "UNAUTHORIZED", "operator bearer token required");
    }
    await next();
  };
}

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

export function operatorOnly(token: string): MiddlewareHandler {
  return async (c, next) => {
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer (\S+)$/i.exec(header);
    if (!match || !sameSecret(match[1], token)) {
      c.header("WWW-Authenticate", 'Bearer realm="council-operator"');
      return apiError(c, 401, "UNAUTHORIZED", "operator bearer token required");
    }
    await next();
  };
}

// Errors leave the API in one shape: { error: { code, message } } (docs/API.md).

import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Logger } from "../telemetry/mod.ts";

export interface ApiErrorBody {
  error: { code: string; message: string };
}

export function apiError(c: Context, status: ContentfulStatusCode, code: string, message: string) {
  return c.json<ApiErrorBody>({ error: { code, message } }, status);
}

/** A request the client must fix; leaves as 400 with code BAD_REQUEST and the reason. */
export class BadRequest extends Error {
  override name = "BadRequest";
  constructor(
    message: string,
    readonly code = "BAD_REQUEST",
    readonly status: ContentfulStatusCode = 400,
  ) {
    super(message);
  }
}

export function notFound(c: Context) {
  return apiError(c, 404, "NOT_FOUND", `no route for ${c.req.method} ${c.req.path}`);
}

export function onError(log: Logger) {
  return (err: Error, c: Context) => {
    if (err instanceof BadRequest) return apiError(c, err.status, err.code, err.message);
    if (err instanceof HTTPException) {
      return apiError(c, err.status as ContentfulStatusCode, "HTTP_ERROR", err.message);
    }
    log.error("unhandled error", { method: c.req.method, path: c.req.path, err });
    return apiError(c, 500, "INTERNAL_ERROR", "internal error");
  };
}

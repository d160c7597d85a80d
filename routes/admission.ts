// POST /api/v1/admission and the sessions it creates. Reject reasons map to HTTP
// statuses as docs/API.md lists; the body carries the reason as error.code.

import { Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import {
  type Guard,
  parseAdmissionRequest,
  type RejectReason,
  RequestError,
} from "../guard/mod.ts";
import { BadRequest } from "./errors.ts";
import { jsonBody, remoteAddress } from "./_params.ts";
import { operatorOnly } from "./auth.ts";

export const STATUS_BY_REASON: Record<RejectReason, ContentfulStatusCode> = {
  INVALID_SIGNATURE: 401,
  NOT_REGISTERED: 403,
  REPLAYED: 409,
  PII_POLICY_VIOLATION: 422,
  BANDWIDTH_EXCEEDED: 422,
  CODEC_UNSUPPORTED: 422,
  RATE_LIMITED: 429,
  CAPACITY_EXCEEDED: 503,
  ROOM_NOT_FOUND: 404,
  INTERNAL_ERROR: 500,
};

const MAX_REQUEST_BYTES = 16 * 1024;

export function admissionRoutes(guard: Guard, token: string): Hono {
  return new Hono()
    .post("/", async (c) => {
      const body = await jsonBody(c, MAX_REQUEST_BYTES);
      let request;
      try {
        request = parseAdmissionRequest(body);
      } catch (err) {
        if (err instanceof RequestError) throw new BadRequest(err.message);
        throw err;
      }
      const decision = await guard.admit(request, { source: remoteAddress(c) });
      if (decision.decision === "admit") return c.json(decision, 200);
      if (decision.retryAfter) c.header("Retry-After", String(decision.retryAfter));
      return c.json({
        error: { code: decision.reason, message: decision.message },
        policyVersion: decision.policyVersion,
        ...(decision.witnessIndex !== undefined ? { witnessIndex: decision.witnessIndex } : {}),
        ...(decision.retryAfter ? { retryAfter: decision.retryAfter } : {}),
      }, STATUS_BY_REASON[decision.reason]);
    })
    .use("/sessions", operatorOnly(token))
    .use("/sessions/*", operatorOnly(token))
    .get("/sessions", (c) => c.json({ sessions: guard.sessions }))
    .delete("/sessions/:id", async (c) => {
      const ended = await guard.end(c.req.param("id"), "revoked");
      if (!ended) throw new BadRequest(`no session ${c.req.param("id")}`, "NOT_FOUND", 404);
      return c.body(null, 204);
    });
}

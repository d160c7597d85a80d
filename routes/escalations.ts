// ESCALATE calls for operators and agents holding the operator token: raise an
// escalation (guard decides whether the council meets), follow who answered.

import { Hono } from "hono";
import { EscalationError, parseEscalation } from "../guard/mod.ts";
import type { Escalations } from "../rooms/mod.ts";
import { BadRequest } from "./errors.ts";
import { jsonBody } from "./_params.ts";
import { operatorOnly } from "./auth.ts";

export function escalationRoutes(escalations: Escalations, token: string): Hono {
  return new Hono()
    .use("*", operatorOnly(token))
    .post("/", async (c) => {
      const body = await jsonBody(c, 16 * 1024);
      let escalation;
      try {
        escalation = parseEscalation(body);
      } catch (err) {
        if (err instanceof EscalationError) throw new BadRequest(err.message);
        throw err;
      }
      const record = await escalations.raise(escalation);
      if (record.decision === "reject") {
        // Witnessed like any decision; the caller learns why.
        throw new BadRequest(record.reason, "PII_POLICY_VIOLATION", 403);
      }
      return c.json(record, record.decision === "convene" ? 201 : 200);
    })
    .get("/", (c) => c.json({ escalations: escalations.list() }))
    .get("/:id", (c) => {
      const record = escalations.get(c.req.param("id"));
      if (!record) throw new BadRequest(`no escalation ${c.req.param("id")}`, "NOT_FOUND", 404);
      return c.json(record);
    });
}

// H.323 administration for operators: list calls, hang one up.

import { Hono } from "hono";
import type { H323Calls } from "../signaling/h323/mod.ts";
import { operatorOnly } from "./auth.ts";
import { BadRequest } from "./errors.ts";

export function h323Routes(calls: H323Calls, token: string): Hono {
  return new Hono()
    .use("*", operatorOnly(token))
    .get("/calls", (c) => c.json({ calls: calls.list() }))
    .delete("/calls/:legId", async (c) => {
      const ok = await calls.hangup(c.req.param("legId"));
      if (!ok) throw new BadRequest(`no call ${c.req.param("legId")}`, "NOT_FOUND", 404);
      return c.body(null, 204);
    });
}

// H.323 administration for operators: list calls, hang one up.

import { Hono } from "hono";
import type { H323Calls } from "../signaling/h323/mod.ts";
import { CallError } from "../signaling/h323/calls.ts";
import { operatorOnly } from "./auth.ts";
import { BadRequest } from "./errors.ts";
import { guardianField, jsonBody, onlyFields, roomField } from "./_params.ts";

export function h323Routes(calls: H323Calls, token: string): Hono {
  return new Hono()
    .use("*", operatorOnly(token))
    .get("/calls", (c) => c.json({ calls: calls.list() }))
    // Calls a guardian's registered H.323 endpoint into a room.
    .post("/calls", async (c) => {
      const body = await jsonBody(c, 4096);
      onlyFields(body, ["room", "guardianId"]);
      const room = roomField(body.room);
      const guardianId = guardianField(body.guardianId);
      try {
        const legId = await calls.dialGuardian(room, guardianId);
        return c.json({ legId }, 201);
      } catch (err) {
        if (!(err instanceof CallError)) throw err;
        const status = err.status === 404 ? 404 : err.status === 403 ? 403 : 502;
        throw new BadRequest(err.message, "CALL_FAILED", status);
      }
    })
    .delete("/calls/:legId", async (c) => {
      const ok = await calls.hangup(c.req.param("legId"));
      if (!ok) throw new BadRequest(`no call ${c.req.param("legId")}`, "NOT_FOUND", 404);
      return c.body(null, 204);
    });
}

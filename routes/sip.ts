// SIP administration for operators: set a guardian's SIP password (stored as digest
// HA1s only), list registrations and calls, call a guardian into a room, hang up.

import { Hono } from "hono";
import { CallError, type SipServer } from "../signaling/sip/mod.ts";
import { BadRequest } from "./errors.ts";
import { guardianField, jsonBody, onlyFields, roomField } from "./_params.ts";
import { operatorOnly } from "./auth.ts";

export function sipRoutes(sip: SipServer, token: string): Hono {
  return new Hono()
    .use("*", operatorOnly(token))
    .put("/credentials/:name", async (c) => {
      const body = await jsonBody(c, 4096);
      onlyFields(body, ["password"]);
      if (typeof body.password !== "string") throw new BadRequest("password: expected a string");
      const guardianId = `if://guardian/${c.req.param("name")}`;
      try {
        await sip.registrar.setPassword(guardianId, body.password);
      } catch (err) {
        throw new BadRequest((err as Error).message);
      }
      return c.body(null, 204);
    })
    .get("/registrations", async (c) => c.json({ registrations: await sip.registrar.bindings() }))
    .get("/calls", (c) => c.json({ calls: sip.calls.list() }))
    .post("/calls", async (c) => {
      const body = await jsonBody(c, 4096);
      onlyFields(body, ["room", "guardianId", "target"]);
      const room = roomField(body.room);
      const guardianId = guardianField(body.guardianId);
      const target = body.target;
      if (target !== undefined && typeof target !== "string") {
        throw new BadRequest("target: expected a SIP URI");
      }
      try {
        const legId = await sip.callGuardian({ room, guardianId, target });
        return c.json({ legId }, 201);
      } catch (err) {
        if (!(err instanceof CallError)) throw err;
        const status = err.status === 404 ? 404 : err.status ? 502 : 409;
        throw new BadRequest(err.message, "CALL_FAILED", status);
      }
    })
    .delete("/calls/:legId", async (c) => {
      const ok = await sip.calls.hangup(c.req.param("legId"));
      if (!ok) throw new BadRequest(`no call ${c.req.param("legId")}`, "NOT_FOUND", 404);
      return c.body(null, 204);
    });
}

// SIP administration for operators: set or clear a guardian's SIP password (stored
// as digest HA1s only, never read back), list who has one, list registrations and
// calls, call a guardian into a room, hang up.

import { Hono } from "hono";
import { CallError, type SipServer } from "../signaling/sip/mod.ts";
import { CredentialError } from "../signaling/sip/registrar.ts";
import { BadRequest } from "./errors.ts";
import { guardianField, jsonBody, onlyFields, roomField } from "./_params.ts";
import { operatorOnly } from "./auth.ts";

export function sipRoutes(sip: SipServer, token: string): Hono {
  return new Hono()
    .use("*", operatorOnly(token))
    // Which guardians have a SIP password: never the password or its HA1s.
    .get("/credentials", async (c) => c.json({ credentials: await sip.registrar.credentials() }))
    .put("/credentials/:name", async (c) => {
      const body = await jsonBody(c, 4096);
      onlyFields(body, ["password"]);
      if (typeof body.password !== "string") throw new BadRequest("password: expected a string");
      const guardianId = guardianField(`if://guardian/${c.req.param("name")}`);
      try {
        await sip.registrar.setPassword(guardianId, body.password);
      } catch (err) {
        if (!(err instanceof CredentialError)) throw err;
        throw err.status === 404
          ? new BadRequest(err.message, "NOT_FOUND", 404)
          : new BadRequest(err.message);
      }
      return c.body(null, 204);
    })
    .delete("/credentials/:name", async (c) => {
      const guardianId = guardianField(`if://guardian/${c.req.param("name")}`);
      if (!await sip.registrar.clearPassword(guardianId)) {
        throw new BadRequest(`${guardianId} has no SIP password`, "NOT_FOUND", 404);
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
        // A bad target, guard's refusal and no registration are the request's; what the
        // callee answered (or did not) is the far end's.
        const status = err.status === 400 || err.status === 403 || err.status === 404
          ? err.status
          : 502;
        throw new BadRequest(err.message, "CALL_FAILED", status);
      }
    })
    .delete("/calls/:legId", async (c) => {
      const ok = await sip.calls.hangup(c.req.param("legId"));
      if (!ok) throw new BadRequest(`no call ${c.req.param("legId")}`, "NOT_FOUND", 404);
      return c.body(null, 204);
    });
}

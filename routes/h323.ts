// H.323 administration for operators: calls (list, dial, hang up), registrations
// (how each was proven; endpoint identifiers are not shown), the per-guardian
// H.235.1 passwords (set or cleared, never read back) and Council's own
// registration with an upstream gatekeeper.

import { Hono } from "hono";
import { type H323Calls, PasswordError, type UpstreamStatus } from "../signaling/h323/mod.ts";
import { CallError } from "../signaling/h323/calls.ts";
import { operatorOnly } from "./auth.ts";
import { BadRequest } from "./errors.ts";
import { guardianField, jsonBody, onlyFields, roomField } from "./_params.ts";

export function h323Routes(
  calls: H323Calls,
  token: string,
  /** Council's registration with another gatekeeper (h323.upstream), if configured. */
  upstream?: () => UpstreamStatus | undefined,
): Hono {
  const gatekeeper = () => {
    const gk = calls.gatekeeper();
    if (!gk) throw new BadRequest("the H.323 gatekeeper is not running", "UNAVAILABLE", 503);
    return gk;
  };
  // A changed or cleared password no longer proves the registrations made with it.
  const unregisterPasswordProven = async (guardianId: string) => {
    const gk = gatekeeper();
    for (const e of gk.o.endpoints.list()) {
      if (e.guardianId === guardianId && e.proof === "h235.1") {
        await gk.unregister(e, "password changed");
      }
    }
  };
  return new Hono()
    .use("*", operatorOnly(token))
    .get("/calls", (c) => c.json({ calls: calls.list() }))
    // Where Council stands with the gatekeeper it registers with: { state: "off" } without one.
    .get("/upstream", (c) => c.json(upstream?.() ?? { state: "off" }))
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
    })
    .get("/registrations", (c) =>
      c.json({
        registrations: gatekeeper().o.endpoints.list().map((e) => ({
          guardianId: e.guardianId,
          aliases: e.aliases,
          callSignal: e.callSignal.map((a) => `${a.host}:${a.port}`),
          ras: `${e.ras.host}:${e.ras.port}`,
          proof: e.proof,
          vendor: e.vendor,
          expiresAt: new Date(e.expiresAt).toISOString(),
        })),
      }))
    // Which guardians have an H.235.1 password (never the password or its key).
    .get("/passwords", (c) => c.json({ passwords: gatekeeper().passwords.list() }))
    .put("/passwords/:id", async (c) => {
      const guardianId = guardianField(c.req.param("id"));
      const body = await jsonBody(c, 1024);
      onlyFields(body, ["password"]);
      const gk = gatekeeper();
      if (!gk.o.registry.get(guardianId)) {
        throw new BadRequest(`no guardian ${guardianId}`, "NOT_FOUND", 404);
      }
      try {
        await gk.passwords.set(guardianId, body.password as string, "operator");
      } catch (err) {
        if (err instanceof PasswordError) throw new BadRequest(err.message);
        throw err;
      }
      await unregisterPasswordProven(guardianId);
      return c.body(null, 204);
    })
    .delete("/passwords/:id", async (c) => {
      const guardianId = guardianField(c.req.param("id"));
      if (!await gatekeeper().passwords.clear(guardianId, "operator")) {
        throw new BadRequest(`${guardianId} has no H.323 password`, "NOT_FOUND", 404);
      }
      await unregisterPasswordProven(guardianId);
      return c.body(null, 204);
    });
}

// The guardian registry over HTTP, for operators. Every change is witnessed;
// suspending or revoking a guardian ends its sessions.

import { Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import {
  type Guard,
  type GuardianRegistry,
  type GuardianUpdate,
  RegistryError,
} from "../guard/mod.ts";
import type { WitnessLog } from "../witness/mod.ts";
import { BadRequest } from "./errors.ts";
import { jsonBody, onlyFields } from "./_params.ts";
import { operatorOnly } from "./auth.ts";

const STATUS: Record<RegistryError["code"], ContentfulStatusCode> = {
  BAD_REQUEST: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
};
const MAX_BODY = 8 * 1024;

async function registryCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof RegistryError) throw new BadRequest(err.message, err.code, STATUS[err.code]);
    throw err;
  }
}

export function guardianRoutes(
  registry: GuardianRegistry,
  guard: Guard,
  witness: WitnessLog,
  token: string,
): Hono {
  return new Hono()
    .use("*", operatorOnly(token))
    .get("/", (c) => c.json({ guardians: registry.list() }))
    .post("/", async (c) => {
      const body = await jsonBody(c, MAX_BODY);
      onlyFields(body, ["id", "displayName", "role", "publicKey", "bandwidthKbps"]);
      const g = await registryCall(() => registry.add(body as never));
      await witness.append("guard.guardian_added", {
        id: g.id,
        role: g.role,
        publicKey: g.publicKey,
        bandwidthKbps: g.bandwidthKbps,
      });
      return c.json(g, 201);
    })
    .get("/:id", (c) => {
      const g = registry.record(c.req.param("id"));
      if (!g) throw new BadRequest(`no guardian ${c.req.param("id")}`, "NOT_FOUND", 404);
      return c.json(g);
    })
    .patch("/:id", async (c) => {
      const body = await jsonBody(c, MAX_BODY);
      onlyFields(body, ["displayName", "role", "publicKey", "bandwidthKbps", "status"]);
      const id = c.req.param("id");
      const g = await registryCall(() => registry.update(id, body as GuardianUpdate));
      await witness.append("guard.guardian_changed", {
        id,
        change: body as never,
        status: g.status,
      });
      if (g.status !== "active") {
        await guard.endGuardian(
          id,
          g.status === "revoked" ? "guardian-revoked" : "guardian-suspended",
        );
      }
      return c.json(g);
    })
    .delete("/:id", async (c) => {
      const id = c.req.param("id");
      await registryCall(() => registry.remove(id));
      await witness.append("guard.guardian_removed", { id });
      await guard.endGuardian(id, "guardian-revoked");
      return c.body(null, 204);
    });
}

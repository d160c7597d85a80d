// The gateway for operators: calls between endpoints in progress (SIP <-> H.323).

import { Hono } from "hono";
import type { Gateway } from "../rooms/mod.ts";
import { operatorOnly } from "./auth.ts";

export function gatewayRoutes(gateway: Gateway, token: string): Hono {
  return new Hono()
    .use("*", operatorOnly(token))
    .get("/calls", (c) => c.json({ calls: gateway.list() }));
}

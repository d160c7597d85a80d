// The operators' event stream (/api/v1/events): every room's events and the
// server-wide ones (cost alerts and reports), as a WebSocket or server-sent stream.

import { Hono } from "hono";
import { OPERATOR_CHANNEL, type RoomEvents } from "../rooms/mod.ts";
import { operatorOnly } from "./auth.ts";
import { eventStream } from "./_event_stream.ts";

export function eventsRoutes(events: RoomEvents, token: string): Hono {
  return new Hono()
    .use("*", operatorOnly(token, { streams: true }))
    .get("/", (c) => eventStream(c, events, OPERATOR_CHANNEL));
}

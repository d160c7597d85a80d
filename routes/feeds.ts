// Broadcast feeds for operators (rooms/feeds.ts): add an ingest or a program
// output to a room (the answer carries the SDP for the far end), list, remove.

import { Hono } from "hono";
import { FeedError, type Feeds } from "../rooms/feeds.ts";
import { BadRequest } from "./errors.ts";
import { jsonBody, onlyFields, roomField } from "./_params.ts";
import { operatorOnly } from "./auth.ts";

function refused(err: unknown): never {
  if (err instanceof FeedError) {
    throw new BadRequest(
      err.message,
      { 400: "BAD_REQUEST", 404: "NOT_FOUND", 409: "CONFLICT", 503: "UNAVAILABLE" }[err.status],
      err.status,
    );
  }
  throw err;
}

export function feedRoutes(feeds: Feeds, token: string): Hono {
  return new Hono()
    .use("*", operatorOnly(token))
    .post("/", async (c) => {
      const body = await jsonBody(c, 2048);
      onlyFields(body, ["room", "name", "direction", "transport", "codec", "source", "target"]);
      const room = roomField(body.room);
      const feed = await feeds.add({
        room,
        name: body.name as string,
        direction: body.direction as "in" | "out",
        transport: body.transport as "rtp" | "srt" | undefined,
        codec: body.codec as never,
        source: body.source as string | undefined,
        target: body.target as string | undefined,
      }).catch(refused);
      return c.json(feed, 201);
    })
    .get("/", (c) => c.json({ feeds: feeds.list() }))
    .get("/:id", (c) => {
      const feed = feeds.get(c.req.param("id"));
      if (!feed) {
        throw new BadRequest(`no feed ${c.req.param("id").slice(0, 40)}`, "NOT_FOUND", 404);
      }
      return c.json(feed);
    })
    // The far end's SDP as a file (ffmpeg -i URL.sdp needs the text, not JSON).
    .get("/:id/sdp", (c) => {
      const feed = feeds.get(c.req.param("id"));
      if (!feed) {
        throw new BadRequest(`no feed ${c.req.param("id").slice(0, 40)}`, "NOT_FOUND", 404);
      }
      if (feed.sdp === undefined) {
        throw new BadRequest(
          `${feed.id} is an SRT feed: its far end uses ${feed.url}`,
          "CONFLICT",
          409,
        );
      }
      return c.body(feed.sdp, 200, { "content-type": "application/sdp" });
    })
    .delete("/:id", async (c) => {
      if (!await feeds.remove(c.req.param("id"))) {
        throw new BadRequest(`no feed ${c.req.param("id").slice(0, 40)}`, "NOT_FOUND", 404);
      }
      return c.body(null, 204);
    });
}

// One channel of numbered events to an operator, as a WebSocket (when the request
// upgrades) or a server-sent stream: what was missed since `Last-Event-ID` or
// `?after=` first, then every new event; a `resync` when too much was missed.

import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import type { NumberedRoomEvent, RoomEvents } from "../rooms/mod.ts";
import { BadRequest } from "./errors.ts";

/** Keeps proxies from closing an idle stream. */
const KEEPALIVE_MS = 15_000;

function afterParam(c: Context): number | undefined {
  const raw = c.req.header("last-event-id") ?? c.req.query("after");
  if (raw === undefined || raw === "") return undefined;
  if (!/^[0-9]{1,15}$/.test(raw)) throw new BadRequest("after: expected an event number");
  return Number(raw);
}

export function eventStream(c: Context, events: RoomEvents, channel: string): Response {
  const after = afterParam(c);
  if (c.req.header("upgrade")?.toLowerCase() === "websocket") {
    const { socket, response } = Deno.upgradeWebSocket(c.req.raw);
    let unsubscribe = () => {};
    socket.onopen = () => {
      const sub = events.subscribe(channel, after, (e) => socket.send(JSON.stringify(e)));
      unsubscribe = sub.unsubscribe;
      if (!sub.replayed) {
        socket.send(JSON.stringify({ type: "resync", seq: events.seq(channel) }));
      } else for (const e of sub.replayed) socket.send(JSON.stringify(e));
    };
    socket.onclose = () => unsubscribe();
    return response;
  }
  return streamSSE(c, async (stream) => {
    const send = (e: NumberedRoomEvent) =>
      stream.writeSSE({ id: String(e.seq), event: e.name, data: JSON.stringify(e.data) });
    const queue: NumberedRoomEvent[] = [];
    let wake = () => {};
    const sub = events.subscribe(channel, after, (e) => {
      queue.push(e);
      wake();
    });
    stream.onAbort(() => {
      sub.unsubscribe();
      wake();
    });
    try {
      if (!sub.replayed) {
        // Too much was missed: the client reloads the state and goes on from here.
        await stream.writeSSE({
          event: "resync",
          data: JSON.stringify({ seq: events.seq(channel) }),
        });
      } else for (const e of sub.replayed) await send(e);
      while (!stream.aborted) {
        while (queue.length) await send(queue.shift()!);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, KEEPALIVE_MS);
        });
        if (!queue.length && !stream.aborted) await stream.write(": keepalive\n\n");
      }
    } finally {
      sub.unsubscribe();
    }
  });
}

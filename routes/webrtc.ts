// WebRTC: the browsers' WebSocket (/ws) and, for operators, what mediasoup holds.

import { Hono } from "hono";
import type { WebRtcSignalling } from "../signaling/webrtc/mod.ts";
import { operatorOnly } from "./auth.ts";
import { apiError } from "./errors.ts";
import { remoteAddress } from "./_params.ts";

/** `webrtc` is absent when it could not start; `unavailable` says why. */
export function wsRoutes(webrtc: WebRtcSignalling | undefined, unavailable: string): Hono {
  return new Hono().get("/ws", (c) => {
    if (!webrtc || !webrtc.ready()) {
      return apiError(c, 503, "UNAVAILABLE", `WebRTC is not available: ${unavailable}`);
    }
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
      return apiError(c, 426, "UPGRADE_REQUIRED", "connect with a WebSocket");
    }
    // Read before the upgrade: the request's connection info is gone after it.
    const source = remoteAddress(c);
    const { socket, response } = Deno.upgradeWebSocket(c.req.raw, { idleTimeout: 0 });
    webrtc.accept(socket, source);
    return response;
  });
}

export function webrtcRoutes(webrtc: WebRtcSignalling, token: string): Hono {
  return new Hono()
    // Public: what every room's Router speaks, so a page can load its device early.
    .get(
      "/capabilities",
      (c) => c.json({ routerRtpCapabilities: webrtc.o.workers.rtpCapabilities }),
    )
    .use("/", operatorOnly(token))
    .get("/", async (c) => c.json(await webrtc.stats()));
}

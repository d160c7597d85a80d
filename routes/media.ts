// The media workers for operators: where each room is mixed, how busy each worker
// is, and a failover drill that breaks one as a crash or a hang would (its rooms move
// and their calls stay up; the drill is witnessed like any other operator action).

import { Hono } from "hono";
import type { MediaEngine } from "../media/engine/mod.ts";
import type { WitnessLog } from "../witness/mod.ts";
import { breakWorker } from "../media/engine/drill.ts";
import { operatorOnly } from "./auth.ts";
import { BadRequest } from "./errors.ts";

export function mediaRoutes(media: MediaEngine, witness: WitnessLog, token: string): Hono {
  return new Hono()
    .use("*", operatorOnly(token))
    .get("/", async (c) => {
      const [placement, stats] = await Promise.all([media.placement(), media.stats()]);
      const byIndex = new Map(stats.workers.map((w) => [w.index, w]));
      return c.json({
        workers: placement.map(({ worker, rooms, realtime }) => {
          const s = byIndex.get(worker);
          return {
            index: worker,
            rooms,
            realtime,
            legs: s?.legs.length ?? 0,
            tickMs: s?.tickMs ?? null,
            tickMaxMs: s?.tickMaxMs ?? null,
            lateTicks: s?.lateTicks ?? 0,
            skippedTicks: s?.skippedTicks ?? 0,
            cpuMs: s?.cpuMs ?? null,
            // The worker's agent endpoint, once it had an agent leg (docs/agent.md).
            ...(s?.agents ? { agents: s.agents } : {}),
          };
        }),
      });
    })
    // Each leg's media source: what signalling announced, what it locked on, where it
    // sends, and how many datagrams from other sources it dropped (docs/media.md).
    .get("/legs", async (c) => {
      const { legs } = await media.stats();
      return c.json({
        legs: legs.map((l) => ({
          legId: l.legId,
          roomId: l.roomId,
          port: l.port,
          signalled: l.signalled ?? null,
          source: l.source ?? null,
          sendingTo: l.remote ?? null,
          latched: l.latched,
          packetsIn: l.packetsIn,
          packetsOut: l.packetsOut,
          rejectedSource: l.rejectedSource,
          srtp: l.srtp,
          srtpRefused: l.srtpRefused,
        })),
      });
    })
    // The drill: "kill" (default) ends the worker from outside, as a crash would;
    // "throw" raises an uncaught error inside it (its error event tells the pool);
    // "hang" blocks its thread (only the missed heartbeats tell). The failover follows,
    // witnessed as media.worker_failover with the reason the pool saw.
    .post("/workers/:index/kill", async (c) => {
      const raw = c.req.param("index");
      if (!/^(0|[1-9][0-9]{0,3})$/.test(raw)) {
        throw new BadRequest("worker index must be a non-negative integer");
      }
      const index = Number(raw);
      if (index >= media.workerCount) {
        throw new BadRequest(`no media worker ${index}`, "NOT_FOUND", 404);
      }
      const text = await c.req.text();
      let how: unknown = "kill";
      if (text.trim()) {
        try {
          how = (JSON.parse(text) as { how?: unknown }).how ?? "kill";
        } catch {
          throw new BadRequest('body must be JSON: {"how": "kill" | "throw" | "hang"}');
        }
      }
      if (how !== "kill" && how !== "throw" && how !== "hang") {
        throw new BadRequest(`how must be "kill", "throw" or "hang", not ${JSON.stringify(how)}`);
      }
      const placement = media.placement().find((p) => p.worker === index);
      if (!placement) throw new BadRequest(`media worker ${index} is not running`, "CONFLICT", 409);
      const rooms = placement.rooms;
      // Witnessed before the fault: the log shows the drill ahead of the failover.
      await witness.append("media.worker_drill", { worker: index, rooms, how, by: "operator" });
      if (how === "kill") media.killWorker(index);
      else breakWorker(index, how);
      return c.json({ worker: index, rooms, how }, 202);
    });
}

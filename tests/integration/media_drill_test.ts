// Failover drills that break a media worker from the inside (media/engine/drill.ts):
// an error thrown in the worker is noticed by its error event, a hung thread only by
// the missed heartbeats; either way the room is rebuilt on a fresh worker, its leg on
// the same port, and media flows again.

import assert from "node:assert/strict";
import { MediaEngine, type MediaEvent } from "../../media/engine/mod.ts";
import { breakWorker } from "../../media/engine/drill.ts";
import { RtpPhone } from "../_helpers/rtp_phone.ts";
import { until } from "../_helpers/wait.ts";

const HEARTBEAT_MS = 100;

/** Threads of this process (a hung worker that was not ended would keep one). */
function threads(): number {
  return Number(/^Threads:\s+(\d+)/m.exec(Deno.readTextFileSync("/proc/self/status"))![1]);
}

Deno.test({
  name: "media drills: a thrown error and a hung thread each end in a failover that restores media",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const engine = await MediaEngine.start({ workers: 2, heartbeatMs: HEARTBEAT_MS });
    const events: MediaEvent[] = [];
    engine.on((e) => events.push(e));
    const roomId = "drill";
    const a = new RtpPhone("PCMU", 0, 8000), b = new RtpPhone("PCMU", 0, 8000);
    let playing: Promise<void> = Promise.resolve();
    try {
      await engine.createRoom({ roomId, mixRate: 8000 });
      const ports: number[] = [];
      for (const [i, phone] of [a, b].entries()) {
        const { port } = await engine.createLeg({
          legId: `leg-${i}`,
          roomId,
          host: "127.0.0.1",
          port: 0,
          codec: { codec: "PCMU", payloadType: 0 },
          remote: { address: "127.0.0.1", port: phone.port },
          rtcpMux: true,
        });
        ports.push(port);
      }
      // a talks all along (a tone); b hears it through the mix.
      const tone = new Int16Array(8000 * 30);
      for (let i = 0; i < tone.length; i++) tone[i] = 8000 * Math.sin(2 * Math.PI * 500 * i / 8000);
      playing = a.play(ports[0], tone);
      const heardSince = (t: number) => b.received.some((r) => r.at > t);
      await until("b hears a", () => heardSince(performance.now() - 100));

      const threadsBefore = threads();
      for (const [how, reason] of [["throw", /error thrown in media-/], ["hang", /no heartbeat/]]) {
        const index = engine.workerOf(roomId)!;
        const t0 = performance.now();
        const before = events.length;
        breakWorker(index, how as "throw" | "hang");
        const failover = await until(
          `${how}: failover`,
          () => events.slice(before).find((e) => e.ev === "failover"),
        );
        const detected = performance.now() - t0;
        assert.ok(failover.ev === "failover");
        assert.match(failover.reason, reason as RegExp, `${how}: ${failover.reason}`);
        assert.deepEqual(failover.rooms, [roomId]);
        if (how === "hang") {
          // Only heartbeats noticed: at least three intervals went unanswered.
          assert.ok(detected >= 3 * HEARTBEAT_MS, `hang noticed after ${detected} ms`);
        }
        // Media resumes from the rebuilt leg, on the same port.
        const resumed = performance.now();
        await until(`${how}: media again`, () => heardSince(resumed));
        assert.equal(engine.liveWorkers, 2);
      }
      // The hung thread was ended, not left behind blocked.
      await until("the hung worker's thread ends", () => threads() <= threadsBefore);
    } finally {
      a.close();
      b.close();
      await playing;
      await engine.close();
    }
  },
});

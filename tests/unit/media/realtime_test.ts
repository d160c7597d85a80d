// Real-time scheduling for a media worker's thread: granted or refused with a
// reason, never an exception; bad priorities are refused before any system call.

import assert from "node:assert/strict";
import { realtimeThread } from "../../../native/mod.ts";

Deno.test("realtimeThread refuses priorities outside 1-99 without asking the kernel", () => {
  for (const p of [0, 100, -1, 1.5]) assert.equal(realtimeThread(p), "invalid priority");
});

Deno.test("realtimeThread in a worker: done, or refused with the reason", async () => {
  // In a worker, so the test runner's own thread keeps its scheduler.
  const code = `import { realtimeThread } from "${
    new URL("../../../native/mod.ts", import.meta.url).href
  }";
    const why = realtimeThread(5);
    const policy = Deno.readTextFileSync("/proc/thread-self/sched").match(/policy\\s*:\\s*(\\d+)/)?.[1];
    self.postMessage({ why, policy });`;
  const url = `data:application/typescript,${encodeURIComponent(code)}`;
  const worker = new Worker(url, { type: "module" });
  const { why, policy } = await new Promise<{ why: string | null; policy?: string }>((resolve) =>
    worker.onmessage = (e) => resolve(e.data)
  );
  worker.terminate();
  if (why === null) assert.equal(policy, "2", "SCHED_RR is policy 2 in /proc");
  else assert.match(why, /not permitted|errno/);
});

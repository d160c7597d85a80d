// Entry point of a media worker (one per core): RTP sockets, jitter buffers,
// transcoding and mixing for the rooms placed on it. Commands arrive as messages.

/// <reference lib="deno.worker" />

import { WorkerHost } from "../media/engine/worker_host.ts";
import type { Request, WorkerMessage } from "../media/engine/protocol.ts";
import { loadAll } from "../native/mod.ts";
import { listenForDrills } from "../media/engine/drill.ts";

// Fail at start, with the missing package named, rather than on the first call.
loadAll();
const host = new WorkerHost((msg: WorkerMessage) => self.postMessage(msg));
self.onmessage = (e: MessageEvent<Request>) => void host.handle(e.data);
// Operators' failover drills that break this worker from the inside (drill.ts).
listenForDrills(self.name);
self.postMessage({ ev: "ready" });

// Entry point of the SRT feeds' worker: every SRT feed's bridge (media/srt_bridge.ts)
// polled here every few ms, so neither the main thread nor a media worker waits on
// SRT. Commands arrive as messages (rooms/srt_feeds.ts); a bridge that fails is
// reported and closed.

/// <reference lib="deno.worker" />

import { SrtBridge } from "../media/srt_bridge.ts";
import { loadSrt } from "../native/srt.ts";
import type { SrtCommand, SrtWorkerMessage } from "../rooms/srt_feeds.ts";

const POLL_MS = 5;
const bridges = new Map<string, SrtBridge>();
const post = (m: SrtWorkerMessage) => self.postMessage(m);

function run(cmd: SrtCommand): unknown {
  switch (cmd.op) {
    case "open": {
      const bridge = new SrtBridge(cmd.spec);
      bridges.set(cmd.feedId, bridge);
      return bridge.status;
    }
    case "leg": {
      const bridge = bridges.get(cmd.feedId);
      if (!bridge) throw new Error(`no SRT feed ${cmd.feedId}`);
      bridge.useLegPort(cmd.port);
      return bridge.status;
    }
    case "close":
      bridges.get(cmd.feedId)?.close();
      bridges.delete(cmd.feedId);
      return undefined;
    case "status":
      return Object.fromEntries([...bridges].map(([id, b]) => [id, b.status]));
  }
}

self.onmessage = (e: MessageEvent<SrtCommand & { id: number }>) => {
  try {
    post({ id: e.data.id, ok: true, result: run(e.data) });
  } catch (err) {
    post({ id: e.data.id, ok: false, error: (err as Error).message });
  }
};

setInterval(() => {
  const now = performance.now();
  for (const [feedId, bridge] of bridges) {
    try {
      bridge.poll(now);
    } catch (err) {
      bridges.delete(feedId);
      bridge.close();
      post({ ev: "failed", feedId, reason: (err as Error).message });
    }
  }
}, POLL_MS);

// Fail at start, naming the missing package, rather than at the first feed.
try {
  loadSrt();
  post({ ev: "ready" });
} catch (err) {
  post({ ev: "unavailable", reason: (err as Error).message });
}

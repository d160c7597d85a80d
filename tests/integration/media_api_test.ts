// The operators' media view and failover drills, against a running server: the
// workers, drills that kill one, make one throw and hang one (each witnessed, then
// its failover with the reason the pool saw), and clear refusals
// for bad worker indexes and missing credentials. Rooms moving with their calls is
// the production test's part (tests/load).

import assert from "node:assert/strict";
import { startCouncilProcess } from "../_helpers/council_process.ts";
import { api, OPERATOR } from "../_helpers/council_api.ts";
import { waitFor } from "../_helpers/wait.ts";

interface MediaView {
  workers: {
    index: number;
    rooms: string[];
    legs: number;
    lateTicks: number;
    realtime: boolean;
  }[];
}

async function witnessed(url: string, type: string): Promise<Record<string, unknown>[]> {
  const head = (await api(url, "POST", "/api/v1/witness/head")).body as { size: number };
  const log = (await api(url, "GET", `/api/v1/witness/entries?start=0&end=${head.size}`))
    .body as { entries: { type: string; payload: Record<string, unknown> }[] };
  return log.entries.filter((e) => e.type === type).map((e) => e.payload);
}

Deno.test("media API: the workers; a failover drill is witnessed and the worker replaced", async () => {
  const council = await startCouncilProcess({
    COUNCIL_API_OPERATOR_TOKEN: OPERATOR,
    COUNCIL_MEDIA_WORKERS: "2",
  });
  try {
    const anonymous = await fetch(`${council.url}/api/v1/media`);
    await anonymous.body?.cancel();
    assert.equal(anonymous.status, 401);

    const view = (await api(council.url, "GET", "/api/v1/media")).body as MediaView;
    assert.equal(view.workers.length, 2);
    assert.deepEqual(view.workers.map((w) => w.index), [0, 1]);
    // Real-time scheduling was asked for (the default) and is reported either way.
    assert.ok(view.workers.every((w) => typeof w.realtime === "boolean"));

    // Bad indexes: not a number, no such worker.
    const bad = await api(council.url, "POST", "/api/v1/media/workers/x1/kill");
    assert.equal(bad.status, 400);
    const none = await api(council.url, "POST", "/api/v1/media/workers/7/kill");
    assert.equal(none.status, 404);

    // The drill: the worker dies as in a crash, a replacement takes its place.
    const killed = await api(council.url, "POST", "/api/v1/media/workers/1/kill");
    assert.equal(killed.status, 202);
    assert.equal((killed.body as { worker: number }).worker, 1);
    const failovers = await waitFor(async () => {
      const f = await witnessed(council.url, "media.worker_failover");
      return f.length ? f : undefined;
    });
    assert.equal(failovers[0].worker, 1);
    assert.equal(failovers[0].reason, "killed");
    const after = (await api(council.url, "GET", "/api/v1/media")).body as MediaView;
    assert.equal(after.workers.length, 2, "the dead worker was replaced");

    // Drills from the inside: an error thrown in the worker (its error event tells the
    // pool) and a hung thread (only the missed heartbeats tell).
    const melt = await api(council.url, "POST", "/api/v1/media/workers/0/kill", { how: "melt" });
    assert.equal(melt.status, 400);
    for (
      const [index, how, reason] of [[0, "throw", /error thrown in media-0/], [
        1,
        "hang",
        /no heartbeat/,
      ]] as const
    ) {
      const before = (await witnessed(council.url, "media.worker_failover")).length;
      const r = await api(council.url, "POST", `/api/v1/media/workers/${index}/kill`, { how });
      assert.equal(r.status, 202);
      assert.deepEqual(r.body, { worker: index, rooms: [], how });
      const f = await waitFor(async () => {
        const all = await witnessed(council.url, "media.worker_failover");
        return all.length > before ? all[before] : undefined;
      }, 10_000);
      assert.equal(f.worker, index);
      assert.match(String(f.reason), reason, `${how}: ${f.reason}`);
    }
    const drills = await witnessed(council.url, "media.worker_drill");
    assert.deepEqual(drills.map((d) => [d.worker, d.how, d.by]), [
      [1, "kill", "operator"],
      [0, "throw", "operator"],
      [1, "hang", "operator"],
    ]);
    const healed = (await api(council.url, "GET", "/api/v1/media")).body as MediaView;
    assert.equal(healed.workers.length, 2, "both broken workers were replaced");
  } finally {
    assert.equal(await council.stop(), 0);
  }
});

Deno.test("media workers stay on the normal scheduler when real-time priority is off", async () => {
  const council = await startCouncilProcess({
    COUNCIL_API_OPERATOR_TOKEN: OPERATOR,
    COUNCIL_MEDIA_WORKERS: "1",
    COUNCIL_MEDIA_REALTIME_PRIORITY: "0",
  });
  try {
    const view = (await api(council.url, "GET", "/api/v1/media")).body as MediaView;
    assert.deepEqual(view.workers.map((w) => w.realtime), [false]);
  } finally {
    assert.equal(await council.stop(), 0);
  }
});

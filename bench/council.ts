// Whole-server figures: how fast a server becomes ready, what the HTTP stack
// (Hono + metrics middleware) costs against a bare Deno.serve answering the same,
// and the production test's figures (tests/load/production.ts: twelve guardians over
// SIP, H.323 and WebRTC for COUNCIL_BENCH_PRODUCTION_SECONDS, 60 by default).

import { startCouncilProcess } from "../tests/_helpers/council_process.ts";
import { productionFigures, runProduction } from "../tests/load/production.ts";
import { type Figure, median, round } from "./figure.ts";

const STARTS = 5;
const LOAD_SECONDS = 3;
const CONCURRENCY = 32;

export async function* councilSuite(): AsyncIterable<Figure> {
  const startups: number[] = [];
  for (let i = 0; i < STARTS; i++) {
    const t0 = performance.now();
    const council = await startCouncilProcess({});
    while (
      (await fetch(`${council.url}/readyz`).then((r) => (r.body?.cancel(), r.status))) !== 200
    ) {
      await new Promise((r) => setTimeout(r, 5));
    }
    startups.push(performance.now() - t0);
    await council.stop();
  }
  yield {
    suite: "council",
    name: "council.startup_ms",
    value: round(median(startups)),
    unit: "ms",
    goal: "<=2000",
  };

  const council = await startCouncilProcess({});
  const rps = await load(`${council.url}/healthz`);
  await council.stop();

  const bare = await bareServer();
  const baseline = await load(bare.url);
  await bare.close();

  yield {
    suite: "council",
    name: "council.healthz_rps",
    value: round(rps, 0),
    unit: "req/s",
    goal: ">=5000",
    baseline: round(baseline, 0),
    ratio: round(rps / baseline, 3),
  };

  const seconds = Number(Deno.env.get("COUNCIL_BENCH_PRODUCTION_SECONDS") ?? 60);
  const report = await runProduction({ seconds });
  yield* productionFigures(report);
}

/** Closed-loop load: CONCURRENCY clients each sending the next request on reply. */
async function load(url: string): Promise<number> {
  const until = performance.now() + LOAD_SECONDS * 1000;
  let done = 0;
  const client = async () => {
    while (performance.now() < until) {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.ok) done++;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, client));
  return done / ((performance.now() - t0) / 1000);
}

/** The baseline: a bare Deno.serve in its own process returning the same JSON shape. */
async function bareServer(): Promise<{ url: string; close(): Promise<void> }> {
  const code = `
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: ({ port }) => console.log(port) },
      () => Response.json({ status: "ok", version: "0.0.0", uptimeSeconds: 0 }));
    Deno.addSignalListener("SIGTERM", () => server.shutdown());`;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", code],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  // The pipe locks child.stdout: cancelling the decoded stream releases both.
  const text = child.stdout.pipeThrough(new TextDecoderStream());
  const reader = text.getReader();
  const { value } = await reader.read();
  reader.releaseLock();
  return {
    url: `http://127.0.0.1:${Number(value)}/`,
    async close() {
      child.kill("SIGTERM");
      await child.status;
      await text.cancel();
    },
  };
}

// WebRTC figures with real browsers (Debian's Chromium through playwright-core):
// (a) join time, WebSocket hello to the first packet of the mix in the browser, with
//     a talking member already in the room;
// (b) CPU per bridged browser leg: Council (signalling, bridge, mix) plus the
//     mediasoup worker, per audio-only browser, over a steady window;
// (c) browsers one mediasoup worker forwards: its CPU per forwarded video stream
//     with three browsers sending simulcast video, extrapolated to a full room.
//
// CPU is read from /proc (utime + stime of the server process and the mediasoup
// worker processes), so the browsers' own encoding on this machine is not counted.

import type { Page } from "playwright-core";
import { addGuardian, api, type TestGuardian } from "../tests/_helpers/council_api.ts";
import { joinThroughPage, launchChromium, type TestBrowser } from "../tests/_helpers/browser.ts";
import { speech } from "../tests/fixtures/audio/speech.ts";
import { toBase64 } from "../witness/base64.ts";
import { benchCouncil } from "./_council.ts";
import { type Figure, percentile, round } from "./figure.ts";

const JOINS = 20;
const BRIDGED = 4;
const VIDEO_BROWSERS = 3;
const WINDOW_MS = 10_000;
/** Share of a core a worker may use before it is considered full. */
const HEADROOM = 0.8;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TICKS = 100; // USER_HZ on Linux

/** utime + stime of a process (all its threads), in ms. */
function cpuMs(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 1000 / TICKS;
}

async function workerPids(url: string): Promise<number[]> {
  const s = (await api(url, "GET", "/api/v1/webrtc")).body as { workers: { pid: number }[] };
  return s.workers.map((w) => w.pid);
}

/** CPU (fraction of one core) of the given processes over WINDOW_MS. */
async function load(pids: number[]): Promise<number[]> {
  const a = pids.map(cpuMs);
  const t0 = performance.now();
  await sleep(WINDOW_MS);
  const wall = performance.now() - t0;
  return pids.map((pid, i) => (cpuMs(pid) - a[i]) / wall);
}

async function join(
  b: TestBrowser,
  url: string,
  g: TestGuardian,
  video = false,
): Promise<Page> {
  return await joinThroughPage(b.browser, url, {
    guardian: g.name,
    room: "bench",
    key: toBase64(g.secret),
    video,
  });
}

async function leave(page: Page): Promise<void> {
  await page.click("#leave").catch(() => {});
  await page.context().close();
}

export async function* webrtcSuite(): AsyncIterable<Figure> {
  const council = await benchCouncil({}, ["opus", "PCMU", "PCMA"]);
  const chromium = await launchChromium(await speech(1, 48000), 48000);
  try {
    const guardians: TestGuardian[] = [];
    for (let i = 0; i < BRIDGED + 1; i++) guardians.push(await addGuardian(council.url, `b${i}`));

    // (a) Join time, with one member talking.
    const talker = await join(chromium, council.url, guardians[0]);
    const times: number[] = [];
    for (let i = 0; i < JOINS; i++) {
      const page = await join(chromium, council.url, guardians[1]);
      const ms = await page.waitForFunction(
        `(() => { const t = globalThis.council.client.timings;
          return t.firstAudioAt !== undefined && t.firstAudioAt - t.helloAt; })()`,
        undefined,
        { timeout: 10_000 },
      ).then((h) => h.jsonValue() as Promise<number>);
      times.push(ms);
      await leave(page);
    }
    times.sort((a, b) => a - b);
    yield {
      suite: "webrtc",
      name: "webrtc.join_p50_ms",
      value: round(percentile(times, 50)),
      unit: "ms",
      goal: "<200",
    };
    yield {
      suite: "webrtc",
      name: "webrtc.join_p99_ms",
      value: round(percentile(times, 99)),
      unit: "ms",
      goal: "<200",
    };

    // (b) CPU per bridged (audio-only) browser: the window with BRIDGED browsers
    // minus an idle window, over the server and the mediasoup workers.
    await leave(talker);
    await sleep(1000);
    const pids = [council.child.pid, ...await workerPids(council.url)];
    const idle = (await load(pids)).reduce((a, b) => a + b, 0);
    const pages: Page[] = [];
    for (let i = 0; i < BRIDGED; i++) pages.push(await join(chromium, council.url, guardians[i]));
    await sleep(2000);
    const busy = (await load(pids)).reduce((a, b) => a + b, 0);
    yield {
      suite: "webrtc",
      name: "webrtc.cpu_per_bridged_leg_pct",
      value: round(100 * (busy - idle) / BRIDGED, 2),
      unit: "% of one core",
      goal: `measured (${BRIDGED} audio-only browsers: Council + mediasoup worker)`,
    };
    for (const p of pages.splice(0)) await leave(p);
    await sleep(1000);

    // (c) Video forwarding in the mediasoup worker that carries the room.
    const vpages: Page[] = [];
    for (let i = 0; i < VIDEO_BROWSERS; i++) {
      vpages.push(await join(chromium, council.url, guardians[i], true));
    }
    await sleep(3000);
    const ws = await workerPids(council.url);
    const perWorker = await load(ws);
    const worker = Math.max(...perWorker);
    const streams = VIDEO_BROWSERS * (VIDEO_BROWSERS - 1);
    const perStream = worker / streams;
    // A room of n browsers forwards n(n-1) video streams.
    let n = 2;
    while ((n + 1) * n * perStream <= HEADROOM) n++;
    yield {
      suite: "webrtc",
      name: "webrtc.video_stream_cpu_pct",
      value: round(100 * perStream, 3),
      unit: "% of one core",
      goal: `measured (${streams} forwarded simulcast streams, ${VIDEO_BROWSERS} browsers)`,
    };
    yield {
      suite: "webrtc",
      name: "webrtc.browsers_per_worker",
      value: n,
      unit: "browsers",
      goal: `measured (one room, everyone sending video, ${HEADROOM * 100}% of a core)`,
    };
    for (const p of vpages) await leave(p);
  } finally {
    await chromium.close();
    await council.stop();
  }
}

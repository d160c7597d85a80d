// WebRTC figures with real browsers (Debian's Chromium through playwright-core):
// (a) join time: from the click on Join (and, separately, from the socket's open) to
//     the first mixed audio played in the page (bench/_played.ts says what "played"
//     means and how it is seen), while another member talks in the room; JOINS
//     sequential joins, each a fresh page, context and connection;
// (b) CPU per bridged browser leg: Council (signalling, bridge, mix) plus the
//     mediasoup worker, per audio-only browser, over a steady window;
// (c) browsers one mediasoup worker forwards: its CPU per forwarded video stream
//     with three browsers sending simulcast video, extrapolated to a full room.
//
// CPU is read from /proc (utime + stime of the server process and the mediasoup
// worker processes), so the browsers' own encoding on this machine is not counted.

import type { Page } from "playwright-core";
import { addGuardian, api, type TestGuardian } from "../tests/_helpers/council_api.ts";
import {
  inbound,
  joinThroughPage,
  launchChromium,
  type TestBrowser,
} from "../tests/_helpers/browser.ts";
import { speech } from "../tests/fixtures/audio/speech.ts";
import { toBase64 } from "../witness/base64.ts";
import { benchCouncil } from "./_council.ts";
import { ARM_DETECTOR, type Played, RUN, THRESHOLD } from "./_played.ts";
import { type Figure, percentile, round } from "./figure.ts";

const JOINS = 40;
/** How long a join may take to play the mix before it counts as failed. */
const JOIN_TIMEOUT_MS = 10_000;
/** Silence after the mix's player appears that shows the detector hears no muted room. */
const CONTROL_MS = 2000;
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

/** Leaves with the page's button and waits for the server's answer before closing. */
async function leave(page: Page): Promise<void> {
  await page.click("#leave", { timeout: 2000 }).catch(() => {});
  await page.waitForFunction(`globalThis.council?.client.state !== "joined"`, undefined, {
    timeout: 5000,
  }).catch(() => {});
  await page.context().close();
}

/** Speech fixtures 1 and 3 with every quiet 10 ms frame cut out: a voice that never pauses. */
async function continuousSpeech(): Promise<Int16Array> {
  const frame = 480;
  const out: Int16Array[] = [];
  for (const n of [1, 3] as const) {
    const pcm = await speech(n, 48000);
    for (let i = 0; i + frame <= pcm.length; i += frame) {
      const f = pcm.subarray(i, i + frame);
      let e = 0;
      for (const v of f) e += v * v;
      if (Math.sqrt(e / frame) >= 300) out.push(f);
    }
  }
  const pcm = new Int16Array(out.length * frame);
  out.forEach((f, i) => pcm.set(f, i * frame));
  return pcm;
}

/** performance.now() marks of one join in its page (CouncilClient.timings). */
type Marks = Record<string, number>;

interface TimedJoin {
  page: Page;
  marks: Marks;
  played: Played;
  /** Why the join played no mix (it failed, or timed out). */
  error?: string;
}

/** What the page shows while waiting: played, or a reason it never will be. */
const SETTLED = `(() => {
  const p = globalThis.__councilPlayed;
  return p.playedAt !== undefined || p.error !== undefined ||
    globalThis.council?.client.state === "failed" ||
    document.getElementById("error").textContent !== "";
})()`;

const READ = `({
  marks: { ...(globalThis.__councilTimings ?? {}) },
  played: { ...globalThis.__councilPlayed },
  state: globalThis.council?.client.state,
  pageError: document.getElementById("error").textContent,
})`;

async function readJoin(page: Page): Promise<Omit<TimedJoin, "page">> {
  const r = await page.evaluate(READ) as {
    marks: Marks;
    played: Played;
    state?: string;
    pageError: string;
  };
  const error = r.played.error
    ? `detector: ${r.played.error}`
    : r.pageError
    ? `page: ${r.pageError}`
    : r.state === "failed"
    ? "client failed"
    : undefined;
  return { marks: r.marks, played: r.played, error };
}

/**
 * Opens the join page in a fresh context, arms the played-audio detector, fills the
 * form and clicks Join. `until` (page script) is what to wait for after the click.
 */
async function clickJoin(
  b: TestBrowser,
  url: string,
  g: TestGuardian,
  until: string,
  timeoutMs: number,
): Promise<TimedJoin> {
  const context = await b.browser.newContext({ permissions: ["microphone", "camera"] });
  const page = await context.newPage();
  // A person takes seconds over the form: by the click the page has finished what it
  // loads when it opens (its mediasoup device), as it has here after networkidle.
  await page.goto(`${url}/web/`, { waitUntil: "networkidle" });
  await page.evaluate(ARM_DETECTOR);
  await page.fill("#guardian", g.name);
  await page.fill("#room", "bench");
  await page.fill("#key", toBase64(g.secret));
  await page.click("#join-button");
  let timedOut: string | undefined;
  await page.waitForFunction(until, undefined, { timeout: timeoutMs }).catch(() => {
    timedOut = `nothing within ${timeoutMs} ms`;
  });
  const r = await readJoin(page);
  return { page, ...r, error: r.error ?? timedOut };
}

/** The order of a join's marks, for the breakdown (where the time goes). */
const STEPS: [string, string][] = [
  ["mediaAt", "getUserMedia done"],
  ["connectAt", "socket created"],
  ["helloAt", "socket open, hello sent"],
  ["welcomeAt", "welcome"],
  ["signedAt", "request signed, device ready"],
  ["joinedAt", "join answered (admitted, bridged)"],
  ["recvAt", "recv transport made"],
  ["mixConsumedAt", "mix consumer made (SDP)"],
  ["recvConnectedAt", "recv ICE+DTLS connected"],
  ["firstAudioAt", "first mix packet (unmute)"],
  ["producedAt", "microphone produced"],
  ["sendConnectedAt", "send ICE+DTLS connected"],
  ["playerAt", "mix <audio> element attached"],
  ["soundAt", "first decoded sample rendered (any level)"],
  ["playedAt", "first mixed audio played"],
];

function loadavg(): string {
  try {
    return Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
  } catch {
    return "unknown";
  }
}

/**
 * The join-time figures: first a control join while the talker is muted (the
 * detector must hear nothing in a silent mix, then hear the talker once unmuted),
 * then JOINS timed joins, each from its click to the first mixed audio it plays.
 */
async function* joinTimes(
  b: TestBrowser,
  talker: Page,
  url: string,
  g: TestGuardian,
): AsyncIterable<Figure> {
  const figures = (
    fromClick: number | null,
    fromSocket: number | null,
    p50: number | null,
    why?: string,
  ) => [
    {
      suite: "webrtc",
      name: "webrtc.join_p50_ms",
      value: p50,
      unit: "ms",
      goal: "<200 (click on Join -> first mixed audio played)",
      ...(why ? { why } : {}),
    },
    {
      suite: "webrtc",
      name: "webrtc.join_p99_ms",
      value: fromClick,
      unit: "ms",
      goal: `<200 (click on Join -> first mixed audio played, ${JOINS} joins)`,
      ...(why ? { why } : {}),
    },
    {
      suite: "webrtc",
      name: "webrtc.join_from_socket_p99_ms",
      value: fromSocket,
      unit: "ms",
      goal: `<150 (socket open -> first mixed audio played, ${JOINS} joins)`,
      ...(why ? { why } : {}),
    },
  ];
  console.error(`bench: webrtc: join times, load ${loadavg()}`);

  // Control: with the talker muted the mix is silence, which must not count.
  await talker.click("#mute");
  await talker.waitForFunction(`globalThis.council.client.muted === true`, undefined, {
    timeout: 5000,
  });
  const control = await clickJoin(
    b,
    url,
    g,
    `globalThis.__councilTimings?.playerAt !== undefined &&
      globalThis.__councilTimings?.firstAudioAt !== undefined`,
    JOIN_TIMEOUT_MS,
  );
  let bad: string | undefined = control.error;
  if (!bad) {
    const before = (await inbound(control.page)).audio?.packets ?? 0;
    await sleep(CONTROL_MS);
    const after = (await inbound(control.page)).audio?.packets ?? 0;
    const r = await readJoin(control.page);
    if (r.played.playedAt !== undefined) {
      bad = `the detector heard sound (peak ${r.played.peak}) in a mix whose only talker was muted`;
    } else if (after - before < CONTROL_MS / 40) {
      bad = `the muted mix was not flowing (${after - before} packets in ${CONTROL_MS} ms)`;
    } else {
      // The same page, once the talker speaks again, must hear it.
      await talker.click("#mute");
      await control.page.waitForFunction(SETTLED, undefined, { timeout: JOIN_TIMEOUT_MS })
        .catch(() => {});
      const heard = await readJoin(control.page);
      if (heard.played.playedAt === undefined) {
        bad = `the detector heard nothing when the talker was unmuted (${heard.error})`;
      }
    }
  }
  await leave(control.page);
  if (bad) {
    for (const f of figures(null, null, null, `control join: ${bad}`)) yield f;
    return;
  }
  if (await talker.evaluate(`globalThis.council.client.muted`)) {
    throw new Error("the talker stayed muted");
  }

  const runs: TimedJoin[] = [];
  for (let i = 0; i < JOINS; i++) {
    const run = await clickJoin(b, url, g, SETTLED, JOIN_TIMEOUT_MS);
    if (!run.error && run.played.playedAt === undefined) run.error = "no mixed audio played";
    runs.push(run);
    await leave(run.page);
    await sleep(200);
  }
  console.error(`bench: webrtc: join times done, load ${loadavg()}`);

  const failed = runs.filter((r) => r.error);
  if (failed.length) {
    const why = `${failed.length} of ${JOINS} joins played no mixed audio: ${
      [...new Set(failed.map((r) => r.error))].join("; ")
    }`.slice(0, 300);
    for (const f of figures(null, null, null, why)) yield f;
    return;
  }
  const since = (from: string, to: string) =>
    runs.map((r): Marks => ({
      ...r.marks,
      playedAt: r.played.playedAt!,
      soundAt: r.played.soundAt ?? NaN,
    }))
      .map((m) => m[to] - m[from]).filter(Number.isFinite).sort((a, b) => a - b);
  const fromClick = since("clickAt", "playedAt");
  const fromSocket = since("helloAt", "playedAt");
  // Where the time goes: each mark after the click (p50, p99), on stderr.
  for (const [mark, what] of STEPS) {
    const t = since("clickAt", mark);
    console.error(
      `bench: webrtc: join ${mark.padEnd(16)} ${
        t.length
          ? `p50 ${round(percentile(t, 50))} p99 ${round(percentile(t, 99))} ms after the click`
          : "never"
      } (${what}, ${t.length} joins)`,
    );
  }
  const hop = runs.map((r) => r.played.messageAt! - r.played.playedAt!).sort((a, b) => a - b);
  const silent = runs.map((r) => r.played.silentQuanta ?? 0).sort((a, b) => a - b);
  console.error(
    `bench: webrtc: detector: worklet message ${round(percentile(hop, 50))} ms after the ` +
      `render time (p50); ${percentile(silent, 50)} silent quanta before the first loud run ` +
      `(p50; threshold ${THRESHOLD}, ${RUN} quanta); AudioContext base latency ` +
      `${runs[0].played.baseLatency} s, output latency ${runs[0].played.outputLatency} s`,
  );
  for (
    const f of figures(
      fromClick.length === JOINS ? round(percentile(fromClick, 99)) : null,
      fromSocket.length === JOINS ? round(percentile(fromSocket, 99)) : null,
      fromClick.length === JOINS ? round(percentile(fromClick, 50)) : null,
      fromClick.length === JOINS && fromSocket.length === JOINS
        ? undefined
        : "a join's page lacked its click or socket mark",
    )
  ) yield f;
}

export async function* webrtcSuite(): AsyncIterable<Figure> {
  const council = await benchCouncil({}, ["opus", "PCMU", "PCMA"]);
  // The talker is a person in a browser of their own: its microphone is speech
  // without pauses, so the mix a newcomer hears is never silent for want of words.
  const talking = await launchChromium(await continuousSpeech(), 48000);
  const chromium = await launchChromium(await speech(2, 48000), 48000);
  try {
    const guardians: TestGuardian[] = [];
    for (let i = 0; i < BRIDGED + 1; i++) guardians.push(await addGuardian(council.url, `b${i}`));

    // (a) Join time, with one member talking.
    const talker = await join(talking, council.url, guardians[0]);
    yield* joinTimes(chromium, talker, council.url, guardians[1]);
    await leave(talker);
    await talking.close();

    // (b) CPU per bridged (audio-only) browser: the window with BRIDGED browsers
    // minus an idle window, over the server and the mediasoup workers.
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
    await talking.close();
    await chromium.close();
    await council.stop();
  }
}

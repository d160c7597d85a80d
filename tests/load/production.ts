// The production test: twelve guardians in one ESCALATE room at once (SIP through
// SIPp, H.323 terminals, browsers in Chromium), every one admitted by a signed
// request, held for a set time while the test measures what Council does to their
// audio, kills the media worker and then the mediasoup worker carrying the room
// midway, and counts what survived.
//
// - Join: SIP from SIPp's INVITE (its own message log) to the first mixed packet at
//   the guardian's RTP probe; H.323 from Setup sent to the first packet; browsers
//   from their WebSocket hello to the first packet of the mix (the page's timings).
// - Added latency: each RTP guardian plays a marker tone of its own frequency on a
//   shared schedule; every other RTP guardian detects it in what it receives. The
//   latency is detection (arrival of the first marker packet) minus sending time:
//   what Council adds on loopback (jitter buffer, mix tick, transcode).
// - Output jitter: |D(i-1,i)| of RFC 3550 section 6.4.1 over every packet Council
//   sent the RTP guardians, outside the failover windows.
// - Failover: from the kill to media flowing again at the slowest RTP guardian
//   (media worker) or to every browser hearing the room again (mediasoup worker).
// - Dropped calls: guardians not in the room at the end, SIPp calls that failed,
//   H.323 calls released by Council, pages not joined.

import type { Page } from "playwright-core";
import { addGuardian, api, type TestGuardian } from "../_helpers/council_api.ts";
import {
  type Inbound,
  inbound,
  joinThroughPage,
  launchChromium,
  type TestBrowser,
} from "../_helpers/browser.ts";
import { tpktMessages } from "../_helpers/h323_capture.ts";
import { TpktClient } from "../_helpers/h323_client.ts";
import { acceptedRtpPort, adjust, setupFor } from "../_helpers/h323_setup.ts";
import { runSipp, type SippRun } from "../_helpers/sipp.ts";
import { speech } from "../fixtures/audio/speech.ts";
import { toBase64 } from "../../witness/base64.ts";
import { benchCouncil } from "../../bench/_council.ts";
import type { CouncilProcess } from "../_helpers/council_process.ts";
import { now, PLAN, type ProbeReport } from "./probe.ts";
import { ProbeHost } from "./probe_host.ts";
import type { Figure } from "../../bench/figure.ts";

export const ROOM = "council";
type Protocol = "sip" | "h323" | "webrtc";
type Msg = Record<string, unknown>;

export interface ProductionOptions {
  /** How long all twelve stay in the room, talking. */
  seconds: number;
  sip?: number;
  h323?: number;
  browsers?: number;
  /** Progress lines (to stderr in the script). */
  log?: (line: string) => void;
}

export interface Join {
  name: string;
  protocol: Protocol;
  ms: number | null;
}

export interface PathCount {
  from: string;
  to: string;
  sent: number;
  heard: number;
}

export interface BrowserEnd {
  name: string;
  state: string;
  packets: number;
  lost: number;
  jitterMs: number;
}

export interface ProductionReport {
  seconds: number;
  admitted: number;
  joins: Join[];
  /** Marker latencies (ms), every RTP path, outside the media failover window. */
  latencies: number[];
  paths: PathCount[];
  /** Markers a guardian heard of its own (it must hear everyone but itself). */
  selfHeard: number;
  /** Transit differences |D| (ms) at the 50th and 99th percentile, RTP guardians. */
  jitterP50Ms: number;
  jitterP99Ms: number;
  /** Worst RFC 3550 jitter estimate at any RTP guardian, and at any browser. */
  jitterEstimateMaxMs: number;
  browserJitterMaxMs: number;
  loss: { expected: number; received: number };
  /** Share of each RTP guardian's packets carrying the browsers' speech. */
  heardBrowsers: { name: string; share: number }[];
  browsers: BrowserEnd[];
  failover: { mediaS: number | null; webrtcS: number | null };
  dropped: string[];
  cpu: { councilPct: number; mediasoupPct: number };
  memory: { councilRssMb: number; councilRssGrowthMb: number; mediasoupRssMb: number };
  sipp: { code: number; successful: number; failed: number };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** utime + stime of a process, ms (USER_HZ 100). */
function cpuMs(pid: number): number {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return 0;
  }
}

function rssMb(pid: number): number {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

interface WebRtcView {
  rooms: { room: string; worker: number; members: number }[];
  workers: { index: number; pid: number }[];
}

async function webrtcView(url: string): Promise<WebRtcView> {
  return (await api(url, "GET", "/api/v1/webrtc")).body as WebRtcView;
}

/** Fast-start H.323 calls from H323Plus's captured Setup, one per guardian. */
class H323Leg {
  client?: TpktClient;
  councilPort = 0;
  setupAt = 0;
  readonly guid = crypto.getRandomValues(new Uint8Array(16));

  constructor(readonly guardian: TestGuardian, readonly probePort: number) {}

  async call(port: number, frames: (n: number) => Uint8Array): Promise<void> {
    const ids = (body: Msg) => {
      body.callIdentifier = { guid: this.guid };
      if ("conferenceID" in body) body.conferenceID = this.guid;
    };
    const setup = await setupFor(frames(4), this.guardian, { port: this.probePort }, ids, ROOM);
    this.client = await TpktClient.connect(port);
    this.setupAt = now();
    await this.client.send(setup);
    const connect = await this.client.cs("connect");
    this.councilPort = acceptedRtpPort(connect.cs!.body as Msg);
    // H323Plus's tunnelled capabilities and master-slave determination, as it sent them.
    for (const n of [10, 12]) await this.client.send(adjust(frames(n), ids));
    await this.client.h245("response.terminalCapabilitySetAck");
  }

  /** Hangs up as H323Plus did (its Release Complete). */
  async release(frames: (n: number) => Uint8Array): Promise<void> {
    if (!this.client || this.client.closed) return;
    await this.client.send(adjust(frames(44), (b) => (b.callIdentifier = { guid: this.guid })))
      .catch(() => {});
    await Promise.race([this.client.done, sleep(2000)]);
    this.client.close();
  }
}

/** Council's RTP port for each SIP probe, from the operators' call list. */
async function sipMediaPorts(url: string, probePorts: number[]): Promise<Map<number, number>> {
  const found = new Map<number, number>();
  const deadline = Date.now() + 15_000;
  while (found.size < probePorts.length) {
    if (Date.now() > deadline) throw new Error(`only ${found.size} SIP calls set up`);
    const calls = ((await api(url, "GET", "/api/v1/sip/calls")).body as {
      calls: { room: string; media: { local: string; remote: string } }[];
    }).calls;
    for (const c of calls.filter((c) => c.room === ROOM)) {
      const remote = Number(c.media.remote.split(":").pop());
      if (probePorts.includes(remote)) found.set(remote, Number(c.media.local.split(":").pop()));
    }
    await sleep(20);
  }
  return found;
}

/** INVITE send times in SIPp's message log (wall clock), by the SDP's RTP port. */
function inviteTimes(messages: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const block of messages.split(/^-{10,} /m)) {
    const stamp = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d\.\d{3})/.exec(block);
    if (!stamp || !/message sent[^\n]*\n\s*\nINVITE /.test(block)) continue;
    const port = Number(/m=audio (\d+)/.exec(block)?.[1]);
    const at = new Date(`${stamp[1]}T${stamp[2]}`).getTime();
    if (port && !out.has(port)) out.set(port, at);
  }
  return out;
}

function percentileOf(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Percentile of a histogram in 0.1 ms bins. */
function histogramPercentile(bins: number[], p: number): number {
  const total = bins.reduce((a, b) => a + b, 0);
  let seen = 0;
  for (let i = 0; i < bins.length; i++) {
    seen += bins[i];
    if (seen >= total * p / 100) return i / 10;
  }
  return NaN;
}

export async function runProduction(o: ProductionOptions): Promise<ProductionReport> {
  const log = o.log ?? (() => {});
  const nSip = o.sip ?? 4, nH323 = o.h323 ?? 4, nWeb = o.browsers ?? 4;
  if (nSip + nH323 > PLAN.frequencies.length) throw new Error("more RTP guardians than markers");
  const council: CouncilProcess = await benchCouncil({
    COUNCIL_MEDIA_WORKERS: "2",
    COUNCIL_WEBRTC_WORKERS: "2",
  }, ["opus", "PCMU", "PCMA"]);
  const probes = new ProbeHost();
  let chromium: TestBrowser | undefined;
  const pages: Page[] = [];
  const h323: H323Leg[] = [];
  const frames = await tpktMessages("h323plus-fast-ooh323c.pcapng").then((all) => (n: number) =>
    all.find((m) => m.frame === n)!.payload
  );
  try {
    const made = await api(council.url, "POST", "/api/v1/rooms", {
      name: ROOM,
      callType: "ESCALATE",
      mixing: "all",
      capacity: 25,
      allowedCodecs: ["opus", "PCMU", "PCMA"],
    });
    if (made.status !== 201) throw new Error(`room: ${made.status} ${JSON.stringify(made.body)}`);

    const names = {
      sip: Array.from({ length: nSip }, (_, i) => `sip-${i + 1}`),
      h323: Array.from({ length: nH323 }, (_, i) => `h323-${i + 1}`),
      webrtc: Array.from({ length: nWeb }, (_, i) => `web-${i + 1}`),
    };
    const guardians = new Map<string, TestGuardian>();
    for (const name of [...names.sip, ...names.h323, ...names.webrtc]) {
      guardians.set(name, await addGuardian(council.url, name));
    }
    // RTP guardians: SIP first (markers 0..), then H.323.
    const rtpNames = [...names.sip, ...names.h323];
    const probePort = new Map<string, number>();
    for (const [i, name] of rtpNames.entries()) {
      probePort.set(name, await probes.create(name, i < nSip ? "PCMA" : "PCMU", i));
    }
    const joins: Join[] = [];

    // Browsers first: their speech (quiet, so markers stand out) is the room's talk.
    const mic = (await speech(1, 48000)).map((x) => Math.round(x * 0.1));
    chromium = await launchChromium(mic, 48000);
    for (const name of names.webrtc) {
      const g = guardians.get(name)!;
      pages.push(
        await joinThroughPage(chromium.browser, council.url, {
          guardian: name,
          room: ROOM,
          key: toBase64(g.secret),
        }),
      );
      log(`joined ${name}`);
    }

    // H.323 terminals, one after another.
    for (const name of names.h323) {
      const leg = new H323Leg(guardians.get(name)!, probePort.get(name)!);
      await leg.call(council.callSignalPort, frames);
      h323.push(leg);
      log(`joined ${name}`);
    }

    // The browsers' joins, from their own timings (a rejoin later would reset them).
    for (const [i, p] of pages.entries()) {
      const ms = await p.waitForFunction(
        `(() => { const t = globalThis.council.client.timings;
          return t.firstAudioAt !== undefined && t.firstAudioAt - t.helloAt; })()`,
        undefined,
        { timeout: 10_000 },
      ).then((h) => h.jsonValue() as Promise<number>).catch(() => null);
      joins.push({ name: names.webrtc[i], protocol: "webrtc", ms });
      const t = await p.evaluate("globalThis.council.client.timings") as Record<string, number>;
      log(
        `${names.webrtc[i]} join steps (ms after hello): ${
          Object.entries(t).map(([k, v]) => `${k} ${Math.round(v - t.helloAt)}`).join(", ")
        }`,
      );
    }

    // The browsers stand in for the guardians' own machines: while the test measures,
    // they keep to the last CPU (when there is more than one), so Chromium's realtime
    // audio threads (SCHED_RR when run as root) do not preempt the server's media.
    // (Confining the server and the probes to the other CPUs was tried: on two cores
    // that leaves them one, and the figures got worse.)
    const cpus = navigator.hardwareConcurrency;
    if (cpus > 1) await chromium.confine(String(cpus - 1));

    // SIP: one SIPp running every guardian's call, held for the test's length. It
    // starts last, just before t0, so that its hold (fixed when it starts) outlasts
    // the run: waiting for the browsers first once made the phones hang up early.
    const holdMs = o.seconds * 1000 + 5000;
    const inject = ["SEQUENTIAL"];
    for (const name of names.sip) {
      inject.push(`${ROOM};${await guardians.get(name)!.token(ROOM, {
        callType: "ESCALATE",
        codecs: ["PCMA"],
      })};${probePort.get(name)}`);
    }
    const sippStarted = now();
    const sipp: Promise<SippRun> = nSip
      ? runSipp({
        scenario: "production_call.xml",
        target: `127.0.0.1:${council.sipPort}`,
        calls: nSip,
        rate: 20,
        limit: nSip,
        inject,
        timeoutS: o.seconds + 90,
        extra: ["-d", String(holdMs)],
      })
      : Promise.resolve({ code: 0, stdout: "", messages: "", stats: {} });
    const sipPorts = await sipMediaPorts(
      council.url,
      names.sip.map((n) => probePort.get(n)!),
    );
    log(`joined ${names.sip.join(", ")}`);

    // Everyone talks from t0: markers on the shared schedule.
    const t0 = now() + 300;
    const end = t0 + o.seconds * 1000;
    if (end + 1000 > sippStarted + holdMs) log("SIPp's hold ends before the run does");
    // Real phones are not in step: each probe's 20 ms frames start at its own phase.
    const phase = (i: number) => (i * 20) / rtpNames.length;
    for (const [i, name] of names.sip.entries()) {
      await probes.speak(name, sipPorts.get(probePort.get(name)!)!, t0 + phase(i), end);
    }
    for (const [i, leg] of h323.entries()) {
      await probes.speak(names.h323[i], leg.councilPort, t0 + phase(nSip + i), end);
    }

    // Steady CPU and memory over the first third, before any failover.
    await sleep(t0 - now() + 1000);
    const view0 = await webrtcView(council.url);
    const msPids = view0.workers.map((w) => w.pid);
    const rss0 = rssMb(council.child.pid);
    const cpu0 = [cpuMs(council.child.pid), ...msPids.map(cpuMs)];
    const w0 = now();
    await sleep(t0 + o.seconds * 1000 / 3 - now());
    const wall = now() - w0;
    const cpu1 = [cpuMs(council.child.pid), ...msPids.map(cpuMs)];
    const cpu = {
      councilPct: Math.round(1000 * (cpu1[0] - cpu0[0]) / wall) / 10,
      mediasoupPct: Math.round(
        1000 * cpu1.slice(1).reduce((a, b, i) => a + b - cpu0[i + 1], 0) / wall,
      ) / 10,
    };
    const mediasoupRssMb = msPids.reduce((a, pid) => a + rssMb(pid), 0);

    // Failover 1: the media worker mixing the room dies (a drill is a real kill).
    const media = (await api(council.url, "GET", "/api/v1/media")).body as {
      workers: { index: number; rooms: string[] }[];
    };
    const mixer = media.workers.find((w) => w.rooms.includes(ROOM));
    await probes.exclude(10_000);
    const mediaKillAt = now();
    if (mixer) await api(council.url, "POST", `/api/v1/media/workers/${mixer.index}/kill`);
    log(`killed media worker ${mixer?.index}`);

    // Failover 2: the mediasoup worker carrying the room's browsers dies (SIGKILL).
    await sleep(t0 + o.seconds * 2000 / 3 - now());
    const view = await webrtcView(council.url);
    const carrier = view.rooms.find((r) => r.room === ROOM);
    const pid = view.workers.find((w) => w.index === carrier?.worker)?.pid;
    const memberIds = await Promise.all(
      pages.map((p) => p.evaluate("globalThis.council.client.memberId")),
    );
    const webrtcKillAt = now();
    if (pid) Deno.kill(pid, "SIGKILL");
    log(`killed mediasoup worker pid ${pid}`);
    let webrtcS: number | null = null;
    // Healed when every page has rejoined (a new member) and receives the room again.
    const healed = new Set<number>();
    // (Not past the end: the members are counted then, while every phone still holds.)
    while (now() < Math.min(webrtcKillAt + 20_000, end - 500) && healed.size < pages.length) {
      await sleep(50);
      for (const [i, p] of pages.entries()) {
        if (healed.has(i)) continue;
        const [state, memberId] = await p.evaluate(
          "[globalThis.council.client.state, globalThis.council.client.memberId]",
        ).catch(() => ["gone", null]) as [string, string | null];
        if (state !== "joined" || memberId === memberIds[i]) continue;
        const packets = (await inbound(p).catch((): Inbound => ({}))).audio?.packets ?? 0;
        if (packets > 0) healed.add(i);
      }
    }
    if (healed.size === pages.length) webrtcS = (now() - webrtcKillAt) / 1000;
    log(`browsers healed: ${healed.size}/${pages.length}`);

    await sleep(end - now());
    const members = ((await api(council.url, "GET", `/api/v1/rooms/${ROOM}`)).body as {
      members?: { guardianId: string; protocol: string; stats?: { packetsIn: number } }[];
    }).members ?? [];
    log(
      `members at the end: ${
        members.map((m) => `${m.guardianId.slice(14)}/${m.protocol}/${m.stats?.packetsIn ?? "-"}`)
          .join(" ")
      }`,
    );
    const browsers: BrowserEnd[] = [];
    for (const [i, p] of pages.entries()) {
      const state = await p.evaluate("globalThis.council.client.state").catch(() => "gone");
      const a = (await inbound(p).catch((): Inbound => ({}))).audio;
      browsers.push({
        name: names.webrtc[i],
        state: String(state),
        packets: a?.packets ?? 0,
        lost: a?.lost ?? 0,
        jitterMs: a?.jitterMs ?? 0,
      });
    }
    const rssEnd = rssMb(council.child.pid);
    const mediaEnd = (await api(council.url, "GET", "/api/v1/media")).body as {
      workers: { lateTicks: number; skippedTicks: number; tickMaxMs: number | null }[];
    };
    log(`media workers at the end: ${JSON.stringify(mediaEnd.workers)}`);

    // Hang up like the guardians would; SIPp sends its BYEs when its hold ends.
    const h323Alive = h323.map((l) => !l.client?.closed);
    for (const leg of h323) await leg.release(frames);
    for (const p of pages) {
      await p.click("#leave").catch(() => {});
      await p.context().close().catch(() => {});
    }
    const sippRun = await sipp;
    const reports = await probes.reports();
    const byName = new Map(reports.map((r) => [r.name, r]));

    // Joins of the RTP guardians.
    const invites = inviteTimes(sippRun.messages);
    for (const name of names.sip) {
      const first = byName.get(name)?.firstPacketAt;
      const sent = invites.get(probePort.get(name)!);
      joins.push({ name, protocol: "sip", ms: first && sent ? first - sent : null });
    }
    for (const [i, leg] of h323.entries()) {
      const first = byName.get(names.h323[i])?.firstPacketAt;
      joins.push({ name: names.h323[i], protocol: "h323", ms: first ? first - leg.setupAt : null });
    }

    const analysis = analyse(reports, rtpNames, mediaKillAt);
    const admitted = new Set(members.map((m) => m.guardianId));
    const dropped = [
      ...[...guardians.values()].filter((g) => !admitted.has(g.id)).map((g) =>
        `${g.name}: not in the room at the end`
      ),
      ...h323Alive.flatMap((alive, i) => alive ? [] : [`${names.h323[i]}: released by Council`]),
      ...browsers.filter((b) => b.state !== "joined").map((b) => `${b.name}: page ${b.state}`),
    ];
    const failed = Number(sippRun.stats["FailedCall(C)"] ?? 0);
    if (failed) dropped.push(`SIPp: ${failed} failed calls`);
    return {
      seconds: o.seconds,
      admitted: admitted.size,
      joins,
      ...analysis,
      browserJitterMaxMs: Math.max(0, ...browsers.map((b) => b.jitterMs)),
      browsers,
      failover: { mediaS: analysis.mediaFailoverS, webrtcS },
      dropped,
      cpu,
      memory: {
        councilRssMb: Math.round(rssEnd),
        councilRssGrowthMb: Math.round(rssEnd - rss0),
        mediasoupRssMb: Math.round(mediasoupRssMb),
      },
      sipp: {
        code: sippRun.code,
        successful: Number(sippRun.stats["SuccessfulCall(C)"] ?? 0),
        failed,
      },
    };
  } finally {
    // The server's own warnings and errors explain a figure gone wrong.
    for (const line of council.lines) {
      if (/"level":"(warn|error)"/.test(line)) log(`council: ${line.slice(0, 600)}`);
    }
    for (const leg of h323) leg.client?.close();
    await probes.close();
    await chromium?.close();
    await council.stop();
  }
}

/** Marker paths, latencies, jitter, loss and the media failover from the probes' reports. */
function analyse(reports: ProbeReport[], rtpNames: string[], killAt: number) {
  const byName = new Map(reports.map((r) => [r.name, r]));
  const latencies: number[] = [];
  const paths: PathCount[] = [];
  let selfHeard = 0;
  const inWindow = (t: number) => t >= killAt - PLAN.periodMs && t < killAt + 10_000;
  for (const [to, receiver] of rtpNames.entries()) {
    const r = byName.get(receiver)!;
    selfHeard += r.onsets.filter((o) => o.from === to).length;
    for (const [from, sender] of rtpNames.entries()) {
      if (from === to) continue;
      const sent = byName.get(sender)!.sent.filter((t) => !inWindow(t));
      const onsets = r.onsets.filter((o) => o.from === from);
      let heard = 0;
      for (const s of sent) {
        const hit = onsets.find((o) => o.full >= s - 5 && o.full < s + 500);
        if (hit === undefined) continue;
        heard++;
        // A partial frame that came before the marker left was something else
        // (speech with energy at the marker's frequency), not the marker's start.
        latencies.push((hit.at >= s - 5 ? hit.at : hit.full) - s);
      }
      paths.push({ from: sender, to: receiver, sent: sent.length, heard });
    }
  }
  latencies.sort((a, b) => a - b);
  const bins: number[] = [];
  for (const r of reports) r.transit.forEach((v, i) => (bins[i] = (bins[i] ?? 0) + v));
  const filled = Array.from(bins, (v) => v ?? 0);
  // Media failover: from the kill to the end of the gap it caused (the first over
  // 50 ms starting near the kill), slowest guardian; 0 when media never paused.
  let mediaFailoverS: number | null = 0;
  for (const r of reports) {
    if (r.firstPacketAt === null) {
      mediaFailoverS = null;
      continue;
    }
    const gap = r.gaps.find(([a]) => a >= killAt - 100 && a < killAt + 2000);
    if (gap && mediaFailoverS !== null) {
      mediaFailoverS = Math.max(mediaFailoverS, (gap[1] - killAt) / 1000);
    }
  }
  return {
    latencies,
    paths,
    selfHeard,
    jitterP50Ms: histogramPercentile(filled, 50),
    jitterP99Ms: histogramPercentile(filled, 99),
    jitterEstimateMaxMs: Math.max(0, ...reports.map((r) => r.jitterMaxMs)),
    loss: {
      expected: reports.reduce((a, r) => a + r.expected, 0),
      received: reports.reduce((a, r) => a + r.received, 0),
    },
    heardBrowsers: reports.map((r) => ({
      name: r.name,
      share: r.packets ? Math.round(1000 * r.heardOther / r.packets) / 1000 : 0,
    })),
    mediaFailoverS,
  };
}

/** The figures of the production test, without the suite prefix (names kept stable: issue 9). */
export const PRODUCTION_FIGURES = [
  "join_p50_ms",
  "join_p99_ms",
  "added_latency_p50_ms",
  "added_latency_p99_ms",
  "markers_heard_pct",
  "jitter_p99_ms",
  "loss_pct",
  "media_failover_s",
  "webrtc_failover_s",
  "failover_s",
  "dropped_calls",
  "cpu_pct",
  "mediasoup_cpu_pct",
  "rss_mb",
  "rss_growth_mb",
] as const;

/**
 * The figures `deno task bench council` and `deno task production` print. A value
 * that was not measured (a join that never happened, a failover that never ended)
 * is null with the reason, and misses its goal.
 */
export function productionFigures(r: ProductionReport): Figure[] {
  const fig = (
    name: typeof PRODUCTION_FIGURES[number],
    value: number,
    unit: string,
    goal: string,
    why = "not measured in this run",
  ): Figure => ({
    suite: "council",
    name: `council.${name}`,
    value: Number.isFinite(value) ? Math.round(value * 10) / 10 : null,
    unit,
    goal,
    ...(Number.isFinite(value) ? {} : { why }),
  });
  const unjoined = r.joins.filter((j) => j.ms === null).length;
  const joinWhy = `${unjoined} of ${r.joins.length} guardians never joined`;
  const joins = r.joins.map((j) => j.ms ?? Infinity).sort((a, b) => a - b);
  const heard = r.paths.reduce((a, p) => a + p.heard, 0);
  const sent = r.paths.reduce((a, p) => a + p.sent, 0);
  const failovers = [r.failover.mediaS, r.failover.webrtcS];
  const failover = failovers.some((f) => f === null)
    ? Infinity
    : Math.max(...failovers as number[]);
  const lost = r.loss.expected - r.loss.received;
  const context = `${r.joins.length} guardians, ${r.seconds} s`;
  return [
    fig("join_p50_ms", percentileOf(joins, 50), "ms", "<200", joinWhy),
    fig("join_p99_ms", percentileOf(joins, 99), "ms", "<200", joinWhy),
    fig("added_latency_p50_ms", percentileOf(r.latencies, 50), "ms", `measured (${context})`),
    fig("added_latency_p99_ms", percentileOf(r.latencies, 99), "ms", "<50"),
    fig("markers_heard_pct", sent ? 100 * heard / sent : NaN, "%", "100", "no marker was sent"),
    fig("jitter_p99_ms", r.jitterP99Ms, "ms", "<10"),
    fig(
      "loss_pct",
      r.loss.expected ? 100 * lost / r.loss.expected : NaN,
      "%",
      "0",
      "no packet was expected",
    ),
    fig(
      "media_failover_s",
      r.failover.mediaS ?? Infinity,
      "s",
      "<5",
      "media never resumed after the worker kill, or the kill did not run",
    ),
    fig(
      "webrtc_failover_s",
      r.failover.webrtcS ?? Infinity,
      "s",
      "<5",
      "the browsers never heard the mix again after the mediasoup worker kill",
    ),
    fig("failover_s", failover, "s", "<5", "a failover did not complete"),
    fig("dropped_calls", r.dropped.length, "calls", "0"),
    fig("cpu_pct", r.cpu.councilPct, "% of one core", `measured (${context})`),
    fig("mediasoup_cpu_pct", r.cpu.mediasoupPct, "% of one core", `measured (${context})`),
    fig("rss_mb", r.memory.councilRssMb, "MB", `measured (${context})`),
    fig("rss_growth_mb", r.memory.councilRssGrowthMb, "MB", "measured (over the run)"),
  ];
}

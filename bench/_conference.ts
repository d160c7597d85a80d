// sip.concurrent_calls_with_media: n SIP calls held in councils of 25 with media
// both ways for a whole minute, every call's returned audio checked.
//
// - Signalling is SIPp (production_call.xml: a signed room dial-in whose SDP names
//   the call's own phone), 50 calls/s, each call held (-d) long enough that the
//   first is still up when the window ends.
// - Media is the phones' own (bench/_conference_phones.ts, one worker, one UDP socket
//   per call, kernel arrival times): call i sits in room i mod R (R = ceil(n / 25),
//   so every room is a council of up to 25) at seat floor(i / R), and streams a
//   steady A-law tone of 300 + 100 x seat Hz (-31 dBov: 24 summed never clip) from
//   the moment Council lists its call.
// - The window opens 2 s after the last call is up (every call and stream running)
//   and lasts 60 s. Over it each phone counts what Council sends back and analyses
//   every fifth frame's tones, second by second.
// - A call fails when it was not up before the window or not up at its end; when its
//   phone got under 95 % of the window's 3000 packets, or under 95 % carrying real
//   audio (-40 dBov or more; comfort noise and silence are not), or went over 300 ms
//   without real audio; when in any second it did not hear every other seat's tone
//   at half its amplitude or more, or heard its own above -10 dB (everyone hears
//   everyone but themselves); or when Council's leg counted under 95 % of 3000
//   packets in. SIPp's failed calls count too.

import { addGuardian, api } from "../tests/_helpers/council_api.ts";
import type { CouncilProcess } from "../tests/_helpers/council_process.ts";
import { type SippRun, tokenCalls } from "../tests/_helpers/sipp.ts";
import type { PhoneReply, PhoneReport, PhoneRequest, PhoneSpec } from "./_conference_phones.ts";

export const WINDOW_MS = 60_000;
const SETTLE_MS = 2_000;
/** How long past the nominal setup time (n at CALL_RATE) the last call may come up. */
const SLACK_MS = 5_000;
const CALL_RATE = 50;
const SEATS = 25;
const FREQUENCIES = Array.from({ length: SEATS }, (_, s) => 300 + 100 * s);
/** A share of the window's 50 packets a second Council must count in on every leg. */
const MIN_IN_FRACTION = 0.95;

const now = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

type Body<T> = T extends unknown ? Omit<T, "seq"> : never;

/** The phones' worker (bench/_conference_phones.ts). */
class Phones {
  readonly #worker = new Worker(new URL("./_conference_phones.ts", import.meta.url), {
    type: "module",
    name: "bench-phones",
  });
  readonly #pending = new Map<number, (r: PhoneReply) => void>();
  #seq = 0;

  constructor() {
    this.#worker.onmessage = (e: MessageEvent<PhoneReply>) => {
      this.#pending.get(e.data.seq)?.(e.data);
      this.#pending.delete(e.data.seq);
    };
  }

  call(req: Body<PhoneRequest>): Promise<PhoneReply> {
    const seq = ++this.#seq;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(seq);
        reject(new Error(`phones: no answer to ${req.op}`));
      }, 10_000);
      this.#pending.set(seq, (r) => {
        clearTimeout(timer);
        r.error ? reject(new Error(r.error)) : resolve(r);
      });
      this.#worker.postMessage({ seq, ...req });
    });
  }

  async close(): Promise<void> {
    await this.call({ op: "close" }).catch(() => {});
    this.#worker.terminate();
  }
}

export interface ConferenceResult {
  calls: number;
  rooms: number;
  /** Calls that held the whole window with media both ways and SIPp did not fail. */
  held: number;
  /** Every call held and SIPp reported no failure. */
  clean: boolean;
  /** One line per failed call (room, seat, what went wrong). */
  failures: string[];
  /** The failures in one short line for a figure's `why`. */
  summary: string;
}

interface SipCall {
  room: string;
  media: { local: string; remote: string };
}

interface MediaLeg {
  port: number;
  packetsIn: number;
  packetsOut: number;
}

const portOf = (address: string) => Number(address.split(":").pop());

async function sipCalls(url: string): Promise<SipCall[]> {
  const r = await api(url, "GET", "/api/v1/sip/calls");
  if (r.status !== 200) throw new Error(`sip calls: ${r.status}`);
  return (r.body as { calls: SipCall[] }).calls;
}

async function mediaLegs(url: string): Promise<Map<number, MediaLeg>> {
  const r = await api(url, "GET", "/api/v1/media/legs");
  if (r.status !== 200) throw new Error(`media legs: ${r.status}`);
  return new Map((r.body as { legs: MediaLeg[] }).legs.map((l) => [l.port, l]));
}

/** Holds n calls through the window on a running Council and judges every one. */
export async function holdConference(
  c: CouncilProcess,
  n: number,
  log: (line: string) => void = (l) => console.error(l),
  windowMs = WINDOW_MS,
): Promise<ConferenceResult> {
  const rooms = Math.ceil(n / SEATS);
  const roomName = (r: number) => `media${n}-r${r}`;
  const roomOf = (i: number) => i % rooms, seatOf = (i: number) => Math.floor(i / rooms);
  const size = (r: number) => Math.floor(n / rooms) + (r < n % rooms ? 1 : 0);
  for (let r = 0; r < rooms; r++) {
    const made = await api(c.url, "POST", "/api/v1/rooms", {
      name: roomName(r),
      mixing: "all",
      capacity: SEATS,
      allowedCodecs: ["PCMA"],
    });
    if (made.status !== 201) throw new Error(`room: ${made.status} ${JSON.stringify(made.body)}`);
  }
  // One guardian per council, each seat signed for its own room.
  const guardians = [];
  for (let r = 0; r < rooms; r++) {
    guardians.push(await addGuardian(c.url, `media${n}-g${r}`, { bandwidthKbps: 100_000 }));
  }

  const phones = new Phones();
  try {
    const specs: PhoneSpec[] = Array.from({ length: n }, (_, i) => ({
      seat: seatOf(i),
      frequencies: FREQUENCIES.slice(0, size(roomOf(i))),
    }));
    const ports = (await phones.call({ op: "create", phones: specs })).ports!;
    const indexOf = new Map(ports.map((p, i) => [p, i]));
    const calls = [];
    for (let i = 0; i < n; i++) {
      const room = roomName(roomOf(i));
      calls.push({
        room,
        token: await guardians[roomOf(i)].token(room, { codecs: ["PCMA"] }),
        rtpPort: ports[i],
      });
    }

    // SIPp holds every call from its ACK: the first call, up at the earliest when
    // SIPp starts, must outlast a window that opens at the latest SETTLE_MS after the
    // wait for the last call (setupMs + SLACK_MS) gives up.
    const setupMs = (n / CALL_RATE) * 1000;
    const holdMs = setupMs + SLACK_MS + SETTLE_MS + windowMs + 5_000;
    const began = now();
    let sippDone = false;
    const sipp: Promise<SippRun> = tokenCalls(`127.0.0.1:${c.sipPort}`, calls, holdMs, {
      rate: CALL_RATE,
      limit: n,
    }).finally(() => (sippDone = true));

    // Each phone starts streaming as soon as Council lists its call (its RTP port).
    const councilPort = new Array<number>(n).fill(0);
    let up = 0, lastUp = began;
    const deadline = began + setupMs + SLACK_MS;
    while (up < n && now() < deadline && !sippDone) {
      const starts: [number, number][] = [];
      for (const call of await sipCalls(c.url)) {
        const i = indexOf.get(portOf(call.media.remote));
        if (i === undefined || councilPort[i]) continue;
        councilPort[i] = portOf(call.media.local);
        starts.push([i, councilPort[i]]);
      }
      if (starts.length) {
        await phones.call({ op: "start", starts });
        up += starts.length;
        lastUp = now();
      }
      if (up < n) await sleep(100);
    }
    log(`sip media ${n}: ${up} of ${n} calls up in ${Math.round(lastUp - began)} ms`);

    const start = Math.max(lastUp, now()) + SETTLE_MS, end = start + windowMs;
    await phones.call({ op: "window", start, end });
    await sleep(start - now());
    const legsAtStart = await mediaLegs(c.url);
    await sleep(end - now());
    const [callsAtEnd, legsAtEnd] = await Promise.all([sipCalls(c.url), mediaLegs(c.url)]);
    // How Council's media workers kept time (legs, mean and worst tick, late, skipped).
    const workers = ((await api(c.url, "GET", "/api/v1/media")).body as {
      workers: {
        legs: number;
        tickMs: number;
        tickMaxMs: number;
        lateTicks: number;
        skippedTicks: number;
      }[];
    }).workers.map((w) =>
      `${w.legs} legs tick ${round3(w.tickMs)}/${
        round3(w.tickMaxMs)
      } ms late ${w.lateTicks} skipped ${w.skippedTicks}`
    );
    const stillUp = new Set(callsAtEnd.map((call) => portOf(call.media.remote)));
    // Let the calls end by themselves (BYE from SIPp) before judging.
    const run = await sipp;
    const { reports, ticks } = await phones.call({ op: "report" });

    const failures: string[] = [];
    const counts = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const rep = reports![i];
      const problems = [...rep.problems];
      if (!councilPort[i]) problems.push("not up before the window");
      else if (!stillUp.has(ports[i])) problems.push("ended before the window did");
      const a = legsAtStart.get(councilPort[i]), b = legsAtEnd.get(councilPort[i]);
      const inbound = a && b ? b.packetsIn - a.packetsIn : 0;
      if (councilPort[i] && inbound < (windowMs / 20) * MIN_IN_FRACTION) {
        problems.push(`Council counted ${inbound} packets in over the window`);
      }
      if (!problems.length) continue;
      failures.push(`${roomName(roomOf(i))} seat ${seatOf(i)}: ${problems.join("; ")}`);
      for (const p of problems) {
        const kind = p.replace(/\d+/g, "N");
        counts.set(kind, (counts.get(kind) ?? 0) + 1);
      }
    }
    const sippOk = Number(run.stats["SuccessfulCall(C)"] ?? 0);
    const sippFailed = Number(run.stats["FailedCall(C)"] ?? 0);
    const held = Math.min(n - failures.length, sippOk);
    const line = (f: (r: PhoneReport) => number) => {
      const v = reports!.map(f).sort((x, y) => x - y);
      return `${round3(v[0])}/${round3(v[v.length >> 1])}/${round3(v[v.length - 1])}`;
    };
    log(
      `sip media ${n}: ${held} held; SIPp ${sippOk} ok ${sippFailed} failed (exit ${run.code}); ` +
        `min/median/max over calls: packets ${line((r) => r.inWindow)}, ` +
        `audible ${line((r) => r.audible)}, gap ms ${line((r) => r.maxGapMs)}, ` +
        `silence ms ${line((r) => r.maxSilenceMs)}, weakest other ${line((r) => r.minHeard)}, ` +
        `own ${line((r) => r.maxOwn)}; phones' clock ${JSON.stringify(ticks)}; ` +
        `Council's workers: ${workers.join(", ")}`,
    );
    for (const f of failures.slice(0, 10)) log(`  ${f}`);
    if (sippFailed || run.code !== 0) {
      // What SIPp got instead of a 200 (status lines), and its own last words.
      const statuses = new Map<string, number>();
      for (const m of run.messages.matchAll(/^SIP\/2\.0 ([3-6]\d\d[^\r\n]*)/gm)) {
        statuses.set(m[1], (statuses.get(m[1]) ?? 0) + 1);
      }
      log(`  SIPp received ${JSON.stringify(Object.fromEntries(statuses))}`);
      log(`  SIPp: ${run.stdout.trim().split("\n").slice(-5).join(" | ")}`);
    }
    const kinds = [...counts].map(([k, v]) => `${v} ${k}`);
    if (sippFailed || run.code !== 0) kinds.push(`SIPp ${sippFailed} failed (exit ${run.code})`);
    return {
      calls: n,
      rooms,
      held,
      clean: held === n && !failures.length && !sippFailed && run.code === 0,
      failures,
      summary: kinds.length
        ? `${n} calls: ${n - held} failed (${kinds.join(", ")})`
        : `${n} calls: none failed`,
    };
  } finally {
    await phones.close();
  }
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}

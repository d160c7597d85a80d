// Media engine figures, socket to socket on loopback with real codecs:
// (a) G.711<->G.729 transcoding legs one core carries, against the bcg729 C limit;
// (b) 12-party rooms one core mixes in real time, G.711 and Opus, two talkers each;
// (c) latency Council adds (RTP in to RTP out) in a 12-party room, and send jitter;
// (d) how long a room's audio stops when its worker is killed.
//
// Capacity is CPU-based: the load generator runs on the main thread (the other
// core), one media worker carries K units, and the worker thread's own CPU time
// over a steady window gives the cost per unit; units per core = K / load.

import type { Codec } from "../guard/mod.ts";
import { type LegSpec, MediaEngine } from "../media/engine/mod.ts";
import { speech } from "../tests/fixtures/audio/speech.ts";
import { encodeFrames, loudArrivals, markerTone, RtpLoad, RtpRecorder } from "./_rtp_load.ts";
import { type Figure, percentile, round } from "./figure.ts";

const PT: Record<Codec, number> = { PCMU: 0, PCMA: 8, G722: 9, G729: 18, opus: 111, L16: 96 };
const WARM_MS = 2000;
const WINDOW_MS = 5000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Worker CPU load (0..1 of one core) over a steady window, and its late/skipped ticks. */
export async function measureLoad(
  engine: MediaEngine,
): Promise<{ load: number; late: number; tickShare: number }> {
  await sleep(WARM_MS);
  const a = (await engine.stats()).workers[0];
  const t0 = performance.now();
  await sleep(WINDOW_MS);
  const b = (await engine.stats()).workers[0];
  const wall = performance.now() - t0;
  if (a.cpuMs === undefined || b.cpuMs === undefined) throw new Error("no thread CPU time here");
  return {
    load: (b.cpuMs - a.cpuMs) / wall,
    late: b.lateTicks - a.lateTicks,
    tickShare: (b.tickTotalMs - a.tickTotalMs) / (b.cpuMs - a.cpuMs),
  };
}

/** A leg on loopback that learns its peer from the first packet (the latching policy). */
export async function loopbackLeg(
  engine: MediaEngine,
  roomId: string,
  legId: string,
  codec: Codec,
  extra: Partial<LegSpec> = {},
) {
  const { port } = await engine.createLeg({
    legId,
    roomId,
    port: 0,
    host: "127.0.0.1",
    codec: { codec, payloadType: PT[codec] },
    rtcpMux: true,
    latching: "first-packets",
    ...extra,
  });
  return port;
}

export interface Party {
  codec: Codec;
  frames: Uint8Array[];
}

/**
 * Builds `rooms` rooms of the given parties on one worker, drives them and measures;
 * `legExtra` adds to each leg's spec (provenance's bench chains every leg).
 */
export async function roomsLoad(
  rooms: number,
  mixRate: 8000 | 16000 | 48000,
  parties: Party[],
  legExtra: () => Partial<LegSpec> = () => ({}),
) {
  const engine = await MediaEngine.start({ workers: 1 });
  const load = new RtpLoad();
  try {
    for (let r = 0; r < rooms; r++) {
      const roomId = `bench-${r}`;
      await engine.createRoom({ roomId, mixRate });
      for (const [i, party] of parties.entries()) {
        const port = await loopbackLeg(engine, roomId, `${roomId}-${i}`, party.codec, legExtra());
        load.add(port, party.codec, PT[party.codec], party.frames).index = r * 7 + i * 13;
      }
    }
    load.start();
    return await measureLoad(engine);
  } finally {
    load.close();
    await engine.close();
  }
}

async function g729CLimit(pcm8k: Int16Array): Promise<number> {
  const src = new URL("./c/g729_encode_limit.c", import.meta.url).pathname;
  const bin = await Deno.makeTempFile({ prefix: "g729-limit-" });
  try {
    const cc = await new Deno.Command("cc", { args: ["-O2", "-o", bin, src, "-lbcg729"] }).output();
    if (cc.code !== 0) throw new Error(new TextDecoder().decode(cc.stderr));
    const child = new Deno.Command(bin, { stdin: "piped", stdout: "piped" }).spawn();
    const w = child.stdin.getWriter();
    await w.write(new Uint8Array(pcm8k.buffer, pcm8k.byteOffset, pcm8k.byteLength));
    await w.close();
    return Number(new TextDecoder().decode((await child.output()).stdout).trim());
  } finally {
    await Deno.remove(bin);
  }
}

export async function* mediaSuite(): AsyncIterable<Figure> {
  const speech8k = await Promise.all(([1, 2, 3] as const).map((n) => speech(n, 8000)));
  const speech48k = await Promise.all(([1, 2] as const).map((n) => speech(n, 48000)));
  const silence8k = new Int16Array(8000);

  // (a) Each room: one G.729 leg and one G.711 leg, both talking, so every G.729 leg
  // costs a G.729 decode and encode (plus the G.711 side and resampling) per 20 ms.
  {
    const rooms = 40;
    const { load, late, tickShare } = await roomsLoad(rooms, 8000, [
      { codec: "G729", frames: encodeFrames("G729", 16000, speech8k[0]) },
      { codec: "PCMU", frames: encodeFrames("PCMU", 16000, speech8k[1]) },
    ]);
    const perCore = rooms / load;
    const c = await g729CLimit(speech8k[0]);
    console.error(
      `bench: media g729: ${rooms} legs at ${(load * 100).toFixed(1)}% of a core (${
        (tickShare * 100).toFixed(0)
      }% of it in ticks), ${late} late ticks`,
    );
    yield {
      suite: "media",
      name: "media.g729_transcode_legs_per_core",
      value: round(perCore),
      unit: "legs/core",
      goal: ">=0.8x C limit",
      baseline: round(c),
      ratio: round(perCore / c, 3),
    };
  }

  // (b) 12-party rooms, two talkers and ten silent members sending silence. A room
  // whose codecs are all narrowband mixes at 8 kHz (no resampling); Opus at 48 kHz.
  const roomCases = [["PCMU", 8, 8000, ">=50"], ["opus", 3, 48000, ">=8"]] as const;
  for (const [codec, rooms, mixRate, goal] of roomCases) {
    const talk = codec === "opus" ? speech48k : speech8k.slice(0, 2);
    const quiet = codec === "opus" ? new Int16Array(48000) : silence8k;
    const parties: Party[] = Array.from({ length: 12 }, (_, i) => ({
      codec,
      frames: encodeFrames(codec, mixRate, i < 2 ? talk[i] : quiet),
    }));
    const { load, late, tickShare } = await roomsLoad(rooms, mixRate, parties);
    console.error(
      `bench: media 12p ${codec}: ${rooms} rooms at ${(load * 100).toFixed(1)}% of a core (${
        (tickShare * 100).toFixed(0)
      }% of it in ticks), ${late} late ticks`,
    );
    yield {
      suite: "media",
      name: codec === "opus" ? "media.rooms_12p_opus_per_core" : "media.rooms_12p_g711_per_core",
      value: round(rooms / load),
      unit: "rooms/core",
      goal,
    };
  }

  yield* latencyAndJitter();
  yield await failover();
}

/**
 * One 12-party G.711 room: party 0 sends silence with a loud 20 ms marker every
 * 200 ms; party 1 records when each marker's audio comes back (added latency, from
 * the marker's send to its arrival); party 2 records every packet's arrival time
 * (send jitter: departure spacing versus 20 ms, as seen on loopback).
 */
async function* latencyAndJitter(): AsyncIterable<Figure> {
  const engine = await MediaEngine.start({ workers: 1 });
  const load = new RtpLoad();
  const ear = new RtpRecorder();
  const clock = new RtpRecorder();
  const silent = encodeFrames("PCMU", 16000, new Int16Array(1600));
  const marker = encodeFrames("PCMU", 16000, markerTone(8000))[0];
  const markersSent: number[] = [];
  try {
    await engine.createRoom({ roomId: "lat", mixRate: 16000 });
    for (let i = 0; i < 12; i++) {
      const port = await loopbackLeg(engine, "lat", `lat-${i}`, "PCMU");
      const from = i === 1 ? ear.sock : i === 2 ? clock.sock : undefined;
      const s = load.add(port, "PCMU", 0, silent, from);
      if (i === 0) {
        s.onSend = (index, at) => {
          if (index % 10 !== 5) return undefined;
          markersSent.push(at);
          return marker;
        };
      }
    }
    load.start();
    await sleep(12_000);
  } finally {
    load.close();
    await engine.close();
    ear.close();
    clock.close();
  }
  // A marker has arrived when a packet decodes loud; match each send to the next such arrival.
  const loud = loudArrivals(ear.arrivals);
  const latencies: number[] = [];
  let j = 0;
  for (const sent of markersSent.slice(5)) { // skip the first second (jitter buffers settle)
    while (j < loud.length && loud[j] < sent) j++;
    if (j < loud.length && loud[j] - sent < 200) latencies.push(loud[j] - sent);
    // One marker is one 20 ms frame, but may straddle two output frames.
    while (j < loud.length && loud[j] < sent + 60) j++;
  }
  latencies.sort((a, b) => a - b);
  const times = clock.arrivals.map((a) => a.at);
  const jitter = times.slice(50).map((t, i) => Math.abs(t - times[49 + i] - 20)).sort((a, b) =>
    a - b
  );
  console.error(
    `bench: media latency: ${latencies.length}/${markersSent.length - 5} markers matched; p50 ${
      round(percentile(latencies, 50), 2)
    } ms`,
  );
  yield {
    suite: "media",
    name: "media.added_latency_p50_ms",
    value: round(percentile(latencies, 50), 2),
    unit: "ms",
    goal: "measured (12-party G.711 room)",
  };
  yield {
    suite: "media",
    name: "media.added_latency_p99_ms",
    value: round(percentile(latencies, 99), 2),
    unit: "ms",
    goal: "<50",
  };
  yield {
    suite: "media",
    name: "media.send_jitter_p99_ms",
    value: round(percentile(jitter, 99), 2),
    unit: "ms",
    goal: "<10",
  };
}

/** Kills the worker under a talking 2-party room; seconds until the listener hears it again. */
async function failover(): Promise<Figure> {
  const engine = await MediaEngine.start({ workers: 2 });
  const load = new RtpLoad();
  const ear = new RtpRecorder();
  try {
    await engine.createRoom({ roomId: "fo", mixRate: 16000 });
    const talk = encodeFrames("PCMU", 16000, await speech(1, 8000));
    for (let i = 0; i < 2; i++) {
      const port = await loopbackLeg(engine, "fo", `fo-${i}`, "PCMU");
      load.add(port, "PCMU", 0, talk, i === 1 ? ear.sock : undefined);
    }
    load.start();
    await sleep(1500);
    const before = new Set(ear.arrivals.map((a) => a.ssrc));
    const killed = performance.now();
    engine.killWorker(engine.workerOf("fo")!);
    let resumed = NaN;
    while (performance.now() - killed < 10_000 && Number.isNaN(resumed)) {
      await sleep(5);
      resumed = ear.arrivals.find((a) => a.at > killed && !before.has(a.ssrc))?.at ?? NaN;
    }
    return {
      suite: "media",
      name: "media.worker_failover_s",
      value: round((resumed - killed) / 1000, 3),
      unit: "s",
      goal: "<5",
    };
  } finally {
    load.close();
    await engine.close();
    ear.close();
  }
}

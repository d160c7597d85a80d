// Agent leg figures (issue 27, docs/agent.md), socket to socket on loopback with the
// real media engine (one worker) and real WebSockets:
// (a) agent.added_latency_p99_ms: agent audio in (a 20 ms frame sent on the agent's
//     media socket) to mix out at another member (its RTP arrival), against a phone
//     leg's (RTP in to RTP out, media.added_latency_p99_ms's path) in the same room,
//     the same run: markers from both, alternating, heard by one G.711 listener;
// (b) agent.legs_per_core: agent legs one core carries, from the worker thread's CPU
//     time with rooms of four L16 agents, two talking.

import { Ticker } from "../media/engine/clock.ts";
import { type AgentTicket, MediaEngine } from "../media/engine/mod.ts";
import { speech } from "../tests/fixtures/audio/speech.ts";
import { encodeFrames, loudArrivals, markerTone, RtpLoad, RtpRecorder } from "./_rtp_load.ts";
import { type Figure, percentile, round } from "./figure.ts";
import { loopbackLeg, measureLoad } from "./media.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function agentLeg(engine: MediaEngine, roomId: string, legId: string): Promise<WebSocket> {
  await engine.createLeg({
    legId,
    roomId,
    port: 0,
    host: "127.0.0.1",
    codec: { codec: "L16", payloadType: 96 },
    transport: "agent",
  });
  const t: AgentTicket = await engine.agentTicket(legId);
  const ws = new WebSocket(`${t.url}?ticket=${t.ticket}`);
  ws.binaryType = "arraybuffer";
  ws.onmessage = () => {}; // the mix comes back; read and dropped
  await new Promise((r, j) => {
    ws.onopen = r;
    ws.onerror = j;
  });
  return ws;
}

/** 20 ms frames of a signal, as an agent sends them (little-endian 16-bit PCM). */
function pcmFrames(pcm: Int16Array): Int16Array[] {
  const out: Int16Array[] = [];
  for (let at = 0; at + 320 <= pcm.length; at += 320) out.push(pcm.slice(at, at + 320));
  return out;
}

export async function* agentSuite(): AsyncIterable<Figure> {
  yield* latency();
  yield await capacity();
}

/**
 * One room: an agent and a phone each send silence with a loud 20 ms marker every
 * 400 ms (200 ms apart), a listener phone records when each marker comes back; nine
 * more silent phones make it the media bench's 12-party room.
 */
async function* latency(): AsyncIterable<Figure> {
  const engine = await MediaEngine.start({ workers: 1 });
  const load = new RtpLoad();
  const ear = new RtpRecorder();
  const silent = encodeFrames("PCMU", 16000, new Int16Array(1600));
  const phoneMarker = encodeFrames("PCMU", 16000, markerTone(8000))[0];
  const agentMarker = markerTone(16000);
  const quiet = new Int16Array(320);
  const sent: { kind: "agent" | "phone"; at: number }[] = [];
  let ws: WebSocket | undefined;
  const agentClock = new Ticker((tick) => {
    if (ws?.readyState !== WebSocket.OPEN) return;
    const marker = tick.index % 20 === 0;
    if (marker) sent.push({ kind: "agent", at: performance.now() });
    ws.send(marker ? agentMarker : quiet);
  });
  try {
    await engine.createRoom({ roomId: "lat", mixRate: 16000 });
    ws = await agentLeg(engine, "lat", "lat-agent");
    for (let i = 0; i < 11; i++) {
      const port = await loopbackLeg(engine, "lat", `lat-${i}`, "PCMU");
      const s = load.add(port, "PCMU", 0, silent, i === 1 ? ear.sock : undefined);
      if (i === 0) {
        s.onSend = (index, at) => {
          if (index % 20 !== 10) return undefined;
          sent.push({ kind: "phone", at });
          return phoneMarker;
        };
      }
    }
    load.start();
    agentClock.start();
    await sleep(16_000);
  } finally {
    agentClock.stop();
    ws?.close();
    load.close();
    await engine.close();
    ear.close();
  }
  const loud = loudArrivals(ear.arrivals);
  // Each marker's latency: its send to the first loud arrival after it (within 150 ms,
  // before the next marker of either kind); the first second is the buffers settling.
  const start = sent[0]?.at ?? 0;
  const lat = { agent: [] as number[], phone: [] as number[] };
  let j = 0;
  for (const [i, s] of sent.entries()) {
    while (j < loud.length && loud[j] < s.at) j++;
    const next = sent[i + 1]?.at ?? Infinity;
    if (s.at - start > 1000 && j < loud.length && loud[j] < Math.min(next, s.at + 150)) {
      lat[s.kind].push(loud[j] - s.at);
    }
    while (j < loud.length && loud[j] < s.at + 60) j++;
  }
  for (const l of Object.values(lat)) l.sort((a, b) => a - b);
  const p99 = (l: number[]) => round(percentile(l, 99), 2);
  const counts = (k: "agent" | "phone") =>
    `${lat[k].length}/${sent.filter((s) => s.kind === k).length - 3}`;
  console.error(
    `bench: agent latency: agent p50 ${round(percentile(lat.agent, 50), 2)} p99 ${
      p99(lat.agent)
    } ms (${counts("agent")} markers); phone p50 ${round(percentile(lat.phone, 50), 2)} p99 ${
      p99(lat.phone)
    } ms (${counts("phone")})`,
  );
  const phone = p99(lat.phone);
  yield {
    suite: "agent",
    name: "agent.added_latency_p99_ms",
    value: lat.agent.length >= 20 ? p99(lat.agent) : null,
    ...(lat.agent.length < 20 ? { why: `only ${lat.agent.length} agent markers heard` } : {}),
    unit: "ms",
    goal: `<=${phone} (a phone leg's p99 in the same room and run)`,
    baseline: phone,
    ratio: round(p99(lat.agent) / phone, 3),
  };
}

/** Rooms of four L16 agents (two talking) on one worker: legs per core of its CPU. */
async function capacity(): Promise<Figure> {
  const rooms = 10;
  const engine = await MediaEngine.start({ workers: 1 });
  const talk = await Promise.all(([1, 2] as const).map(async (n) => pcmFrames(await speech(n))));
  const quiet = new Int16Array(320);
  const sockets: { ws: WebSocket; frames?: Int16Array[] }[] = [];
  let index = 0;
  const clock = new Ticker(() => {
    for (const s of sockets) {
      if (s.ws.readyState === WebSocket.OPEN) {
        s.ws.send(s.frames ? s.frames[index % s.frames.length] : quiet);
      }
    }
    index++;
  });
  try {
    for (let r = 0; r < rooms; r++) {
      const roomId = `agents-${r}`;
      await engine.createRoom({ roomId, mixRate: 16000 });
      for (let i = 0; i < 4; i++) {
        sockets.push({
          ws: await agentLeg(engine, roomId, `${roomId}-${i}`),
          frames: i < 2 ? talk[i] : undefined,
        });
      }
    }
    clock.start();
    const { load, late, tickShare } = await measureLoad(engine);
    const stats = await engine.stats();
    const closed = stats.workers[0].agents;
    console.error(
      `bench: agent capacity: ${sockets.length} legs at ${(load * 100).toFixed(1)}% of a core (${
        (tickShare * 100).toFixed(0)
      }% in ticks), ${late} late ticks; endpoint ${JSON.stringify(closed)}`,
    );
    return {
      suite: "agent",
      name: "agent.legs_per_core",
      value: round(sockets.length / load),
      unit: "legs/core",
      goal: ">=100",
    };
  } finally {
    clock.stop();
    for (const s of sockets) s.ws.close();
    await engine.close();
  }
}

// The agent leg's media endpoint in a media worker (in-process WorkerHost, real
// sockets): two agents in a room hear each other and never themselves; a ticket is
// single use; wrong-size frames, text frames, floods and silence close the socket
// with their reason, counted.

import assert from "node:assert/strict";
import { WorkerHost } from "../../../media/engine/worker_host.ts";
import { MediaEngine } from "../../../media/engine/mod.ts";
import type {
  AgentTicket,
  Command,
  LegStats,
  WorkerMessage,
  WorkerStats,
} from "../../../media/engine/protocol.ts";
import { AGENT_CLOSE, PCM_FRAME_BYTES } from "../../../media/engine/agent_endpoint.ts";
import { loadAll } from "../../../native/mod.ts";
import { createDecoder, createEncoder } from "../../../media/codecs/frame_codec.ts";
import { rms } from "../../_helpers/audio.ts";
import { sleep, until } from "../../_helpers/wait.ts";

loadAll();

/** A WorkerHost driven by commands, answers awaited, with room "r" and agent legs. */
async function withHost(
  legs: string[],
  fn: (run: <T>(cmd: Command) => Promise<T>) => Promise<void>,
  opts: { agentIdleMs?: number } = {},
) {
  const { h, run } = host(opts);
  try {
    await run({ op: "room.create", room: { roomId: "r", mixRate: 16000 } });
    for (const legId of legs) await agentLeg(run, legId);
    await fn(run);
  } finally {
    h.close();
  }
}

function host(opts: { agentIdleMs?: number } = {}) {
  const replies = new Map<number, (m: WorkerMessage) => void>();
  const h = new WorkerHost((m) => {
    if ("id" in m) replies.get(m.id)?.(m);
  }, opts);
  let id = 0;
  const run = async <T>(cmd: Command): Promise<T> => {
    const n = ++id;
    const answer = new Promise<WorkerMessage>((r) => replies.set(n, r));
    await h.handle({ ...cmd, id: n });
    const m = await answer;
    if (!("ok" in m) || !m.ok) throw new Error(JSON.stringify(m));
    return m.result as T;
  };
  return { h, run };
}

async function agentLeg(
  run: <T>(cmd: Command) => Promise<T>,
  legId: string,
  codec: "L16" | "opus" = "L16",
) {
  await run({
    op: "leg.create",
    leg: {
      legId,
      roomId: "r",
      port: 0,
      host: "127.0.0.1",
      codec: codec === "L16" ? { codec, payloadType: 96 } : { codec, payloadType: 111 },
      transport: "agent",
    },
  });
}

/** A media socket opened with a ticket: frames received, and how it closed. */
function connect(t: AgentTicket) {
  const ws = new WebSocket(`${t.url}?ticket=${t.ticket}`);
  ws.binaryType = "arraybuffer";
  const frames: Int16Array[] = [];
  const packets: Uint8Array[] = [];
  let notice: { code: number; reason: string } | undefined;
  const opened = new Promise<void>((r) => ws.onopen = () => r());
  // The reason as the endpoint sent it: the close frame, or the text frame before it.
  const closed = new Promise<{ code: number; reason: string }>((r) =>
    ws.onclose = (e) =>
      r(e.code >= 1000 && e.code !== 1006 ? { code: e.code, reason: e.reason } : notice!)
  );
  ws.onmessage = (e) => {
    if (e.data instanceof ArrayBuffer) {
      packets.push(new Uint8Array(e.data));
      if (e.data.byteLength % 2 === 0) frames.push(new Int16Array(e.data));
    } else {
      const { code, reason } = JSON.parse(e.data);
      notice = { code, reason };
    }
  };
  return { ws, frames, packets, opened, closed };
}

const tone = (n: number) =>
  new Int16Array(PCM_FRAME_BYTES / 2).map((_, i) =>
    Math.round(8000 * Math.sin((2 * Math.PI * (n * 320 + i)) / 32))
  );

/** Sends `count` frames 20 ms apart (a tone, or silence). */
async function talk(ws: WebSocket, count: number, loud: boolean) {
  const start = performance.now();
  for (let n = 0; n < count && ws.readyState === WebSocket.OPEN; n++) {
    ws.send(loud ? tone(n) : new Int16Array(320));
    await sleep(Math.max(0, start + (n + 1) * 20 - performance.now()));
  }
}

const loudness = (frames: Int16Array[]) => Math.max(0, ...frames.map((f) => rms(f)));

Deno.test({
  name: "agent legs: frames in and the N-1 mix out over the worker's own WebSocket",
  sanitizeResources: false,
  sanitizeOps: false,
}, () =>
  withHost(["a", "b"], async (run) => {
    const a = connect(await run<AgentTicket>({ op: "agent.ticket", legId: "a" }));
    const b = connect(await run<AgentTicket>({ op: "agent.ticket", legId: "b" }));
    await Promise.all([a.opened, b.opened]);
    // A talks, B sends silence: B hears A's tone, A hears only silence (never itself).
    await Promise.all([talk(a.ws, 75, true), talk(b.ws, 75, false)]);
    await until("b hears a", () => loudness(b.frames) > 3000);
    assert.ok(loudness(a.frames) < 50, `a heard ${loudness(a.frames)}`);
    // Every frame out is 20 ms of PCM.
    assert.ok(b.frames.every((f) => f.length === 320));
    const stats = await run<WorkerStats>({ op: "stats" });
    const legA = stats.legs.find((l: LegStats) => l.legId === "a")!;
    assert.equal(legA.codec, "L16");
    assert.ok(legA.agent!.connected && legA.agent!.framesIn >= 60, JSON.stringify(legA.agent));
    assert.ok(legA.packetsIn >= 60);
    assert.equal(stats.agents!.connections, 2);
    a.ws.close();
    b.ws.close();
    await Promise.all([a.closed, b.closed]);
  }));

Deno.test({
  name: "agent media: a ticket is single use, expires with its leg, and cannot be guessed",
  sanitizeResources: false,
  sanitizeOps: false,
}, () =>
  withHost(["a"], async (run) => {
    const t = await run<AgentTicket>({ op: "agent.ticket", legId: "a" });
    assert.match(t.ticket, /^[A-Za-z0-9_-]{43}$/);
    const first = connect(t);
    await first.opened;
    const again = connect(t);
    assert.deepEqual(await again.closed, {
      code: AGENT_CLOSE.TICKET,
      reason: "ticket refused: unknown, used or expired",
    });
    const guessed = connect({ ...t, ticket: t.ticket.replace(/.$/, (c) => c === "A" ? "B" : "A") });
    assert.equal((await guessed.closed).code, AGENT_CLOSE.TICKET);
    // The first connection is unharmed; the leg's close ends it with its reason.
    assert.equal(first.ws.readyState, WebSocket.OPEN);
    const unused = await run<AgentTicket>({ op: "agent.ticket", legId: "a" });
    await run({ op: "leg.close", legId: "a" });
    assert.deepEqual(await first.closed, {
      code: AGENT_CLOSE.LEFT,
      reason: "the member left the room",
    });
    assert.equal((await connect(unused).closed).code, AGENT_CLOSE.TICKET);
    const stats = await run<WorkerStats>({ op: "stats" });
    assert.equal(stats.agents!.refusedTickets, 3);
    await assert.rejects(run({ op: "agent.ticket", legId: "a" }), /no leg a/);
  }));

Deno.test({
  name: "agent media: wrong-size, text, flooding and silent sockets are closed with reasons",
  sanitizeResources: false,
  sanitizeOps: false,
}, () =>
  withHost(["a"], async (run) => {
    const ticket = () => run<AgentTicket>({ op: "agent.ticket", legId: "a" });

    const short = connect(await ticket());
    await short.opened;
    short.ws.send(new Uint8Array(600));
    const c1 = await short.closed;
    assert.equal(c1.code, AGENT_CLOSE.BAD_FRAME);
    assert.match(c1.reason, /frame of 600 bytes: PCM frames are 640 bytes/);

    const text = connect(await ticket());
    await text.opened;
    text.ws.send("hello");
    assert.deepEqual(await text.closed, { code: 1003, reason: "binary audio frames only" });

    const flood = connect(await ticket());
    await flood.opened;
    // 200 frames a second: four times the real-time rate, until the endpoint has had enough.
    for (let i = 0; i < 1000 && flood.ws.readyState === WebSocket.OPEN; i++) {
      flood.ws.send(new Int16Array(320));
      await sleep(5);
    }
    const c3 = await flood.closed;
    assert.equal(c3.code, AGENT_CLOSE.FLOOD);
    assert.match(c3.reason, /more than 60 frames a second/);

    const silent = connect(await ticket());
    await silent.opened;
    const c4 = await silent.closed;
    assert.deepEqual(c4, { code: AGENT_CLOSE.IDLE, reason: "no audio frame for 1 s" });

    // A newer connection replaces an older one; the leg itself stays.
    const older = connect(await ticket());
    await older.opened;
    const newer = connect(await ticket());
    await newer.opened;
    assert.equal((await older.closed).code, AGENT_CLOSE.REPLACED);
    newer.ws.close();
    await newer.closed;

    const stats = await run<WorkerStats>({ op: "stats" });
    assert.deepEqual(
      {
        badFrames: stats.agents!.badFrames,
        floods: stats.agents!.floods,
        idle: stats.agents!.idle,
        replaced: stats.agents!.replaced,
      },
      { badFrames: 2, floods: 1, idle: 1, replaced: 1 },
    );
    assert.ok(stats.legs.some((l) => l.legId === "a"), "the leg outlives its sockets");
  }, { agentIdleMs: 1000 }));

Deno.test({
  name: "agent legs: Opus frames in and out (one packet a frame), mixed with an L16 agent",
  sanitizeResources: false,
  sanitizeOps: false,
}, () =>
  withHost(["pcm"], async (run) => {
    await agentLeg(run, "opus", "opus");
    const o = connect(await run<AgentTicket>({ op: "agent.ticket", legId: "opus" }));
    const p = connect(await run<AgentTicket>({ op: "agent.ticket", legId: "pcm" }));
    await Promise.all([o.opened, p.opened]);
    const enc = createEncoder({ codec: "opus", mixRate: 48000 });
    const buf = new Uint8Array(1500);
    const start = performance.now();
    for (let n = 0; n < 75; n++) {
      const tone48 = new Int16Array(960).map((_, i) =>
        Math.round(8000 * Math.sin((2 * Math.PI * (n * 960 + i)) / 96))
      );
      o.ws.send(buf.slice(0, enc.encode(tone48, buf)));
      p.ws.send(new Int16Array(320));
      await sleep(Math.max(0, start + (n + 1) * 20 - performance.now()));
    }
    enc.close();
    await until("the L16 agent hears the Opus agent", () => loudness(p.frames) > 3000);
    // What the Opus agent gets back is Opus: one decodable 20 ms packet a frame.
    const dec = createDecoder({ codec: "opus", mixRate: 48000 });
    assert.ok(o.packets.length > 10);
    for (const packet of o.packets.slice(-10)) assert.equal(dec.duration(packet), 960);
    dec.close();
    o.ws.close();
    p.ws.close();
    await Promise.all([o.closed, p.closed]);
  }));

Deno.test({
  name: "agent legs survive a media worker failover: a new ticket names the new worker",
  sanitizeResources: false,
  sanitizeOps: false,
}, async () => {
  const engine = await MediaEngine.start({ workers: 1 });
  try {
    await engine.createRoom({ roomId: "r", mixRate: 16000 });
    for (const legId of ["a", "b"]) {
      await engine.createLeg({
        legId,
        roomId: "r",
        port: 0,
        host: "127.0.0.1",
        codec: { codec: "L16", payloadType: 96 },
        transport: "agent",
      });
    }
    const before = connect(await engine.agentTicket("a"));
    await before.opened;
    assert.ok(engine.killWorker(0));
    // The dead worker's socket is gone; the rebuilt leg takes a new ticket's socket.
    await before.closed;
    const t = await until(
      "a ticket from the new worker",
      () => engine.agentTicket("a").catch(() => undefined),
      20_000,
    );
    const a = connect(t);
    const b = connect(await engine.agentTicket("b"));
    await Promise.all([a.opened, b.opened]);
    await Promise.all([talk(a.ws, 60, true), talk(b.ws, 60, false)]);
    await until("b hears a after the failover", () => loudness(b.frames) > 3000);
    a.ws.close();
    b.ws.close();
    await Promise.all([a.closed, b.closed]);
  } finally {
    await engine.close();
  }
});

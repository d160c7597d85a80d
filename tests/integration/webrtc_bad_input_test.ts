// The WebSocket signalling under bad input: malformed and out-of-order messages,
// unknown types, oversize messages, floods and silent sockets. Each gets an error
// naming the request id (where there is one), abuse closes the socket, and nothing
// stays open afterwards: transports, bridges and guard sessions close with it.

import assert from "node:assert/strict";
import { type CouncilProcess, startCouncilProcess } from "../_helpers/council_process.ts";
import { addGuardian, api, OPERATOR } from "../_helpers/council_api.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Msg {
  type: string;
  id?: string | number;
  code?: string;
  message?: string;
  data?: Record<string, unknown>;
}

/** A raw protocol client: every message received, and the close code. */
class RawSocket {
  readonly received: Msg[] = [];
  closeCode?: number;
  readonly closed: Promise<number>;
  #ws: WebSocket;
  #answerPings = true;

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.onmessage = (e) => {
      const msg = JSON.parse(e.data as string) as Msg;
      this.received.push(msg);
      if (msg.type === "ping" && this.#answerPings) this.send({ type: "pong", id: "p" });
    };
    this.closed = new Promise((resolve) => {
      ws.onclose = (e) => {
        this.closeCode = e.code;
        resolve(e.code);
      };
    });
  }

  static async open(council: CouncilProcess): Promise<RawSocket> {
    const ws = new WebSocket(`${council.url.replace("http", "ws")}/ws`);
    await new Promise((resolve, reject) => {
      ws.onopen = resolve;
      ws.onerror = reject;
    });
    return new RawSocket(ws);
  }

  send(msg: unknown): void {
    this.#ws.send(typeof msg === "string" ? msg : JSON.stringify(msg));
  }

  sendBinary(bytes: Uint8Array): void {
    this.#ws.send(bytes);
  }

  silence(): void {
    this.#answerPings = false;
  }

  close(): void {
    this.#ws.close();
  }

  /** The first answer (result or error) to request `id`. */
  async answer(id: string | number, ms = 5000): Promise<Msg> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      const m = this.received.find((m) =>
        m.id === id && (m.type === "result" || m.type === "error")
      );
      if (m) return m;
      await sleep(20);
    }
    throw new Error(`no answer to ${id}: ${JSON.stringify(this.received)}`);
  }

  async request(msg: Record<string, unknown>): Promise<Msg> {
    this.send(msg);
    return await this.answer(msg.id as string | number);
  }
}

async function openState(council: CouncilProcess) {
  const webrtc = (await api(council.url, "GET", "/api/v1/webrtc")).body as {
    members: { transports: number }[];
    connections: number;
    counters: { abusive: number };
  };
  const sessions = (await api(council.url, "GET", "/api/v1/admission/sessions")).body as {
    sessions: unknown[];
  };
  return { ...webrtc, sessions: sessions.sessions.length };
}

Deno.test({
  name: "bad WebSocket messages get errors with their ids; abuse closes the socket",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const council = await startCouncilProcess({
      COUNCIL_API_OPERATOR_TOKEN: OPERATOR,
      COUNCIL_WEBRTC_MAX_MESSAGE_BYTES: "4096",
    });
    try {
      const alice = await addGuardian(council.url, "alice");
      // What routers speak is public; what is open is for operators only.
      const caps = await (await fetch(`${council.url}/api/v1/webrtc/capabilities`)).json();
      assert.ok(
        caps.routerRtpCapabilities.codecs.some((c: { mimeType: string }) =>
          c.mimeType === "audio/opus"
        ),
      );
      const anonymous = await fetch(`${council.url}/api/v1/webrtc`);
      assert.equal(anonymous.status, 401);
      await anonymous.body?.cancel();
      const plain = await fetch(`${council.url}/ws`);
      assert.equal(plain.status, 426, "a plain GET is told to upgrade");
      await plain.body?.cancel();
      const ws = await RawSocket.open(council);

      ws.send("{not json");
      ws.send({ type: "produce", id: 1 });
      ws.send({ type: "levitate", id: 2 });
      ws.send({ type: "hello", id: "bad id with spaces", version: 1 });
      await sleep(300);
      assert.deepEqual(
        ws.received.filter((m) => m.type === "error").map((m) => [m.id, m.code]),
        [[undefined, "BAD_REQUEST"], [1, "BAD_REQUEST"], [2, "UNKNOWN_TYPE"], [
          undefined,
          "BAD_REQUEST",
        ]],
      );

      assert.equal(
        (await ws.request({ type: "createTransport", id: 3, direction: "send" })).code,
        "OUT_OF_ORDER",
      );
      assert.equal((await ws.request({ type: "hello", id: 4, version: 99 })).code, "BAD_REQUEST");
      const welcome = await ws.request({ type: "hello", id: 5, version: 1 });
      assert.equal(welcome.type, "result");
      // Producing, connecting, muting before joining: out of order, with the id.
      const early = await ws.request({
        type: "produce",
        id: "early",
        transportId: crypto.randomUUID(),
        kind: "audio",
        rtpParameters: {},
      });
      assert.deepEqual([early.code, early.id], ["OUT_OF_ORDER", "early"]);
      assert.equal((await ws.request({ type: "mute", id: 6, muted: true })).code, "OUT_OF_ORDER");

      // Admission: guard decides; a forged signature or a request for another room fails.
      const forged = await alice.request("main", { codecs: ["opus"], bandwidthKbps: 64 });
      forged.signature = forged.signature.replace(/^./, (c) => (c === "A" ? "B" : "A"));
      const rejected = await ws.request({ type: "join", id: 7, room: "main", admission: forged });
      assert.equal(rejected.code, "REJECTED");
      assert.match(rejected.message!, /INVALID_SIGNATURE/);
      const other = await ws.request({
        type: "join",
        id: 8,
        room: "main",
        admission: await alice.request("annex", { codecs: ["opus"] }),
      });
      assert.equal(other.code, "BAD_REQUEST");
      const missing = await ws.request({ type: "join", id: 9, room: "main", admission: {} });
      assert.match(missing.message!, /admission\.guardianId: required/);

      // A real join, then bad mediasoup calls: unknown ids, wrong shapes.
      const joined = await ws.request({
        type: "join",
        id: 10,
        room: "main",
        admission: await alice.request("main", { codecs: ["opus"], bandwidthKbps: 64 }),
      });
      assert.equal(joined.type, "result", JSON.stringify(joined));
      const t = await ws.request({ type: "createTransport", id: 11, direction: "send" });
      assert.equal(t.type, "result");
      const transportId = t.data!.transportId as string;
      const unknown = await ws.request({
        type: "connectTransport",
        id: 12,
        transportId: crypto.randomUUID(),
        dtlsParameters: {},
      });
      assert.equal(unknown.code, "NOT_FOUND");
      const garbage = await ws.request({
        type: "produce",
        id: 13,
        transportId,
        kind: "audio",
        rtpParameters: { codecs: "nope" },
      });
      assert.equal(garbage.type, "error");
      assert.equal(
        (await ws.request({ type: "join", id: 14, room: "main", admission: {} })).code,
        "OUT_OF_ORDER",
      );
      assert.equal((await openState(council)).members[0].transports, 1);
      const rumour = await ws.request({
        type: "postEvidence",
        id: 16,
        kind: "rumour",
        title: "x",
        body: "y",
      });
      assert.deepEqual([rumour.code, rumour.id], ["BAD_REQUEST", 16]);
      assert.match(rumour.message!, /kind/);
      const posted = await ws.request({
        type: "postEvidence",
        id: 17,
        kind: "text",
        title: "Minutes",
        body: "Nothing to add.",
      });
      assert.equal(posted.type, "result", JSON.stringify(posted));

      // Oversize: an error, then the socket is closed (1009).
      ws.send({ type: "ping", id: 15, pad: "x".repeat(5000) });
      assert.equal(await ws.closed, 1009);
      assert.ok(ws.received.some((m) => m.code === "TOO_LARGE"));

      // A flood: the burst (100) is served, the rest rate limited, and after more than 20
      // errors the socket is closed as abusive.
      const flood = await RawSocket.open(council);
      const abusiveBefore = (await openState(council)).counters.abusive;
      for (let i = 0; i < 130; i++) flood.send({ type: "ping", id: i });
      // The server closes with 1008, but frames the client sent after that close make
      // the connection end abnormally on the client's side: the counter is the proof.
      await flood.closed;
      assert.equal((await openState(council)).counters.abusive, abusiveBefore + 1);
      assert.ok(flood.received.some((m) => m.code === "RATE_LIMITED"));
      assert.ok(flood.received.some((m) => m.type === "result"), "the burst itself was served");

      // Binary frames are not the protocol.
      const binary = await RawSocket.open(council);
      binary.sendBinary(new Uint8Array([1, 2, 3]));
      assert.equal(await binary.closed, 1003);
      assert.ok((await openState(council)).counters.abusive >= 3);
    } finally {
      await council.stop();
    }
  },
});

Deno.test({
  name:
    "a silent socket is dropped within 10 s and its member's media closes after the resume window",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const council = await startCouncilProcess({
      COUNCIL_API_OPERATOR_TOKEN: OPERATOR,
      COUNCIL_WEBRTC_HEARTBEAT_MS: "1000",
      COUNCIL_WEBRTC_RESUME_WINDOW_MS: "2000",
    });
    try {
      const alice = await addGuardian(council.url, "alice");
      const ws = await RawSocket.open(council);
      await ws.request({ type: "hello", id: 1, version: 1 });
      const joined = await ws.request({
        type: "join",
        id: 2,
        room: "main",
        admission: await alice.request("main", { codecs: ["opus"], bandwidthKbps: 64 }),
      });
      assert.equal(joined.type, "result", JSON.stringify(joined));
      await ws.request({ type: "createTransport", id: 3, direction: "send" });
      await ws.request({ type: "createTransport", id: 4, direction: "recv" });
      let state = await openState(council);
      assert.equal(state.members[0].transports, 2);
      assert.equal(state.sessions, 1);

      // The client stops answering: the server notices (3 heartbeats) and closes.
      ws.silence();
      const t0 = Date.now();
      assert.equal(await ws.closed, 4000);
      const detectedMs = Date.now() - t0;
      assert.ok(detectedMs < 10_000, `dropped after ${detectedMs} ms`);

      // Within the resume window the seat is kept; after it, everything is closed.
      state = await openState(council);
      assert.equal(state.members.length, 1, "kept for a resume");
      await sleep(3500);
      state = await openState(council);
      assert.equal(state.members.length, 0);
      assert.equal(state.sessions, 0, "the guard session ended with the member");

      // A late resume is refused cleanly (the client would rejoin).
      const late = await RawSocket.open(council);
      await late.request({ type: "hello", id: 1, version: 1 });
      const resumed = await late.request({
        type: "resume",
        id: 2,
        token: (joined.data as { resumeToken: string }).resumeToken,
        lastSeq: 0,
      });
      assert.equal(resumed.code, "RESUME_FAILED");
      late.close();
      await late.closed;
    } finally {
      await council.stop();
    }
  },
});

// The HTTP front's caps and timers (routes/listen.ts), against a real listener on
// loopback: silent and half-sent requests are closed by the server, a source over
// its cap gets 503, WebSockets have their own cap, and slow handlers are not cut.

import assert from "node:assert/strict";
import { listenHttp } from "../../routes/mod.ts";
import { ConnectionGate } from "../../telemetry/connections.ts";

const encoder = new TextEncoder();

/** Reads until the server closes; returns what it sent, or undefined after ms. */
async function readToClose(c: Deno.Conn, ms: number): Promise<string | undefined> {
  const buf = new Uint8Array(4096);
  let text = "";
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), ms)));
  const read = (async () => {
    try {
      for (let n; (n = await c.read(buf)) !== null;) {
        text += new TextDecoder().decode(buf.subarray(0, n));
      }
    } catch { /* reset */ }
    return text;
  })();
  try {
    return await Promise.race([read, timeout]);
  } finally {
    clearTimeout(timer);
    try {
      c.close();
    } catch { /* closed */ }
  }
}

function limited(
  handler: (req: Request) => Response | Promise<Response> = () => new Response("ok"),
) {
  const gate = new ConnectionGate("http", { maxTotal: 4, maxPerSource: 2, fdsPerConnection: 3 });
  const wsGate = new ConnectionGate("ws", { maxTotal: 1, maxPerSource: 1, fdsPerConnection: 0 });
  const http = listenHttp(handler, { host: "127.0.0.1", port: 0 }, {
    gate,
    wsGate,
    headerTimeoutMs: 400,
    bodyTimeoutMs: 400,
    idleTimeoutMs: 400,
  });
  const connect = () => Deno.connect({ hostname: "127.0.0.1", port: http.port });
  return { http, gate, wsGate, connect };
}

Deno.test("a request head that never completes is closed by the server and counted", async () => {
  const { http, gate, connect } = limited();
  try {
    const silent = await connect();
    const half = await connect();
    await half.write(encoder.encode("GET / HTTP/1.1\r\nHost: x\r\n"));
    assert.equal(await readToClose(silent, 5000), "");
    assert.equal(await readToClose(half, 5000), "");
    assert.equal(gate.refused.header_timeout, 2);
    assert.equal(gate.open, 0);
  } finally {
    await http.close();
  }
});

Deno.test("a body that stops arriving is closed; a keep-alive connection idles out", async () => {
  const { http, gate, connect } = limited(async (req) => new Response((await req.text()) || "ok"));
  try {
    const body = await connect();
    await body.write(encoder.encode("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab"));
    assert.equal(await readToClose(body, 5000), "");
    assert.equal(gate.refused.body_timeout, 1);

    const idle = await connect();
    await idle.write(encoder.encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    const answer = await readToClose(idle, 5000);
    assert.match(answer ?? "", /^HTTP\/1\.1 200/);
    assert.match(answer ?? "", /ok$/);
    assert.equal(gate.refused.idle_timeout, 1);
  } finally {
    await http.close();
  }
});

Deno.test("a handler slower than the idle timeout is not cut", async () => {
  const { http, connect } = limited(async () => {
    await new Promise((r) => setTimeout(r, 1200));
    return new Response("slow but sure");
  });
  try {
    const c = await connect();
    await c.write(encoder.encode("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
    assert.match(await readToClose(c, 5000) ?? "", /slow but sure$/);
  } finally {
    await http.close();
  }
});

Deno.test("a source over its cap gets 503 while another source is served", async () => {
  const { http, gate, connect } = limited();
  const held: Deno.Conn[] = [];
  try {
    held.push(await connect(), await connect());
    const third = await connect();
    assert.match(await readToClose(third, 5000) ?? "", /^HTTP\/1\.1 503[^]*CAPACITY_EXCEEDED/);
    assert.equal(gate.refused.per_source, 1);
    // 127.0.0.2 is another source: node's socket can choose its address, fetch cannot.
    const net = await import("node:net");
    const text = await new Promise<string>((resolve, reject) => {
      let t = "";
      const s = net.connect({ host: "127.0.0.1", port: http.port, localAddress: "127.0.0.2" });
      s.on("connect", () => s.write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
      s.on("data", (d) => (t += d.toString()));
      s.on("error", reject);
      s.on("close", () => resolve(t));
    });
    assert.match(text, /^HTTP\/1\.1 200[^]*ok$/);
  } finally {
    for (const c of held) c.close();
    await http.close();
  }
});

Deno.test("WebSockets have their own cap; the one admitted works", async () => {
  const { http, wsGate } = limited((req) => {
    const { socket, response } = Deno.upgradeWebSocket(req);
    socket.onmessage = (e) => socket.send(`echo ${e.data}`);
    return response;
  });
  try {
    const first = new WebSocket(`ws://127.0.0.1:${http.port}/ws`);
    const echoed = new Promise<string>((resolve, reject) => {
      first.onopen = () => first.send("hi");
      first.onmessage = (e) => resolve(String(e.data));
      first.onerror = () => reject(new Error("first WebSocket failed"));
    });
    assert.equal(await echoed, "echo hi");
    const second = new WebSocket(`ws://127.0.0.1:${http.port}/ws`);
    await new Promise<void>((resolve) => {
      second.onerror = () => resolve();
      second.onclose = () => resolve();
    });
    assert.equal(wsGate.refused.cap, 1);
    const closed = new Promise((r) => (first.onclose = r));
    first.close();
    await closed;
  } finally {
    await http.close();
  }
});

Deno.test("the app learns the peer's address from the front, never from the client", async () => {
  const { http, connect } = limited((req) => new Response(req.headers.get("x-council-peer")));
  try {
    const c = await connect();
    await c.write(encoder.encode(
      "GET / HTTP/1.1\r\nHost: x\r\nX-Council-Peer: 6.6.6.6\r\nConnection: close\r\n\r\n",
    ));
    assert.match(await readToClose(c, 5000) ?? "", /\r\n\r\n127\.0\.0\.1$/);
  } finally {
    await http.close();
  }
});

// Issue 22 item 3: a flood of idle connections must not kill Council. A real server
// runs with `ulimit -n 256` and low caps; the test opens hundreds of idle, unfinished
// HTTP requests, SIP/TCP and H.225 connections from 127.0.0.1, more than any cap and
// than the descriptor limit. On the code before the fix, Deno.serve's accept loop
// hit EMFILE and the process exited. Now: the server stays up, a request and a real
// SIPp call over TCP from another source (127.0.0.2) go through during the flood,
// every flood socket is closed by the server (refused at once or timed out), and
// /metrics counts the refusals by listener and reason.

import assert from "node:assert/strict";
import net from "node:net";
import { type CouncilProcess, startCouncilProcess } from "../_helpers/council_process.ts";
import { addGuardian, OPERATOR } from "../_helpers/council_api.ts";
import { runSipp } from "../_helpers/sipp.ts";
import { sleep, until } from "../_helpers/wait.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const FLOOD = 300;
const LEGIT = "127.0.0.2";

/**
 * Opens `n` connections from 127.0.0.1, each sending `bytes` (an unfinished
 * message). A refused connect means the listener is gone: `why` says whether the
 * server process exited (what the flood did before the fix).
 */
async function flood(
  port: number,
  n: number,
  bytes: string,
  why: () => Promise<string> = () => Promise.resolve(""),
): Promise<Deno.TcpConn[]> {
  const conns: Deno.TcpConn[] = [];
  const data = new TextEncoder().encode(bytes);
  for (let i = 0; i < n; i++) {
    let c: Deno.TcpConn;
    try {
      c = await Deno.connect({ hostname: "127.0.0.1", port });
    } catch (err) {
      for (const open of conns) open.close();
      throw new Error(`connection ${i} to port ${port} failed (${err}); ${await why()}`);
    }
    conns.push(c);
    if (data.length) await c.write(data).catch(() => {});
  }
  return conns;
}

/** True when the server closed the connection (EOF or reset) within ms. */
async function closedByServer(c: Deno.TcpConn, ms: number): Promise<boolean> {
  const buf = new Uint8Array(4096);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((r) => (timer = setTimeout(() => r(false), ms)));
  const eof = (async () => {
    try {
      while ((await c.read(buf)) !== null) { /* a refusal's 503, then EOF */ }
    } catch { /* reset: closed too */ }
    return true;
  })();
  try {
    return await Promise.race([eof, timeout]);
  } finally {
    clearTimeout(timer);
    try {
      c.close();
    } catch { /* closed */ }
  }
}

/** GET over a connection from `source` (fetch cannot choose its source address). */
function getFrom(
  source: string,
  url: string,
  path: string,
): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: u.hostname, port: Number(u.port), localAddress: source });
    let text = "";
    s.setTimeout(10_000, () => s.destroy(new Error(`GET ${path} from ${source}: timed out`)));
    s.on(
      "connect",
      () => s.write(`GET ${path} HTTP/1.1\r\nHost: ${u.host}\r\nConnection: close\r\n\r\n`),
    );
    s.on("data", (d) => (text += d.toString("latin1")));
    s.on("error", reject);
    s.on("close", () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      resolve({ status, body: text.slice(text.indexOf("\r\n\r\n") + 4) });
    });
  });
}

function metric(text: string, name: string, labels: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(" ").at(-1)) : 0;
}

async function startLimited(): Promise<CouncilProcess> {
  // bash sets soft and hard limits alike: Council cannot raise it and must size its
  // caps to 256 descriptors.
  return await startCouncilProcess({
    COUNCIL_API_OPERATOR_TOKEN: OPERATOR,
    COUNCIL_MEDIA_WORKERS: "1",
    COUNCIL_WEBRTC_WORKERS: "1",
    COUNCIL_LIMITS_FD_RESERVE: "16",
    COUNCIL_LIMITS_HTTP_CONNECTIONS: "20",
    COUNCIL_LIMITS_HTTP_PER_SOURCE: "5",
    COUNCIL_LIMITS_HTTP_HEADER_TIMEOUT_SEC: "2",
    COUNCIL_LIMITS_HTTP_IDLE_TIMEOUT_SEC: "2",
    COUNCIL_LIMITS_SIP_TCP_CONNECTIONS: "30",
    COUNCIL_LIMITS_SIP_TCP_PER_SOURCE: "5",
    COUNCIL_LIMITS_SIP_TCP_IDLE_SEC: "2",
    COUNCIL_LIMITS_H225_CONNECTIONS: "20",
    COUNCIL_LIMITS_H225_PER_SOURCE: "5",
    COUNCIL_LIMITS_H225_IDLE_SEC: "2",
    COUNCIL_LIMITS_TCP_FIRST_MESSAGE_SEC: "2",
  }, {
    command: [
      "bash",
      "-c",
      `ulimit -n 256 && exec "$0" run -A "$1"`,
      Deno.execPath(),
      `${ROOT}main.ts`,
    ],
    timeoutMs: 60_000,
  });
}

Deno.test("a flood of idle HTTP, SIP/TCP and H.225 connections is refused; the server and legitimate calls go on", async () => {
  const council = await startLimited();
  let exited: number | undefined;
  council.child.status.then((s) => (exited = s.code));
  const held: Deno.TcpConn[] = [];
  try {
    const budget = council.lines.find((l) => l.includes("file descriptor budget"));
    assert.ok(budget?.includes('"soft":256'), `the budget was read: ${budget}`);
    const g = await addGuardian(council.url, "flood-caller");
    const tokens = ["SEQUENTIAL", `main;${await g.token("main")}`];
    const { port: httpPort } = new URL(council.url);
    // Says whether the process exited (it may take a moment to be reaped).
    const why = async () => {
      await Promise.race([council.child.status, sleep(3000)]);
      if (exited === undefined) return "the server is running";
      const cause = council.lines.filter((l) => /open files|Uncaught/.test(l)).slice(0, 2);
      return `the server exited with ${exited}: ${cause.join(" | ")}`;
    };
    // Idle, unfinished requests: more than the caps, and than 256 descriptors.
    held.push(...await flood(Number(httpPort), FLOOD, "GET /healthz HTTP/1.1\r\nHost: x\r\n", why));
    held.push(
      ...await flood(council.sipPort, FLOOD, "OPTIONS sip:council@127.0.0.1 SIP/2.0\r\n", why),
    );
    held.push(...await flood(council.callSignalPort, FLOOD, "", why));
    assert.equal(exited, undefined, "the server is still running");

    // Another source gets in while the flood's sockets are still open.
    const health = await getFrom(LEGIT, council.url, "/healthz");
    assert.equal(health.status, 200, health.body);
    const call = await runSipp({
      scenario: "token_call.xml",
      target: `127.0.0.1:${council.sipPort}`,
      transport: "t1",
      inject: tokens,
      extra: ["-i", LEGIT],
    });
    assert.equal(call.code, 0, call.stdout.slice(-1500) + call.messages.slice(-3000));
    assert.equal(call.stats["SuccessfulCall(C)"], "1", JSON.stringify(call.stats));
    assert.match(call.messages, new RegExp(`Via: SIP/2.0/TCP ${LEGIT.replaceAll(".", "\\.")}`));

    // Every flood socket is closed by the server: refused at accept, or timed out
    // (2 s here) for the ones admitted within the per-source caps.
    const closed = await Promise.all(held.splice(0).map((c) => closedByServer(c, 20_000)));
    assert.equal(closed.filter((x) => !x).length, 0, "flood sockets left open by the server");
    assert.equal(exited, undefined, "the server is still running");

    const metrics = await getFrom(LEGIT, council.url, "/metrics");
    assert.equal(metrics.status, 200);
    for (const listener of ["http", "sip-tcp", "h225"]) {
      const l = `listener="${listener}"`;
      assert.ok(
        metric(metrics.body, "council_connections_refused_total", `${l},reason="per_source"`) > 0,
        `${listener}: per-source refusals counted`,
      );
      assert.ok(
        metric(metrics.body, "council_connections_refused_total", `${l},reason="header_timeout"`) >
          0,
        `${listener}: timed-out connections counted`,
      );
    }
    assert.ok(metric(metrics.body, "council_fd_budget", `kind="soft"`) === 256);
    // After the flood, the flooding address is served again.
    const after = await fetch(`${council.url}/healthz`);
    assert.equal(after.status, 200);
    await after.body?.cancel();
  } finally {
    for (const c of held) {
      try {
        c.close();
      } catch { /* closed */ }
    }
    await council.stop();
  }
});

Deno.test("the idle timer spares a SIP/TCP connection carrying a call", async () => {
  const council = await startLimited();
  try {
    const g = await addGuardian(council.url, "long-caller");
    // The call is held for 5 s, more than twice the 2 s idle timer, over one TCP
    // connection that carries nothing between the ACK and the BYE.
    const call = await runSipp({
      scenario: "token_call_hold.xml",
      target: `127.0.0.1:${council.sipPort}`,
      transport: "t1",
      inject: ["SEQUENTIAL", `main;${await g.token("main")}`],
      extra: ["-d", "5000"],
    });
    assert.equal(call.code, 0, call.stdout.slice(-1500) + call.messages.slice(-3000));
    assert.equal(call.stats["SuccessfulCall(C)"], "1", JSON.stringify(call.stats));
    // An idle connection without a call is closed by the same timer.
    const [idle] = await flood(council.sipPort, 1, "");
    await sleep(100);
    assert.equal(await closedByServer(idle, 15_000), true, "idle SIP/TCP connection closed");
    await until("idle close counted", async () => {
      const text = await (await fetch(`${council.url}/metrics`)).text();
      return metric(
        text,
        "council_connections_refused_total",
        `listener="sip-tcp",reason="header_timeout"`,
      ) >= 1;
    });
  } finally {
    await council.stop();
  }
});

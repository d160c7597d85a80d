// The real server, started as a process the way `deno task start` starts it.
import assert from "node:assert/strict";
import { logRecords, runDeno, startCouncilProcess } from "../_helpers/council_process.ts";
import { inNetworkOf, loopbackOnly } from "../_helpers/netns.ts";
import { tempDir, tempFile } from "../_helpers/temp.ts";

Deno.test("server answers /healthz, /readyz and /metrics, and SIGTERM stops it cleanly", async () => {
  const kvPath = `${tempDir()}/council.kv`;
  const council = await startCouncilProcess({ COUNCIL_KV_PATH: kvPath });
  try {
    assert.match(council.url, /^http:\/\/127\.0\.0\.1:[0-9]+$/);
    const health = await fetch(`${council.url}/healthz`);
    assert.equal(health.status, 200);
    assert.equal((await health.json()).status, "ok");

    const ready = await fetch(`${council.url}/readyz`);
    assert.equal(ready.status, 200);
    const readiness = await ready.json();
    assert.deepEqual(Object.keys(readiness.subsystems).sort(), [
      "cost",
      "feeds",
      "guard",
      "h323-cs",
      "h323-ras",
      "http",
      "kv",
      "media",
      "media-rejects",
      "metrics",
      "policy",
      "provenance",
      "recordings",
      "rooms",
      "sip",
      "talent",
      "votes",
      "webrtc",
      "witness",
    ]);

    const metrics = await (await fetch(`${council.url}/metrics`)).text();
    assert.match(metrics, /^council_build_info\{version="[0-9.]+",deno="[0-9.]+"\} 1$/m);
    assert.match(
      metrics,
      new RegExp(`^council_media_workers ${navigator.hardwareConcurrency}$`, "m"),
    );
    assert.match(metrics, /^council_instance_starts_total 1$/m);
    assert.match(metrics, /^council_sip_calls 0$/m);
    assert.match(metrics, /^council_h323_endpoints 0$/m);
    assert.match(metrics, /^council_h323_calls 0$/m);
    assert.match(
      metrics,
      /^council_http_requests_total\{method="GET",route="\/healthz",status="200"\} 1$/m,
    );
  } finally {
    assert.equal(await council.stop("SIGTERM"), 0);
  }
  const records = logRecords(council.lines);
  assert.ok(records.every((r) => typeof r.ts === "string" && typeof r.level === "string"));
  const stopped = records.find((r) => r.msg === "stopped");
  assert.ok(stopped, council.lines.join("\n"));
  assert.equal(stopped.clean, true);
  assert.deepEqual(records.find((r) => r.msg === "shutting down")?.subsystems, [
    "http",
    "cost",
    "talent",
    "recordings",
    "provenance",
    "feeds",
    "votes",
    "webrtc",
    "h323-cs",
    "h323-ras",
    "sip",
    "rooms",
    "media-rejects",
    "media",
    "guard",
    "policy",
    "witness",
    "kv",
    "metrics",
  ]);

  // The KV file outlived the process: a second start on it is start number 2.
  const again = await startCouncilProcess({ COUNCIL_KV_PATH: kvPath });
  const text = await (await fetch(`${again.url}/metrics`)).text();
  assert.equal(await again.stop("SIGINT"), 0);
  assert.match(text, /^council_instance_starts_total 2$/m);
});

Deno.test("a port in use is one clear line and exit code 2", async () => {
  const blocker = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const port = (blocker.addr as Deno.NetAddr).port;
    const run = await runDeno("main.ts", [], {
      COUNCIL_HTTP_PORT: String(port),
      COUNCIL_KV_PATH: ":memory:",
    });
    assert.equal(run.code, 2);
    // Structured log lines may precede it; the error itself is the one plain line, last.
    const plain = run.stderr.trim().split("\n").filter((l) => !l.startsWith("{"));
    assert.deepEqual(plain, [`council: http.port: 127.0.0.1:${port} is already in use`]);
    assert.ok(run.stderr.trim().endsWith("is already in use"));
  } finally {
    blocker.close();
  }
});

Deno.test("bad configuration is one line naming the key and exit code 2", async () => {
  const badEnv = await runDeno("main.ts", [], { COUNCIL_HTTP_PORT: "eighty" });
  assert.equal(badEnv.code, 2);
  assert.equal(
    badEnv.stderr.trim(),
    `council: config: http.port (env:COUNCIL_HTTP_PORT): expected a TCP port from 0 to 65535, got "eighty"`,
  );

  const file = `${tempDir()}/council.json`;
  Deno.writeTextFileSync(file, JSON.stringify({ http: { port: 8080, hots: "x" } }));
  const badKey = await runDeno("main.ts", ["--config", file], {});
  assert.equal(badKey.code, 2);
  assert.equal(badKey.stderr.trim().split("\n").length, 1);
  assert.match(
    badKey.stderr,
    /^council: config: http\.hots \(file:.*\): unknown key; did you mean http\.host\?$/m,
  );

  const badType = await runDeno("main.ts", [], { COUNCIL_LOG_LEVEL: "7" });
  assert.equal(badType.code, 2);
  assert.match(badType.stderr, /log\.level .* expected one of debug, info, warn, error/);

  const unusableKv = await runDeno("main.ts", [], {
    COUNCIL_HTTP_PORT: "0",
    COUNCIL_KV_PATH: `${tempFile()}/x/council.kv`,
  });
  assert.equal(unusableKv.code, 2);
  assert.match(unusableKv.stderr.trim(), /^council: kv\.path: cannot create directory [^\n]+$/);

  for (const run of [badEnv, badKey, badType, unusableKv]) {
    assert.doesNotMatch(run.stderr, /\n\s+at /, "no stack trace");
  }
});

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

/** The ports the embedded defaults take on 127.0.0.1 that something else holds. */
function busyDefaultPorts(): string[] {
  const busy: string[] = [];
  for (const port of [8080, 5060, 5061, 1720]) {
    try {
      Deno.listen({ hostname: "127.0.0.1", port }).close();
    } catch {
      busy.push(`TCP ${port}`);
    }
  }
  for (const port of [5060, 1719]) {
    try {
      Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port }).close();
    } catch {
      busy.push(`UDP ${port}`);
    }
  }
  return busy;
}

// The server gets a network namespace of its own (loopback only), so its fixed
// default ports are free whatever else runs here; without one, it runs on this
// machine's network when those ports are free, and is skipped, saying why, if not.
const isolation = await loopbackOnly();
const busy = isolation.ok ? [] : busyDefaultPorts();
const defaults = "embedded defaults: 127.0.0.1:8080 and a KV file under data/";

Deno.test({
  name: isolation.ok
    ? `${defaults} (in a network namespace of its own: ${isolation.how})`
    : busy.length
    ? `${defaults} (skipped: ${busy.join(", ")} busy, and ${isolation.why})`
    : `${defaults} (on this machine's network: ${isolation.why})`,
  ignore: !isolation.ok && busy.length > 0,
  async fn() {
    const cwd = tempDir();
    const council = await startCouncilProcess({}, {
      cwd,
      withoutDefaults: true,
      command: [...(isolation.ok ? isolation.prefix : []), Deno.execPath(), "run", "-A", MAIN],
    });
    try {
      assert.equal(council.url, "http://127.0.0.1:8080");
      assert.deepEqual(
        [council.sipPort, council.sipTlsPort, council.rasPort, council.callSignalPort],
        [5060, 5061, 1719, 1720],
      );
      const probe = `console.log((await fetch("http://127.0.0.1:8080/readyz")).status)`;
      const status = isolation.ok
        ? (await inNetworkOf(council.child.pid, [Deno.execPath(), "eval", probe])).stdout.trim()
        : String((await fetch("http://127.0.0.1:8080/readyz")).status);
      assert.equal(status, "200");
      assert.ok(Deno.statSync(`${cwd}/data/council.kv`).isFile);
    } finally {
      assert.equal(await council.stop(), 0);
    }
  },
});

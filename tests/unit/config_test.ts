import assert from "node:assert/strict";
import { ConfigError, defaultConfig, envName, KEYS, loadConfig } from "../../config/mod.ts";
import { tempDir } from "../_helpers/temp.ts";

function tempConfig(content: string): string {
  const dir = tempDir("council-config-");
  const path = `${dir}/council.json`;
  Deno.writeTextFileSync(path, content);
  return path;
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${err}`);
    return err;
  }
  assert.fail("expected a ConfigError");
}

Deno.test("defaults are the laptop defaults of ARCHITECTURE.md", () => {
  assert.deepEqual(defaultConfig(), {
    http: { host: "127.0.0.1", port: 8080 },
    kv: { path: "data/council.kv" },
    log: { level: "info" },
    witness: {
      origin: "council.local/witness",
      headIntervalMs: 200,
      headEveryEntries: 1000,
      auditEverySec: 3600,
    },
    api: { operatorToken: "" },
    guard: { policyFile: "" },
    talent: {
      policyFile: "",
      sourcesFile: "",
      scoutIntervalSec: 3600,
      retestEverySec: 86400,
      validate: "",
      validateEverySec: 3600,
    },
    media: {
      host: "127.0.0.1",
      rtpPortMin: 40000,
      rtpPortMax: 49999,
      workers: 0,
      realtimePriority: 10,
      opusComplexity: 5,
      latching: "off",
    },
    sip: {
      host: "127.0.0.1",
      port: 5060,
      transports: "udp+tcp",
      realm: "council",
      digestAlgorithms: "MD5,SHA-256",
      media: "mix",
      authPerSourcePerSec: 10,
      lockoutFailures: 5,
      lockoutMs: 1000,
      lockoutMaxMs: 300_000,
      tlsPort: 5061,
      tls: "on",
      tlsCert: "",
      tlsKey: "",
    },
    h323: {
      host: "127.0.0.1",
      rasPort: 1719,
      callSignalPort: 1720,
      gatekeeperId: "Council",
      timeToLive: 300,
      video: "off",
      h235WindowSec: 60,
      neighbours: "",
      lrqFrom: "neighbours",
      upstream: "",
      upstreamId: "",
      upstreamName: "council",
      upstreamPasswordFile: "",
      trustRouted: "off",
      mediaTimeoutSec: 30,
      rasPerSourcePerSec: 2000,
      rasPerIdentityPerSec: 200,
    },
    webrtc: {
      workers: 0,
      workerBin: "",
      listenIp: "127.0.0.1",
      announcedAddress: "",
      rtcPortMin: 50000,
      rtcPortMax: 59999,
      heartbeatMs: 2500,
      resumeWindowMs: 30_000,
      maxMessageBytes: 65_536,
    },
    cost: {
      currency: "USD",
      sipPerMinute: 0.004,
      h323PerMinute: 0.004,
      webrtcPerMinute: 0.003,
      trunkPerMinute: 0.01,
      transcodedPerMinute: 0.002,
      recordedPerMinute: 0.001,
      meterIntervalMs: 1000,
      reportIntervalSec: 600,
      webhookUrl: "",
    },
    shutdown: { timeoutMs: 10_000 },
    limits: {
      fdReserve: 128,
      httpConnections: 512,
      httpPerSource: 64,
      wsConnections: 256,
      wsPerSource: 32,
      httpHeaderTimeoutSec: 10,
      httpBodyTimeoutSec: 30,
      httpIdleTimeoutSec: 60,
      sipTcpConnections: 1024,
      sipTcpPerSource: 64,
      sipTcpIdleSec: 120,
      h225Connections: 1024,
      h225PerSource: 64,
      h225IdleSec: 60,
      tcpFirstMessageSec: 10,
    },
  });
});

Deno.test("environment names follow COUNCIL_<SECTION>_<KEY>", () => {
  assert.equal(envName("http.host"), "COUNCIL_HTTP_HOST");
  assert.equal(envName("http.port"), "COUNCIL_HTTP_PORT");
  assert.equal(envName("kv.path"), "COUNCIL_KV_PATH");
  assert.equal(envName("log.level"), "COUNCIL_LOG_LEVEL");
  assert.equal(envName("shutdown.timeoutMs"), "COUNCIL_SHUTDOWN_TIMEOUT_MS");
  assert.equal(new Set(KEYS.map((k) => envName(k.path))).size, KEYS.length);
});

Deno.test("precedence: defaults <- file <- environment, with sources", () => {
  const file = tempConfig(
    JSON.stringify({ http: { port: 9000, host: "0.0.0.0" }, log: { level: "warn" } }),
  );
  const { config, sources } = loadConfig({
    configPath: file,
    env: { COUNCIL_HTTP_PORT: "9100", HOME: "/root" },
  });
  assert.equal(config.http.port, 9100);
  assert.equal(config.http.host, "0.0.0.0");
  assert.equal(config.log.level, "warn");
  assert.equal(config.kv.path, "data/council.kv");
  assert.equal(sources["http.port"], "env:COUNCIL_HTTP_PORT");
  assert.equal(sources["http.host"], `file:${file}`);
  assert.equal(sources["kv.path"], "default");
});

Deno.test("council.json in the working directory is read when present", () => {
  const file = tempConfig(JSON.stringify({ kv: { path: ":memory:" } }));
  const cwd = file.slice(0, file.lastIndexOf("/"));
  assert.equal(loadConfig({ env: {}, cwd }).config.kv.path, ":memory:");
  // ...and its absence is not an error.
  assert.equal(
    loadConfig({ env: {}, cwd: tempDir() }).config.kv.path,
    "data/council.kv",
  );
});

Deno.test("COUNCIL_CONFIG names the file", () => {
  const file = tempConfig(JSON.stringify({ http: { port: 7000 } }));
  assert.equal(loadConfig({ env: { COUNCIL_CONFIG: file } }).config.http.port, 7000);
});

Deno.test("unknown file key is refused, naming the key and a suggestion", () => {
  const err = configError(() =>
    loadConfig({ configPath: tempConfig(JSON.stringify({ http: { prot: 1 } })), env: {} })
  );
  assert.equal(err.key, "http.prot");
  assert.match(err.message, /unknown key; did you mean http\.port\?/);
  const section = configError(() =>
    loadConfig({ configPath: tempConfig(JSON.stringify({ sipp: {} })), env: {} })
  );
  assert.equal(section.key, "sipp");
});

Deno.test("wrong types in the file name the key and the expected type", () => {
  const cases: Array<[unknown, string]> = [
    [{ http: { port: "8080" } }, "http.port"],
    [{ http: { port: 70000 } }, "http.port"],
    [{ http: { port: 80.5 } }, "http.port"],
    [{ http: { host: "" } }, "http.host"],
    [{ http: { host: "http://x" } }, "http.host"],
    [{ log: { level: "verbose" } }, "log.level"],
    [{ kv: { path: 3 } }, "kv.path"],
    [{ shutdown: { timeoutMs: 5 } }, "shutdown.timeoutMs"],
    [{ http: 8080 }, "http"],
  ];
  for (const [content, key] of cases) {
    const err = configError(() =>
      loadConfig({ configPath: tempConfig(JSON.stringify(content)), env: {} })
    );
    assert.equal(err.key, key, JSON.stringify(content));
    assert.match(err.message, /expected/);
  }
});

Deno.test("bad environment values name the variable", () => {
  const cases: Array<[Record<string, string>, string]> = [
    [{ COUNCIL_HTTP_PORT: "abc" }, "env:COUNCIL_HTTP_PORT"],
    [{ COUNCIL_HTTP_PORT: "-1" }, "env:COUNCIL_HTTP_PORT"],
    [{ COUNCIL_HTTP_PORT: "65536" }, "env:COUNCIL_HTTP_PORT"],
    [{ COUNCIL_LOG_LEVEL: "loud" }, "env:COUNCIL_LOG_LEVEL"],
    [{ COUNCIL_KV_PATH: "  " }, "env:COUNCIL_KV_PATH"],
  ];
  for (const [env, source] of cases) {
    const err = configError(() => loadConfig({ env, cwd: "/nonexistent" }));
    assert.equal(err.source, source);
    assert.match(err.message, new RegExp(`\\(${source}\\): expected`));
  }
});

Deno.test("unknown COUNCIL_ variables are refused with a suggestion", () => {
  const err = configError(() =>
    loadConfig({ env: { COUNCIL_HTTP_PROT: "1" }, cwd: "/nonexistent" })
  );
  assert.match(err.message, /unknown setting; did you mean COUNCIL_HTTP_PORT\?/);
});

Deno.test("the build cache and a single-file build's folder are not settings", () => {
  const { config } = loadConfig({
    env: { COUNCIL_CACHE_DIR: "/var/cache/council", COUNCIL_DIST: "/opt/council" },
    cwd: "/nonexistent",
  });
  assert.equal(config.http.port, loadConfig({ env: {}, cwd: "/nonexistent" }).config.http.port);
});

Deno.test("an explicit file must exist, be JSON and be an object", () => {
  assert.match(
    configError(() => loadConfig({ configPath: "/nonexistent/council.json", env: {} })).message,
    /cannot read/,
  );
  assert.match(
    configError(() => loadConfig({ configPath: tempConfig("{ nope"), env: {} })).message,
    /not valid JSON/,
  );
  assert.match(
    configError(() => loadConfig({ configPath: tempConfig("[1]"), env: {} })).message,
    /top level must be a JSON object/,
  );
  assert.match(
    configError(() => loadConfig({ configPath: tempDir(), env: {} })).message,
    /not a regular file/,
  );
});

Deno.test("docs/configuration.md lists every key with its variable and default", () => {
  const doc = Deno.readTextFileSync(new URL("../../docs/configuration.md", import.meta.url));
  for (const key of KEYS) {
    const row = doc.split("\n").find((line) => line.split("|")[1]?.trim() === `\`${key.path}\``);
    assert.ok(row, `docs row for ${key.path}`);
    assert.ok(row.includes(`\`${envName(key.path)}\``), `${key.path} env name in docs`);
    assert.ok(
      row.includes(`\`${key.defaultValue === "" ? '""' : key.defaultValue}\``),
      `${key.path} default in docs`,
    );
  }
});

Deno.test("the RTP port range must hold at least one RTP/RTCP pair", () => {
  const err = configError(() =>
    loadConfig({
      env: { COUNCIL_MEDIA_RTP_PORT_MIN: "5000", COUNCIL_MEDIA_RTP_PORT_MAX: "5001" },
      cwd: "/nonexistent",
    })
  );
  assert.equal(err.key, "media.rtpPortMax");
});

Deno.test("the WebRTC port range must hold the workers' ports", () => {
  const err = configError(() =>
    loadConfig({
      env: { COUNCIL_WEBRTC_RTC_PORT_MIN: "50000", COUNCIL_WEBRTC_RTC_PORT_MAX: "50004" },
      cwd: "/nonexistent",
    })
  );
  assert.equal(err.key, "webrtc.rtcPortMax");
});

Deno.test("a malformed rate card is refused at load, naming the key", () => {
  const negative = configError(() =>
    loadConfig({ configPath: tempConfig(JSON.stringify({ cost: { sipPerMinute: -0.01 } })) })
  );
  assert.equal(negative.key, "cost.sipPerMinute");
  const text = configError(() =>
    loadConfig({ configPath: tempConfig(JSON.stringify({ cost: { h323PerMinute: "cheap" } })) })
  );
  assert.equal(text.key, "cost.h323PerMinute");
  const fine = configError(() =>
    loadConfig({ env: { COUNCIL_COST_TRUNK_PER_MINUTE: "0.0000001" } })
  );
  assert.equal(fine.key, "cost.trunkPerMinute");
  assert.match(fine.message, /at most 6 decimal places/);
  const hook = configError(() => loadConfig({ env: { COUNCIL_COST_WEBHOOK_URL: "ftp://x/y" } }));
  assert.equal(hook.key, "cost.webhookUrl");
  const money = configError(() => loadConfig({ env: { COUNCIL_COST_CURRENCY: "usd" } }));
  assert.equal(money.key, "cost.currency");
  const ok = loadConfig({
    env: { COUNCIL_COST_SIP_PER_MINUTE: "1.25", COUNCIL_COST_WEBHOOK_URL: "http://127.0.0.1:9/h" },
  }).config.cost;
  assert.deepEqual([ok.sipPerMinute, ok.webhookUrl], [1.25, "http://127.0.0.1:9/h"]);
});

// What startup checks before it opens anything: the data directory's lock, the
// fixed ports; and what it tells people once ready, and how a client finds the token.
import assert from "node:assert/strict";
import { DataDirInUse, holderPid, LOCK_FILE, lockDataDir } from "../../store/data_lock.ts";
import { StoreError } from "../../store/mod.ts";
import { checkPorts, listeningPorts, type PortClaim, PortError } from "../../lifecycle/ports.ts";
import { Lifecycle, readyLine } from "../../lifecycle/mod.ts";
import { defaultConfig } from "../../config/mod.ts";
import { findOperatorToken } from "../../store/operator_token.ts";
import { createLogger } from "../../telemetry/mod.ts";
import { tempDir, tempFile } from "../_helpers/temp.ts";

Deno.test("the data directory is locked once: a second lock names the holder's pid", async () => {
  const dir = `${tempDir()}/data`;
  const first = await lockDataDir(`${dir}/council.kv`);
  assert.ok(first);
  assert.equal(first.file, `${dir}/${LOCK_FILE}`);
  assert.equal(Deno.statSync(dir).mode! & 0o777, 0o700, "created private");
  assert.equal(Deno.statSync(first.file).mode! & 0o777, 0o600);
  assert.equal(holderPid(first.file), Deno.pid);
  // Another open of the same file (as another process would) cannot take it.
  await assert.rejects(
    () => lockDataDir(`${dir}/other.kv`),
    (err: unknown) => {
      assert.ok(err instanceof DataDirInUse && err instanceof StoreError);
      assert.equal(
        err.message,
        `kv.path: data directory ${dir} is in use by another Council (pid ${Deno.pid})`,
      );
      return true;
    },
  );
  assert.equal(holderPid(first.file), Deno.pid, "the refused attempt left the pid alone");
  first.release();
  first.release();
  assert.equal(Deno.readTextFileSync(first.file), "", "a released lock names nobody");
  const again = await lockDataDir(`${dir}/council.kv`);
  assert.ok(again, "free again after release");
  again.release();
});

Deno.test("a relative data directory is shown as typed; :memory: has none", async () => {
  const cwd = Deno.cwd();
  Deno.chdir(tempDir());
  try {
    const held = await lockDataDir("data/council.kv");
    try {
      await assert.rejects(() => lockDataDir("data/council.kv"), /data directory \.\/data is in/);
      const bare = await lockDataDir("council.kv");
      assert.equal(bare?.file, `./${LOCK_FILE}`);
      bare?.release();
    } finally {
      held?.release();
    }
  } finally {
    Deno.chdir(cwd);
  }
  assert.equal(await lockDataDir(":memory:"), undefined);
  await assert.rejects(
    () => lockDataDir(`${tempFile()}/x/council.kv`),
    /^StoreError: kv\.path: cannot create directory /,
  );
});

Deno.test("a lifecycle releases what it holds after every subsystem closed", async () => {
  const order: string[] = [];
  const lifecycle = new Lifecycle(createLogger({ level: "error" }));
  lifecycle.hold({ release: () => order.push("lock") });
  lifecycle.add({
    name: "kv",
    ready: () => true,
    close: () => (order.push("kv"), Promise.resolve()),
  });
  assert.deepEqual(lifecycle.names, ["kv"], "not a subsystem");
  assert.deepEqual((await lifecycle.readiness()).subsystems, { kv: "ready" });
  assert.equal(await lifecycle.shutdown("test", 1000), true);
  assert.deepEqual(order, ["kv", "lock"]);

  const aborted: string[] = [];
  const failed = new Lifecycle(createLogger({ level: "error" }));
  failed.hold({ release: () => aborted.push("lock") });
  await failed.abort(1000);
  assert.deepEqual(aborted, ["lock"]);
  assert.throws(() => failed.hold({ release: () => aborted.push("late") }));
  assert.deepEqual(aborted, ["lock", "late"], "refused, and released at once");
});

function config(over: Record<string, Record<string, unknown>>) {
  const base = defaultConfig() as unknown as Record<string, Record<string, unknown>>;
  const merged = { ...base };
  for (const [section, values] of Object.entries(over)) {
    merged[section] = { ...base[section], ...values };
  }
  return merged as unknown as ReturnType<typeof defaultConfig>;
}

Deno.test("the fixed ports a configuration listens on; port 0 is never claimed", () => {
  const all = listeningPorts(defaultConfig()).map((c) => `${c.key} ${c.transport} ${c.port}`);
  assert.deepEqual(all.slice(0, 3), [
    "http.port tcp 8080",
    "sip.port udp 5060",
    "sip.port tcp 5060",
  ]);
  assert.ok(all.includes("h323.rasPort udp 1719"));
  assert.ok(all.includes("h323.callSignalPort tcp 1720"));
  const some = listeningPorts(config({
    http: { port: 0 },
    sip: { transports: "tcp", port: 5070, tls: "off" },
    h323: { rasPort: 0, callSignalPort: 0 },
  }));
  assert.deepEqual(some.map((c) => `${c.key} ${c.transport} ${c.port}`), ["sip.port tcp 5070"]);
});

function claim(key: string, port: number, transport: "tcp" | "udp"): PortClaim {
  return { key, hostKey: key.replace(/\.\w+$/, ".host"), host: "127.0.0.1", port, transport };
}

Deno.test("a busy port is named with its setting; the check leaves every port free", () => {
  const tcp = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const udp = Deno.listenDatagram({ hostname: "127.0.0.1", port: 0, transport: "udp" });
  const tcpPort = (tcp.addr as Deno.NetAddr).port;
  const udpPort = (udp.addr as Deno.NetAddr).port;
  try {
    assert.throws(
      () => checkPorts([claim("sip.port", udpPort, "udp")]),
      (err: unknown) =>
        err instanceof PortError &&
        err.message === `sip.port: 127.0.0.1:${udpPort}/udp is already in use`,
    );
    assert.throws(
      () => checkPorts([claim("h323.rasPort", 0, "udp"), claim("http.port", tcpPort, "tcp")]),
      new RegExp(`^PortError: http\\.port: 127\\.0\\.0\\.1:${tcpPort} is already in use$`),
    );
  } finally {
    tcp.close();
    udp.close();
  }
  // Free now: the check binds and lets go, so the server can bind after it.
  const claims = [claim("http.port", tcpPort, "tcp"), claim("sip.port", udpPort, "udp")];
  checkPorts(claims);
  checkPorts(claims);
  Deno.listen({ hostname: "127.0.0.1", port: tcpPort }).close();
});

Deno.test("two settings naming one port are caught, naming both", () => {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  assert.throws(
    () => checkPorts([claim("http.port", port, "tcp"), claim("h323.callSignalPort", port, "tcp")]),
    new RegExp(
      `h323\\.callSignalPort: 127\\.0\\.0\\.1:${port} is also http\\.port; give them different ports`,
    ),
  );
  // UDP and TCP on one number are different ports (SIP uses both).
  checkPorts([claim("sip.port", port, "udp"), claim("sip.port", port, "tcp")]);
  assert.throws(
    () => checkPorts([{ ...claim("http.port", 40999, "tcp"), host: "192.0.2.1" }]),
    /^PortError: http\.host: cannot listen on 192\.0\.2\.1:40999: /,
  );
});

Deno.test("the ready line says where to go and how to sign in", () => {
  assert.equal(
    readyLine({ host: "127.0.0.1", port: 8080, kvPath: "data/council.kv", operatorToken: "" }),
    "council: ready: dashboard http://127.0.0.1:8080/dashboard (sign in with the token in data/operator.token), join page http://127.0.0.1:8080/web/",
  );
  assert.equal(
    readyLine({
      host: "0.0.0.0",
      port: 80,
      kvPath: ":memory:",
      operatorToken: "x",
      tokenSource: "env:COUNCIL_API_OPERATOR_TOKEN",
    }),
    "council: ready: dashboard http://127.0.0.1:80/dashboard (sign in with api.operatorToken (env:COUNCIL_API_OPERATOR_TOKEN)), join page http://127.0.0.1:80/web/",
  );
  assert.match(
    readyLine({ host: "::", port: 8080, kvPath: ":memory:", operatorToken: "" }),
    /^council: ready: dashboard http:\/\/\[::1\]:8080\/dashboard \(no operator token: with kv\.path :memory: set COUNCIL_API_OPERATOR_TOKEN to sign in\), join page http:\/\/\[::1\]:8080\/web\/$/,
  );
});

Deno.test("the operator token: flag, config, then the data directory; where it looked", () => {
  const dir = tempDir();
  const none = findOperatorToken({
    configured: "",
    configLooked: `COUNCIL_API_OPERATOR_TOKEN unset, no ${dir}/council.json`,
    kvPath: "data/council.kv",
    kvPathFrom: "default",
    cwd: dir,
  });
  assert.equal(none.token, undefined);
  assert.deepEqual(none.looked, [
    "--token (not given)",
    `api.operatorToken (unset: COUNCIL_API_OPERATOR_TOKEN unset, no ${dir}/council.json)`,
    `${dir}/data/operator.token (kv.path data/council.kv): no such file`,
  ]);
  Deno.mkdirSync(`${dir}/data`);
  Deno.writeTextFileSync(`${dir}/data/operator.token`, "from-file\n");
  assert.deepEqual(
    findOperatorToken({ configured: "", kvPath: "data/council.kv", cwd: dir }).token,
    "from-file",
  );
  const configured = findOperatorToken({
    configured: "from-env",
    configuredFrom: "env:COUNCIL_API_OPERATOR_TOKEN",
    kvPath: `${dir}/data/council.kv`,
  });
  assert.deepEqual([configured.token, configured.from], [
    "from-env",
    "env:COUNCIL_API_OPERATOR_TOKEN",
  ]);
  const flag = findOperatorToken({ explicit: "t", configured: "c", kvPath: ":memory:" });
  assert.deepEqual([flag.token, flag.from], ["t", "--token"]);
  const memory = findOperatorToken({
    configured: "",
    kvPath: ":memory:",
    kvPathFrom: "env:COUNCIL_KV_PATH",
  });
  assert.equal(memory.token, undefined);
  assert.equal(memory.looked.at(-1), "no token file (kv.path is :memory:, env:COUNCIL_KV_PATH)");
});

// `deno task compile`'s single file, run as a deployer would: a clean environment,
// a fresh home, no network for its first start (a network namespace with nothing in
// it; skipped, saying why, where none can be made). The server it starts must take a
// SIP call and a WebRTC join, its own CLI must drive that server, and the codecs
// and the mediasoup worker must load the libraries it carries, not the system's.

import assert from "node:assert/strict";
import { runDeno, startCouncilProcess } from "../_helpers/council_process.ts";
import { addGuardian, api, OPERATOR } from "../_helpers/council_api.ts";
import { emptyNetwork } from "../_helpers/netns.ts";
import { tokenCalls } from "../_helpers/sipp.ts";
import { until } from "../_helpers/wait.ts";
import { joinWs } from "../_helpers/ws_member.ts";

const decoder = new TextDecoder();
const work = Deno.makeTempDirSync({ prefix: "council-single-file-" });
const binary = `${work}/council`;
let built: Promise<void> | undefined;

/** Builds once for every test in this file (about 12 s). */
function build(): Promise<void> {
  return built ??= runDeno("scripts/compile.ts", ["--output", binary, "--no-setup"], {})
    .then((r) => assert.equal(r.code, 0, r.stderr));
}

/** A deployer's shell: no Deno on PATH beyond the system's, its own home. */
function deployerEnv(home: string): Record<string, string> {
  return { HOME: home, PATH: "/usr/local/bin:/usr/bin:/bin", NO_COLOR: "1" };
}

async function runBinary(
  args: string[],
  env: Record<string, string>,
  opts: { prefix?: string[]; file?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const file = opts.file ?? binary;
  // prefix: e.g. unshare -n, a new network namespace with nothing in it.
  const [program, ...rest] = [...(opts.prefix ?? []), file, ...args];
  const out = await new Deno.Command(program, {
    args: rest,
    env,
    clearEnv: true,
    cwd: work,
    stdin: "null",
  }).output();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

/** Paths of the shared objects a process has mapped. */
function mapped(pid: number): string[] {
  return Deno.readTextFileSync(`/proc/${pid}/maps`).split("\n")
    .map((line) => line.split(/\s+/).slice(5).join(" "))
    .filter((p) => p.includes(".so"));
}

function processesRunning(exe: string): number[] {
  const pids: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      if (Deno.readLinkSync(`/proc/${entry.name}/exe`) === exe) pids.push(Number(entry.name));
    } catch { /* gone, or not ours to read */ }
  }
  return pids;
}

const home = `${work}/home`;
const offline = await emptyNetwork();
const isolated = offline.ok ? offline.prefix : [];
const firstStart = "the single file's first start needs no network: it unpacks, " +
  "removes an idle older build and keeps one still running";

Deno.test({
  name: offline.ok ? `${firstStart} (${offline.how})` : `${firstStart} (skipped: ${offline.why})`,
  ignore: !offline.ok,
  async fn() {
    await build();
    const env = deployerEnv(home);
    // Two older builds unpacked before: one idle (removed), one with a process running
    // from it (kept).
    const cache = `${home}/.cache/council`;
    const idle = `${cache}/dist-0.0.1-0000000000000000`;
    const running = `${cache}/dist-0.0.2-1111111111111111`;
    Deno.mkdirSync(`${idle}/bin`, { recursive: true });
    Deno.mkdirSync(`${running}/bin`, { recursive: true });
    Deno.copyFileSync("/bin/sleep", `${running}/bin/sleep`);
    const sleeper = new Deno.Command(`${running}/bin/sleep`, { args: ["60"] }).spawn();
    try {
      // Where it starts no network interface is up, not even loopback.
      const up = await new Deno.Command(isolated[0], {
        args: [...isolated.slice(1), "ip", "-o", "link", "show", "up"],
        stdout: "piped",
      }).output();
      assert.ok(up.success);
      assert.equal(decoder.decode(up.stdout), "", "interfaces up where the first start runs");
      const version = await runBinary(["version", "--json"], env, { prefix: isolated });
      assert.equal(version.code, 0, version.stderr);
      const info = JSON.parse(version.stdout);
      const dist: string = info.build.dist;
      assert.ok(dist.startsWith(`${home}/.cache/council/dist-${info.council}-`), dist);
      assert.equal(info.runtime, `${dist}/bin/deno`, "the bundled Deno runs, not the system's");
      assert.ok(info.build.libraries > 0);
      assert.deepEqual(
        [...Deno.readDirSync(cache)].map((e) => e.name).filter((n) => n.startsWith("dist-")).sort(),
        [running.split("/").pop(), dist.split("/").pop()].sort(),
        "the idle older build is removed, the running one kept",
      );
    } finally {
      sleeper.kill();
      await sleeper.status;
    }
  },
});

Deno.test("the single file serves calls and runs on the libraries it carries", async () => {
  await build();
  const head = decoder.decode(Deno.readFileSync(binary).subarray(0, 10));
  assert.equal(head, "#!/bin/sh\n");
  const env = deployerEnv(home);
  // Unpacked already by the test above, or now (with the network) when it was skipped.
  const version = await runBinary(["version", "--json"], env);
  assert.equal(version.code, 0, version.stderr);
  const info = JSON.parse(version.stdout);
  const dist: string = info.build.dist;
  assert.equal(info.runtime, `${dist}/bin/deno`, "the bundled Deno runs, not the system's");

  // Run as "sh council" from its folder, the launcher still finds its own file.
  const viaSh = await new Deno.Command("sh", {
    args: ["council", "version"],
    env,
    clearEnv: true,
    cwd: work,
  }).output();
  assert.equal(viaSh.code, 0, decoder.decode(viaSh.stderr));
  assert.match(decoder.decode(viaSh.stdout), /single-file build/);

  // Offline commands work from the binary too: a key pair for the guardian below.
  const keyFile = `${work}/alice.key`;
  const keygen = await runBinary(["guardian", "keygen", "--out", keyFile], env);
  assert.equal(keygen.code, 0, keygen.stderr);
  const { publicKey } = JSON.parse(Deno.readTextFileSync(keyFile));

  const council = await startCouncilProcess({
    ...env,
    COUNCIL_API_OPERATOR_TOKEN: OPERATOR,
    COUNCIL_MEDIA_WORKERS: "2",
  }, { command: [binary, "serve"], cwd: work });
  try {
    const cli = (...args: string[]) =>
      runBinary([...args, "--url", council.url, "--token", OPERATOR], env);

    const add = await cli(
      "guardian",
      "add",
      "if://guardian/alice",
      "--name",
      "Alice",
      "--role",
      "engineer",
      "--key",
      publicKey,
      "--json",
    );
    assert.equal(add.code, 0, add.stderr);
    const admit = await cli(
      "guardian",
      "admit",
      "if://guardian/alice",
      "--key-file",
      keyFile,
      "--room",
      "main",
      "--codecs",
      "opus",
      "--json",
    );
    assert.equal(admit.code, 0, admit.stderr);
    assert.equal(JSON.parse(admit.stdout).codec, "opus");

    // A SIP phone (SIPp) in the room, and a browser's signalling over /ws.
    const caller = await addGuardian(council.url, "caller");
    const call = tokenCalls(`127.0.0.1:${council.sipPort}`, [{
      room: "main",
      token: await caller.token("main"),
    }], 6000);
    await until("the SIP call is up", async () => {
      const r = await api(council.url, "GET", "/api/v1/sip/calls");
      return (r.body as { calls: unknown[] }).calls.length === 1;
    });
    const browser = await joinWs(council, await addGuardian(council.url, "browser"), "main");
    try {
      const top = await cli("top", "--once", "--json", "--interval", "300");
      assert.equal(top.code, 0, top.stderr);
      const members = JSON.parse(top.stdout).rooms[0].members
        .map((m: { protocol: string }) => m.protocol).sort();
      assert.deepEqual(members, ["sip", "webrtc"]);
    } finally {
      browser.close();
    }
    assert.equal((await call).code, 0);

    const verify = await runBinary(["witness", "verify", "--json", "--url", council.url], env);
    assert.equal(verify.code, 0, verify.stderr);

    // The server's codecs and native helpers come from the build's folder...
    const server = mapped(council.child.pid);
    for (const lib of ["libopus.so.0", "libbcg729.so.0", "libspandsp.so.2", "libspeexdsp.so.1"]) {
      const paths = server.filter((p) => p.includes(`/${lib.split(".so")[0]}.so`));
      assert.ok(paths.length > 0, `${lib} not loaded`);
      assert.ok(paths.every((p) => p.startsWith(`${dist}/lib/`)), `${lib}: ${paths}`);
    }
    assert.ok(server.includes(`${dist}/app/native/build/libcouncil_native.so`));
    // ...and so does the mediasoup worker, with its SRTP and TLS libraries.
    const workers = processesRunning(`${dist}/bin/mediasoup-worker`);
    assert.ok(workers.length > 0, "no mediasoup worker from the build is running");
    const linked = mapped(workers[0]);
    for (const lib of ["libsrtp2.so.1", "libssl.so.3", "libuv.so.1"]) {
      assert.ok(linked.includes(`${dist}/lib/${lib}`), `${lib}: ${linked.join(" ")}`);
    }
  } finally {
    assert.equal(await council.stop(), 0);
  }
});

Deno.test("a damaged single file says so and unpacks nothing", async () => {
  await build();
  const damaged = `${work}/damaged`;
  const bytes = Deno.readFileSync(binary);
  bytes[bytes.length - 100] ^= 0xff;
  Deno.writeFileSync(damaged, bytes, { mode: 0o755 });
  const home = `${work}/home-damaged`;
  const res = await runBinary(["version"], deployerEnv(home), { file: damaged });
  assert.equal(res.code, 1);
  assert.match(res.stderr, /^council: .*damaged \(payload checksum [0-9a-f]{64}, expected/);
  let left: string[] = [];
  try {
    left = [...Deno.readDirSync(`${home}/.cache/council`)].map((e) => e.name);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  assert.deepEqual(left, [], "nothing unpacked");
});

Deno.test("compile refuses bad arguments with its usage", async () => {
  const res = await runDeno("scripts/compile.ts", ["--frobnicate"], {});
  assert.equal(res.code, 2);
  assert.match(res.stderr, /usage: deno task compile/);
});

globalThis.addEventListener("unload", () => {
  try {
    Deno.removeSync(work, { recursive: true });
  } catch { /* already gone */ }
});

// The CLI as documented (`deno task cli -- ...`), and how it finds a server and its
// operator token from the same config the server reads, from any folder; when it
// cannot, the one line says where it looked. The server's ready line says where to go.
import assert from "node:assert/strict";
import { childEnv, logRecords, runDeno } from "../_helpers/council_process.ts";
import { tempDir } from "../_helpers/temp.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const decoder = new TextDecoder();

async function denoTask(args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["task", ...args],
    env: childEnv(env),
    clearEnv: true,
    cwd: ROOT,
    stdin: "null",
  }).output();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

Deno.test("deno task cli -- <args> runs the command, as the docs say", async () => {
  const help = await denoTask(["cli", "--", "--help"]);
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /^usage: council <command> \[options\]/m);
  assert.match(help.stdout, /^ {2}guardian /m);

  const version = await denoTask(["cli", "--", "version", "--json"]);
  assert.equal(version.code, 0, version.stderr);
  assert.equal(JSON.parse(version.stdout).deno, Deno.version.deno);

  const config = await denoTask(["cli", "--", "config", "--json"], { COUNCIL_HTTP_PORT: "9" });
  assert.equal(config.code, 0, config.stderr);
  assert.equal(JSON.parse(config.stdout).sources["http.port"], "env:COUNCIL_HTTP_PORT");

  const unknown = await denoTask(["cli", "--", "frobnicate"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /^council: unknown command 'frobnicate'$/m);
  assert.doesNotMatch(unknown.stderr, /unknown command '--'/);
});

interface Server {
  url: string;
  port: number;
  /** The server's stdout lines (the ready line) and its log records. */
  stdout: string[];
  stderr: string[];
  stop(): Promise<number>;
}

/** The server as `deno task start` runs it, reading stdout too (the ready line). */
async function serve(env: Record<string, string>, cwd = ROOT): Promise<Server> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}main.ts`],
    env: childEnv({
      COUNCIL_HTTP_PORT: "0",
      COUNCIL_SIP_PORT: "0",
      COUNCIL_SIP_TLS_PORT: "0",
      COUNCIL_H323_RAS_PORT: "0",
      COUNCIL_H323_CALL_SIGNAL_PORT: "0",
      ...env,
    }),
    clearEnv: true,
    cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stdout: string[] = [];
  const stderr: string[] = [];
  const pump = async (stream: ReadableStream<Uint8Array>, into: string[]) => {
    let buffered = "";
    for await (const chunk of stream) {
      buffered += decoder.decode(chunk, { stream: true });
      let nl;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        into.push(buffered.slice(0, nl));
        buffered = buffered.slice(nl + 1);
      }
    }
  };
  const pumps = Promise.all([pump(child.stdout, stdout), pump(child.stderr, stderr)]);
  const end = Date.now() + 20_000;
  while (!stdout.some((l) => l.startsWith("council: ready: "))) {
    if (Date.now() > end) {
      child.kill("SIGKILL");
      await child.status;
      throw new Error(`no ready line:\n${stdout.join("\n")}\n${stderr.join("\n")}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const ready = logRecords(stderr).find((r) => r.msg === "council ready")!;
  const url = ready.http as string;
  return {
    url,
    port: Number(new URL(url).port),
    stdout,
    stderr,
    async stop() {
      child.kill("SIGTERM");
      const status = await child.status;
      await pumps;
      return status.code;
    },
  };
}

Deno.test("from another folder the CLI finds the token through --config or COUNCIL_KV_PATH, and says where it looked", async () => {
  const dir = tempDir();
  const kvPath = `${dir}/data/council.kv`;
  const server = await serve({ COUNCIL_KV_PATH: kvPath });
  try {
    assert.deepEqual(server.stdout, [
      `council: ready: dashboard ${server.url}/dashboard (sign in with the token in ${dir}/data/operator.token), join page ${server.url}/web/`,
    ]);
    // Elsewhere, with nothing but the port: the server answers 401; the line says why.
    const elsewhere = tempDir();
    const list = (args: string[], env: Record<string, string>) =>
      runDeno("cli/main.ts", ["guardian", "list", "--json", ...args], env, elsewhere);
    const lost = await list([], { COUNCIL_HTTP_PORT: String(server.port) });
    assert.equal(lost.code, 1);
    assert.deepEqual(lost.stderr.trim().split("\n"), [
      "council guardian: 401 operator bearer token required; no operator token found: looked at " +
      "--token (not given), api.operatorToken (unset: COUNCIL_API_OPERATOR_TOKEN unset, " +
      `no ${elsewhere}/council.json), ${elsewhere}/data/operator.token (kv.path data/council.kv): ` +
      "no such file; pass --token, --config FILE or COUNCIL_KV_PATH",
    ]);

    // The server's own config file: the URL and the data directory from it.
    const file = `${tempDir()}/council.json`;
    Deno.writeTextFileSync(
      file,
      JSON.stringify({ http: { port: server.port }, kv: { path: kvPath } }),
    );
    const viaConfig = await list(["--config", file], {});
    assert.equal(viaConfig.code, 0, viaConfig.stderr);
    assert.deepEqual(JSON.parse(viaConfig.stdout), []);
    const viaEnvFile = await list([], { COUNCIL_CONFIG: file });
    assert.equal(viaEnvFile.code, 0, viaEnvFile.stderr);
    // Or the same variables the server reads.
    const viaEnv = await list([], {
      COUNCIL_HTTP_PORT: String(server.port),
      COUNCIL_KV_PATH: kvPath,
    });
    assert.equal(viaEnv.code, 0, viaEnv.stderr);
    // And through the task, as documented.
    const viaTask = await denoTask(["cli", "--", "guardian", "list", "--json", "--config", file]);
    assert.equal(viaTask.code, 0, viaTask.stderr);

    // A token file from another server: the line names the file the token came from.
    const stale = tempDir();
    Deno.mkdirSync(`${stale}/data`);
    Deno.writeTextFileSync(`${stale}/data/operator.token`, "someone-elses-token\n");
    const wrong = await runDeno("cli/main.ts", ["guardian", "list"], {
      COUNCIL_HTTP_PORT: String(server.port),
    }, stale);
    assert.equal(wrong.code, 1);
    assert.match(
      wrong.stderr.trim(),
      new RegExp(
        `^council guardian: 401 [^\\n]*; the token sent came from ${stale}/data/operator\\.token \\(another server's\\?\\); pass --token or --config FILE$`,
      ),
    );

    // Nothing listening: the URL, where it came from, and the reason.
    const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const dead = (probe.addr as Deno.NetAddr).port;
    probe.close();
    const gone = await list(["--config", file, "--url", `http://127.0.0.1:${dead}`], {});
    assert.equal(gone.code, 1);
    assert.match(
      gone.stderr.trim(),
      new RegExp(
        `^council guardian: cannot reach http://127\\.0\\.0\\.1:${dead} \\(--url\\): Connection refused \\(os error 111\\)$`,
      ),
    );
    const unreached = await list([], { COUNCIL_HTTP_PORT: String(dead) });
    assert.match(
      unreached.stderr.trim(),
      new RegExp(
        `^council guardian: cannot reach http://127\\.0\\.0\\.1:${dead} \\(http\\.host default, http\\.port from env:COUNCIL_HTTP_PORT; no ${elsewhere}/council\\.json\\): `,
      ),
    );
    // A broken config is the config's one line, exit 2.
    const badFile = `${elsewhere}/bad.json`;
    Deno.writeTextFileSync(badFile, JSON.stringify({ http: { prot: 1 } }));
    const bad = await list(["--config", badFile], {});
    assert.equal(bad.code, 2);
    assert.deepEqual(bad.stderr.trim().split("\n"), [
      `council guardian: config: http.prot (file:${badFile}): unknown key; did you mean http.port?`,
    ]);
  } finally {
    assert.equal(await server.stop(), 0);
  }
});

Deno.test("a :memory: server says how to pass a token, and so does the CLI", async () => {
  const bare = await serve({ COUNCIL_KV_PATH: ":memory:" });
  try {
    assert.deepEqual(bare.stdout, [
      `council: ready: dashboard ${bare.url}/dashboard (no operator token: with kv.path :memory: set COUNCIL_API_OPERATOR_TOKEN to sign in), join page ${bare.url}/web/`,
    ]);
    const warned = logRecords(bare.stderr).find((r) => r.level === "warn");
    assert.match(
      String(warned?.msg),
      /^operator token in memory only: .*COUNCIL_API_OPERATOR_TOKEN/,
    );
    const cli = await runDeno("cli/main.ts", ["rooms", "list", "--url", bare.url], {
      COUNCIL_KV_PATH: ":memory:",
    });
    assert.equal(cli.code, 1);
    assert.match(
      cli.stderr.trim(),
      /^council rooms: 401 [^\n]*no token file \(kv\.path is :memory:, env:COUNCIL_KV_PATH\); pass --token, --config FILE or COUNCIL_KV_PATH$/,
    );
  } finally {
    assert.equal(await bare.stop(), 0);
  }

  const token = "memory-operator-token-0123456789";
  const given = await serve({ COUNCIL_KV_PATH: ":memory:", COUNCIL_API_OPERATOR_TOKEN: token });
  try {
    assert.match(
      given.stdout[0],
      /\(sign in with api\.operatorToken \(env:COUNCIL_API_OPERATOR_TOKEN\)\)/,
    );
    assert.ok(!logRecords(given.stderr).some((r) => r.level === "warn"), given.stderr.join("\n"));
    // The CLI reads the same variable.
    const cli = await runDeno("cli/main.ts", ["rooms", "list", "--json", "--url", given.url], {
      COUNCIL_KV_PATH: ":memory:",
      COUNCIL_API_OPERATOR_TOKEN: token,
    });
    assert.equal(cli.code, 0, cli.stderr);
  } finally {
    assert.equal(await given.stop(), 0);
  }
});

// The runbook's commands, as written (issue 25: "the RUNBOOK's commands run verbatim
// in a test"): every `council ...` and `curl ...` in docs/RUNBOOK.md is run against
// a real server, with only its placeholders filled (HOST:8080, ID, N, NAME), and
// must succeed with what the runbook says it shows. The CLI finds the server and the
// token from the same settings the server uses (COUNCIL_*), as on a real host. A
// command added to the runbook without a check here fails the test.

import assert from "node:assert/strict";
import { childEnv, startCouncilProcess } from "../_helpers/council_process.ts";
import { addGuardian, OPERATOR } from "../_helpers/council_api.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const RUNBOOK = await Deno.readTextFile(`${ROOT}docs/RUNBOOK.md`);

/** Templates the runbook shows for their shape; the CLI tests run them with real values. */
const SHAPES = new Map([
  ["council guardian add ...", "elided arguments (cli_test.ts registers guardians)"],
  ["council serve [--config F]", "starts a server (cli_test.ts: council serve)"],
]);

/** What a command must print, beyond exiting 0. */
const EXPECT: Record<string, RegExp> = {
  "curl http://HOST:8080/readyz": /"status":"ready"/,
  "curl http://HOST:8080/metrics": /council_guard_decisions_total/,
  "council health": /ready/,
  "council witness verify": /OK|verified|consistent/i,
  "council version --json": /"council":"[0-9.]+"/,
  "council guardian list": /if:\/\/guardian\/alice/,
  "council sip credentials": /if:\/\/guardian\/alice/,
  "council cost report": /total/i,
  "council top": /rooms|council/i,
};

function commands(): string[] {
  return [...new Set([...RUNBOOK.matchAll(/`((?:council|curl) [^`]+)`/g)].map((m) => m[1]))];
}

async function run(
  line: string,
  env: Record<string, string>,
  port: number,
  input?: string,
): Promise<{ code: number; out: string }> {
  const words = line.replaceAll("HOST:8080", `127.0.0.1:${port}`)
    .replace(/\bID\b/, "ops").replace(/\bN\b/, "100").replace(/\bNAME\b/, "alice")
    .split(" ");
  const [program, ...args] = words[0] === "council"
    ? [Deno.execPath(), "run", "-A", `${ROOT}cli/main.ts`, ...words.slice(1)]
    : ["curl", "-sS", "--max-time", "10", ...words.slice(1)];
  const child = new Deno.Command(program, {
    args,
    env: childEnv(env),
    clearEnv: true,
    cwd: ROOT,
    stdin: input === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (input !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(input));
    await w.close();
  }
  if (line === "council top") {
    // Live until Ctrl-C, as the runbook says: stop it once it has drawn a frame.
    const reader = child.stdout.getReader();
    let out = "";
    while (!/rooms|council/i.test(out)) {
      const { value, done } = await reader.read();
      if (done) break;
      out += new TextDecoder().decode(value);
    }
    child.kill("SIGINT");
    // Drained to its end: a closed pipe would fail its last write, not the command.
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      out += new TextDecoder().decode(value);
    }
    reader.releaseLock();
    const err = await new Response(child.stderr).text();
    const { code } = await child.status;
    out += err;
    return { code, out };
  }
  const r = await child.output();
  const dec = new TextDecoder();
  return { code: r.code, out: dec.decode(r.stdout) + dec.decode(r.stderr) };
}

Deno.test({
  name: "runbook: every council and curl command in docs/RUNBOOK.md runs as written",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const listed = commands();
    assert.ok(listed.length >= 10, `only ${listed.length} commands found in the runbook`);
    const council = await startCouncilProcess({ COUNCIL_API_OPERATOR_TOKEN: OPERATOR });
    try {
      await addGuardian(council.url, "alice");
      // The CLI's settings are the server's own: its port and its token.
      const env = {
        COUNCIL_HTTP_PORT: String(new URL(council.url).port),
        COUNCIL_API_OPERATOR_TOKEN: OPERATOR,
        COUNCIL_KV_PATH: ":memory:",
      };
      const port = Number(new URL(council.url).port);
      // A password before `credentials` lists it (the order a reader follows too).
      const ordered = [
        ...listed.filter((c) => c.startsWith("council sip password")),
        ...listed.filter((c) => !c.startsWith("council sip password")),
      ];
      const failures: string[] = [];
      for (const line of ordered) {
        if (SHAPES.has(line)) continue;
        const input = line.includes("--password-stdin") ? "a runbook password\n" : undefined;
        const r = await run(line, env, port, input);
        const want = EXPECT[line];
        if (r.code !== 0) failures.push(`${line}: exit ${r.code}: ${r.out.slice(0, 300)}`);
        else if (want && !want.test(r.out)) {
          failures.push(`${line}: output lacks ${want}: ${r.out.slice(0, 300)}`);
        }
      }
      assert.deepEqual(failures, []);
      // Every command the runbook has is either run or named here as a shape.
      const unknown = listed.filter((c) =>
        !SHAPES.has(c) && !(c in EXPECT) && !/budget set|sip password/.test(c)
      );
      assert.deepEqual(unknown, [], "runbook commands this test does not check");
    } finally {
      assert.equal(await council.stop(), 0);
    }
  },
});

// One server per data directory, and no listening port shared: a second `council
// serve` is refused in one line (exit 2) before it opens or writes anything, and
// the server already running keeps serving as if nothing happened.
import assert from "node:assert/strict";
import { runDeno, startCouncilProcess } from "../_helpers/council_process.ts";
import { addGuardian, api, OPERATOR } from "../_helpers/council_api.ts";
import { tempDir } from "../_helpers/temp.ts";

/** A port free for both TCP and UDP on 127.0.0.1 right now (SIP and RAS use both). */
function freePort(taken: Set<number>): number {
  for (let i = 0; i < 50; i++) {
    const tcp = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (tcp.addr as Deno.NetAddr).port;
    try {
      if (taken.has(port)) continue;
      Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port }).close();
      taken.add(port);
      return port;
    } catch {
      // UDP side busy: try another
    } finally {
      tcp.close();
    }
  }
  throw new Error("no free port");
}

function fixedPorts(): Record<string, string> {
  const taken = new Set<number>();
  return {
    COUNCIL_HTTP_PORT: String(freePort(taken)),
    COUNCIL_SIP_PORT: String(freePort(taken)),
    COUNCIL_SIP_TLS_PORT: String(freePort(taken)),
    COUNCIL_H323_RAS_PORT: String(freePort(taken)),
    COUNCIL_H323_CALL_SIGNAL_PORT: String(freePort(taken)),
  };
}

/** The server's state as a client sees it: ready, admitting, its log auditable. */
async function assertServing(url: string, kvPath?: string): Promise<void> {
  const readyz = await fetch(`${url}/readyz`);
  const readiness = await readyz.json();
  assert.equal(readyz.status, 200, JSON.stringify(readiness));
  assert.equal(readiness.ready, true, JSON.stringify(readiness));
  const g = await addGuardian(url, `g${crypto.randomUUID().slice(0, 8)}`);
  const admitted = await fetch(`${url}/api/v1/admission`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(await g.request("main")),
  });
  const body = await admitted.text();
  assert.equal(admitted.status, 200, body);
  const verify = await runDeno("cli/main.ts", ["witness", "verify", "--json", "--url", url], {
    ...(kvPath ? { COUNCIL_KV_PATH: kvPath } : {}),
  });
  assert.equal(verify.code, 0, verify.stdout + verify.stderr);
  assert.equal(JSON.parse(verify.stdout).ok, true);
}

/** The entries of a type the log holds, through the API (the head published first). */
async function entriesOf(url: string, type: string): Promise<number> {
  const head = (await api(url, "POST", "/api/v1/witness/head")).body as { size: number };
  const page = (await api(url, "GET", `/api/v1/witness/entries?start=0&end=${head.size}`))
    .body as { entries: { type: string }[] };
  return page.entries.filter((e) => e.type === type).length;
}

Deno.test("a second server on the same data directory is refused before it writes anything", async () => {
  const dir = tempDir();
  const kvPath = `${dir}/data/council.kv`;
  const env = { ...fixedPorts(), COUNCIL_KV_PATH: kvPath, COUNCIL_API_OPERATOR_TOKEN: OPERATOR };
  const first = await startCouncilProcess(env);
  let stopped = false;
  try {
    await assertServing(first.url);
    const lockFile = `${dir}/data/council.lock`;
    assert.equal(Deno.readTextFileSync(lockFile).trim(), String(first.child.pid));
    assert.equal(await entriesOf(first.url, "council.start"), 1);

    // The same command again, as a second `deno task start` in the folder would.
    const second = await runDeno("main.ts", [], env);
    assert.equal(second.code, 2, second.stderr);
    const lines = second.stderr.trim().split("\n");
    assert.equal(lines.length, 1, second.stderr);
    assert.equal(
      lines[0],
      `council: kv.path: data directory ${dir}/data is in use by another Council (pid ${first.child.pid})`,
    );
    assert.doesNotMatch(second.stderr, /\n\s+at /, "no stack trace");

    // The first server never noticed: ready, admitting, one start in its log.
    await assertServing(first.url);
    assert.equal(await entriesOf(first.url, "council.start"), 1);
    assert.ok(
      !first.lines.some((l) => l.includes("changed under this server")),
      first.lines.join("\n"),
    );
    assert.equal(Deno.readTextFileSync(lockFile).trim(), String(first.child.pid));

    // A server killed outright leaves its lock file, but not its lock: the next starts.
    assert.notEqual(await first.stop("SIGKILL"), 0);
    stopped = true;
    const next = await startCouncilProcess(env);
    try {
      assert.equal(Deno.readTextFileSync(lockFile).trim(), String(next.child.pid));
      await assertServing(next.url);
      assert.equal(await entriesOf(next.url, "council.start"), 2);
    } finally {
      assert.equal(await next.stop(), 0);
    }
  } finally {
    if (!stopped) await first.stop();
  }
});

Deno.test("a port another server holds is named with its setting; nothing is written", async () => {
  const env = { ...fixedPorts(), COUNCIL_API_OPERATOR_TOKEN: OPERATOR };
  const first = await startCouncilProcess({ ...env, COUNCIL_KV_PATH: `${tempDir()}/council.kv` });
  try {
    const busy: Array<[string, string, string]> = [
      ["COUNCIL_SIP_PORT", "sip.port", "/udp"],
      ["COUNCIL_SIP_TLS_PORT", "sip.tlsPort", ""],
      ["COUNCIL_H323_RAS_PORT", "h323.rasPort", "/udp"],
      ["COUNCIL_H323_CALL_SIGNAL_PORT", "h323.callSignalPort", ""],
      ["COUNCIL_HTTP_PORT", "http.port", ""],
    ];
    for (const [name, key, proto] of busy) {
      for (const where of ["a different data directory", ":memory:"]) {
        const dir = tempDir();
        const run = await runDeno("main.ts", [], {
          COUNCIL_HTTP_PORT: "0",
          COUNCIL_SIP_PORT: "0",
          COUNCIL_SIP_TLS_PORT: "0",
          COUNCIL_H323_RAS_PORT: "0",
          COUNCIL_H323_CALL_SIGNAL_PORT: "0",
          COUNCIL_KV_PATH: where === ":memory:" ? ":memory:" : `${dir}/council.kv`,
          [name]: env[name as keyof typeof env],
        });
        const label = `${key} with ${where}`;
        assert.equal(run.code, 2, `${label}: ${run.stderr}`);
        assert.deepEqual(
          run.stderr.trim().split("\n"),
          [`council: ${key}: 127.0.0.1:${env[name as keyof typeof env]}${proto} is already in use`],
          label,
        );
        // Refused before the database was opened: no KV file, no token file.
        assert.deepEqual(
          [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n !== "council.lock"),
          [],
          label,
        );
      }
    }
    await assertServing(first.url);
    assert.equal(await entriesOf(first.url, "council.start"), 1);
  } finally {
    assert.equal(await first.stop(), 0);
  }
});

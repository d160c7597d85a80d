// The shared accept loop meets a real EMFILE (a child under `ulimit -n 64` that
// holds every connection) and goes on: the process stays up, the failures are
// counted, and once descriptors are free it accepts again. Deno.serve's own accept
// loop ended the process here (issue 22 item 3).

import assert from "node:assert/strict";

const CHILD = new URL("../fixtures/limits/accept_child.ts", import.meta.url).pathname;

Deno.test("accept() failing with EMFILE is counted and survived; accepting resumes", async () => {
  const child = new Deno.Command("bash", {
    args: ["-c", `ulimit -n 64 && exec "$0" run -A "$1"`, Deno.execPath(), CHILD],
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let pending = "";
  const nextJson = async (): Promise<Record<string, number>> => {
    for (;;) {
      const nl = pending.indexOf("\n");
      if (nl >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        return JSON.parse(line);
      }
      const { value, done } = await lines.read();
      if (done) throw new Error("the child exited");
      pending += value;
    }
  };
  const writer = child.stdin.getWriter();
  const ask = async (command: string) => {
    await writer.write(new TextEncoder().encode(`${command}\n`));
    return await nextJson();
  };
  const conns: Deno.TcpConn[] = [];
  try {
    const { port } = await nextJson();
    // More connections than the child has descriptors; the kernel completes them
    // all (backlog), the child accepts until EMFILE.
    for (let i = 0; i < 100; i++) conns.push(await Deno.connect({ hostname: "127.0.0.1", port }));
    let stats = await ask("stats");
    for (let tries = 0; stats.emfile === 0 && tries < 100; tries++) {
      await new Promise((r) => setTimeout(r, 50));
      stats = await ask("stats");
    }
    assert.ok(stats.emfile > 0, `EMFILE met: ${JSON.stringify(stats)}`);
    assert.ok(stats.held < 64);
    const before = stats.accepted;
    // Descriptors freed: the connections waiting in the backlog are accepted now.
    await ask("release");
    for (let tries = 0; stats.accepted <= before && tries < 100; tries++) {
      await new Promise((r) => setTimeout(r, 50));
      stats = await ask("stats");
    }
    assert.ok(stats.accepted > before, `accepting again: ${JSON.stringify(stats)}`);
  } finally {
    for (const c of conns) c.close();
    await writer.close().catch(() => {});
    await lines.cancel().catch(() => {});
    const status = await child.status;
    assert.equal(status.code, 0, "the child ended by itself, not by a crash");
  }
});

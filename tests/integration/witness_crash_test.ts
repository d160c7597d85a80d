// kill -9 at arbitrary moments while many writers append: no acknowledged entry may
// be lost, no batch may be half there, and the log must reopen consistent with its
// last signed head and pass a full audit.
import assert from "node:assert/strict";
import { audit, kvAuditSource, leafHash, toHex } from "../../witness/mod.ts";
import { openWitness } from "../unit/witness/_open.ts";
import { tempDir } from "../_helpers/temp.ts";

const WRITER = new URL("../_helpers/witness_writer.ts", import.meta.url).pathname;

async function runAndKill(path: string, killAfterAcks: number): Promise<Map<number, string>> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", WRITER, path, "400"],
    stdout: "piped",
    stderr: "inherit",
    stdin: "null",
  }).spawn();
  const acked = new Map<number, string>();
  const decoder = new TextDecoder();
  let buffered = "";
  let killed = false;
  for await (const chunk of child.stdout) {
    buffered += decoder.decode(chunk, { stream: true });
    const lines = buffered.split("\n");
    buffered = lines.pop()!; // an unfinished line was never fully acknowledged
    for (const line of lines) {
      const [index, hash] = line.split(" ");
      if (index !== "ready") acked.set(Number(index), hash);
    }
    if (!killed && acked.size >= killAfterAcks) {
      child.kill("SIGKILL");
      killed = true;
    }
  }
  const status = await child.status;
  assert.equal(status.signal, "SIGKILL");
  return acked;
}

Deno.test("a writer killed with SIGKILL mid-append loses no acknowledged entry", async () => {
  const path = `${tempDir()}/crash.kv`;
  const acknowledged = new Map<number, string>();
  // Several crashes on the same database, each at a different point.
  for (const acks of [700, 1500, 333, 2100]) {
    for (const [index, hash] of await runAndKill(path, acks)) {
      assert.ok(
        !acknowledged.has(index) || acknowledged.get(index) === hash,
        `index ${index} reused`,
      );
      acknowledged.set(index, hash);
    }
  }

  // Reopening checks the tree against its tiles and its last signed head.
  const w = await openWitness(path, { origin: "crash.test/witness" });
  try {
    const size = w.witness.size;
    assert.ok(size >= Math.max(...acknowledged.keys()) + 1, `size ${size}`);
    for (const [index, hash] of acknowledged) {
      const bytes = await w.witness.entry(index);
      assert.ok(bytes, `acknowledged entry ${index} is present`);
      assert.equal(toHex(leafHash(bytes)), hash, `entry ${index} unchanged`);
    }
    const report = await audit(kvAuditSource(w.store.kv, w.witness.signer));
    assert.equal(report.ok, true, JSON.stringify(report.problems.slice(0, 5)));
    assert.equal(report.entriesChecked, size);
    // Writing goes on after the crashes.
    const next = await w.witness.append("test.after", {});
    assert.equal(next.index, size);
  } finally {
    await w.close();
  }
});

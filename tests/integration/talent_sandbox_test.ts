// The sandbox end to end (docs/talent.md): real candidate processes against a real
// sandbox Council. The example agent passes all 25 checks; deliberately bad agents are
// contained, and each failure is recorded with what was seen; lying packages never run.

import assert from "node:assert/strict";
import { CHECK_IDS, runSandbox, type SandboxReport } from "../../talent/mod.ts";

const FIXTURES = new URL("../fixtures/talent/", import.meta.url).pathname;

function failed(r: SandboxReport): Record<string, string> {
  return Object.fromEntries(r.results.filter((x) => !x.passed).map((x) => [x.id, x.detail]));
}

Deno.test({
  name: "the example agent passes all 25 checks in the sandbox",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const r = await runSandbox(`${FIXTURES}namecaller`);
    assert.deepEqual(failed(r), {}, JSON.stringify(r.log.slice(-15)));
    assert.equal(r.passed, 25);
    assert.deepEqual(r.results.map((x) => x.id), CHECK_IDS);
    assert.deepEqual(r.violations, []);
    assert.ok(r.resources.peakRssMb > 0 && r.resources.peakRssMb <= r.resources.limits.rssMb);
  },
});

Deno.test({
  name:
    "a rogue agent is contained: file, socket, process and worker attempts, PII, ballots and floods recorded",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const r = await runSandbox(`${FIXTURES}rogue`);
    const f = failed(r);
    assert.match(f["contained.permissions"], /read \/etc\/passwd/);
    assert.ok(r.violations.some((v) => v === "net 127.0.0.1:22"), r.violations.join("\n"));
    assert.ok(r.violations.some((v) => /denied: run sh/.test(v)), r.violations.join("\n"));
    assert.ok(r.violations.some((v) => v === "env HOME"), r.violations.join("\n"));
    // A Web Worker is refused (Deno alone would run it) and reported.
    assert.ok(r.violations.some((v) => /denied: worker data:/.test(v)), r.violations.join("\n"));
    assert.ok(!r.log.some((l) => /a worker ran/.test(l)), r.log.join("\n"));
    assert.match(f["pii.evidence"], /posted an email address/);
    assert.match(f["vote.no_refusals"], /refused/);
    assert.match(f["vote.none_after_deadline"], /after the vote closed/);
    assert.match(f["flood.control"], /peak \d+ in one second/);
    // Still admitted and heard: containment, not a crash.
    assert.equal(f["admit.valid_signature"], undefined);
    assert.equal(f["pii.admission"], undefined);
  },
});

Deno.test({
  name: "a memory hog is killed by the watchdog and the run goes on to its report",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const r = await runSandbox(`${FIXTURES}hog`, { limits: { rssMb: 300 } });
    const f = failed(r);
    assert.match(f["limits.resources"], /^resident memory \d+ MB > 300 MB$/);
    assert.match(f["leave.clean"], /not reached: killed: resident memory/);
    assert.equal(f["admit.valid_signature"], undefined);
    assert.ok(r.durationMs < 90_000, `${r.durationMs} ms`);
  },
});

Deno.test("lying packages are refused before anything runs, with the lie named", async () => {
  const entry = await runSandbox(`${FIXTURES}liar-entry`);
  assert.equal(failed(entry)["package.entry"], "entry: main.ts is not a file in the package");
  assert.equal(entry.passed, 1);
  const digest = await runSandbox(`${FIXTURES}liar-digest`);
  assert.match(failed(digest)["package.digest"], /^digest: the manifest says sha256:0{64}/);
  assert.equal(failed(digest)["entry.loads"], "not reached: an earlier step failed");
  assert.equal(digest.passed, 2);
});

// Figures judge themselves: every goal form the suites use, null for what was not
// measured (never -1 or 0), and a report that names the missing and the missed.

import assert from "node:assert/strict";
import { FigureReport, GoalError, goalMet, judge } from "../../bench/figure.ts";

Deno.test("each goal form is judged", () => {
  assert.equal(goalMet(">=1000", 1000), true);
  assert.equal(goalMet(">=1000", 999), false);
  assert.equal(goalMet("<5 at 1000 ARQ/s", 4.99), true);
  assert.equal(goalMet("<5 at 1000 ARQ/s", 5), false);
  assert.equal(goalMet("<=2000", 2000), true);
  assert.equal(goalMet("0", 0), true);
  assert.equal(goalMet("0", 1), false);
  assert.equal(goalMet("100", 99.7), false);
  // An "x" goal compares the ratio to the baseline, not the value.
  assert.equal(goalMet(">=0.8x C limit", 500, 0.81), true);
  assert.equal(goalMet(">=0.8x C limit", 500, 0.43), false);
  assert.equal(goalMet(">=0.8x C limit", 500), false, "no ratio: not met");
  assert.equal(goalMet("measured (12 guardians, 60 s)", 14.5), true);
  assert.throws(() => goalMet("fast enough", 1), GoalError);
});

Deno.test("a value that was not measured is null, says why, and is not met", () => {
  const base = { suite: "council", name: "council.failover_s", unit: "s", goal: "<5" };
  // What production.ts used to print as -1 (which read as meeting "<5").
  for (const value of [NaN, Infinity, null]) {
    const f = judge({ ...base, value });
    assert.equal(f.value, null);
    assert.equal(f.met, false);
    assert.match(f.why!, /not measured/);
  }
  assert.deepEqual(judge({ ...base, value: null, why: "media never resumed" }), {
    ...base,
    value: null,
    why: "media never resumed",
    met: false,
  });
  assert.equal(judge({ ...base, value: 2.8 }).met, true);
  assert.equal(judge({ ...base, value: 5.1 }).met, false);
});

Deno.test("a report names what a suite promised and never produced", () => {
  const lines: string[] = [];
  const report = new FigureReport((l) => lines.push(l));
  report.expect("sip", ["sip.cps_zero_fail", "sip.setup_p99_ms"]);
  report.emit({
    suite: "sip",
    name: "sip.cps_zero_fail",
    value: 1200,
    unit: "calls/s",
    goal: ">=1000",
  });
  report.closeSuite("sip", "the suite failed: SIPp exited 255");
  assert.equal(lines.length, 2);
  const missing = JSON.parse(lines[1]);
  assert.equal(missing.name, "sip.setup_p99_ms");
  assert.equal(missing.value, null);
  assert.equal(missing.met, false);
  assert.equal(missing.why, "the suite failed: SIPp exited 255");
  assert.deepEqual(report.misses.map((f) => f.name), ["sip.setup_p99_ms"]);
  assert.equal(JSON.parse(lines[0]).met, true);
});

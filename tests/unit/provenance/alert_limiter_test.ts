// One alert per stream per interval (provenance/alert_limiter.ts): a flood of
// failures is one alert, the next one after the interval carries their count.

import assert from "node:assert/strict";
import { AlertLimiter } from "../../../provenance/alert_limiter.ts";

Deno.test("a flood of failures is one alert per stream per interval, counted into the next", () => {
  const l = new AlertLimiter(10_000);
  assert.deepEqual(l.note("a", 0), { alert: true, repeats: 0 });
  for (let t = 100; t < 10_000; t += 100) assert.equal(l.note("a", t).alert, false);
  // Another stream is its own.
  assert.deepEqual(l.note("b", 5_000), { alert: true, repeats: 0 });
  // After the interval: an alert again, with the 99 failures not alerted.
  assert.deepEqual(l.note("a", 10_000), { alert: true, repeats: 99 });
  assert.deepEqual(l.note("a", 10_001), { alert: false, repeats: 1 });
});

Deno.test("a report of several failures counts them all", () => {
  const l = new AlertLimiter(1000);
  assert.deepEqual(l.note("a", 0, 3), { alert: true, repeats: 2 });
  assert.deepEqual(l.note("a", 10, 5), { alert: false, repeats: 5 });
  assert.deepEqual(l.note("a", 2000), { alert: true, repeats: 5 });
});

Deno.test("a forgotten stream alerts afresh; the oldest streams go past the bound", () => {
  const l = new AlertLimiter(10_000, 2);
  l.note("a", 0);
  l.forget("a");
  assert.equal(l.note("a", 1).alert, true);
  l.note("b", 2);
  l.note("c", 3); // "a" is forgotten
  assert.equal(l.note("a", 4).alert, true);
  assert.equal(l.note("c", 5).alert, false);
});

// The production test's judgement on recordings made here: an N-1 mix of eleven
// members' signals (through G.711, as a phone hears it) is heard correctly, and the
// judgement fails, naming the path, when one member's audio is cut, when a member
// hears itself, and when a failover never ends; a silent member is heard by no one.

import assert from "node:assert/strict";
import { g711Decode, g711Encode } from "../../media/codecs/g711.ts";
import { keepHearing, memberSignal, NOISE, othersMask, PLAN } from "./signal.ts";
import {
  correctFrames,
  failoverAt,
  failoverWindows,
  type Heard,
  paths,
  selfHeard,
  spans,
} from "./judge.ts";
import { deafPaths } from "./production.ts";
import { histogramPercentile, RtpStats } from "./rtp_stats.ts";

const RATE = 8000;
const MEMBERS = 12;
const SECONDS = 12;
const names = Array.from({ length: MEMBERS }, (_, i) => `m${i}`);

/** What member `to` hears: everyone's signal but its own (and `cut`'s), through A-law. */
function mixFor(to: number, o: { cut?: number; echo?: boolean } = {}): Int16Array {
  const n = RATE * SECONDS;
  const sum = new Int32Array(n);
  for (let m = 0; m < MEMBERS; m++) {
    if ((m === to && !o.echo) || m === o.cut) continue;
    // Each member's markers start at its own offset, and not on a frame boundary.
    const s = memberSignal(PLAN, m, RATE, n, 137 * m + 3);
    for (let i = 0; i < n; i++) sum[i] += s[i];
  }
  const pcm = Int16Array.from(sum, (v) => Math.max(-32768, Math.min(32767, v)));
  return g711Decode("alaw", g711Encode("alaw", pcm), new Int16Array(n));
}

/** Member `to`'s hearing of `pcm`, frames 20 ms apart from t = 0, and a gap if asked. */
function hear(to: number, pcm: Int16Array, gap?: [number, number]): Heard {
  const { listener, hearing } = keepHearing(RATE);
  for (let i = 0; i + 160 <= pcm.length; i += 160) {
    const at = i / 8;
    if (gap && at >= gap[0] && at < gap[1]) continue;
    listener.frame(pcm.subarray(i, i + 160), at);
  }
  listener.flush();
  return { name: names[to], member: to, timing: "arrival", hearing };
}

const judged = spans(0, SECONDS * 1000, []);

Deno.test("judge: everyone hears every other member's markers and never its own", () => {
  const heard = [0, 5, 11].map((to) => hear(to, mixFor(to)));
  const all = [...heard];
  // The other members as silent listeners, so every path from them is counted.
  for (let m = 0; m < MEMBERS; m++) {
    if (![0, 5, 11].includes(m)) {
      all.push({
        name: names[m],
        member: m,
        timing: "arrival",
        hearing: { onsets: [], segments: [] },
      });
    }
  }
  const counted = paths(all, judged, PLAN).filter((p) =>
    [0, 5, 11].map((m) => names[m]).includes(p.to)
  );
  assert.equal(counted.length, 3 * 11);
  assert.deepEqual(deafPaths({ paths: counted }), []);
  for (const h of heard) {
    assert.equal(selfHeard(h), 0);
    const frames = correctFrames(h, MEMBERS, judged);
    assert.equal(frames.correct, frames.frames, `${h.name}: every frame has the other eleven`);
    assert.deepEqual(
      [...new Set(h.hearing.segments.map((s) => s.mask))],
      [othersMask(MEMBERS, h.member)],
    );
  }
});

Deno.test("judge: a member whose audio is cut fails its paths, by name, and every frame", () => {
  const cut = 7;
  const to = hear(2, mixFor(2, { cut }));
  const from = names.map((name, m): Heard => ({
    name,
    member: m,
    timing: "arrival",
    hearing: { onsets: [], segments: [] },
  }));
  from[2] = to;
  const deaf = deafPaths({ paths: paths(from, judged, PLAN).filter((p) => p.to === "m2") });
  assert.deepEqual(deaf, [`m7 → m2: 0/${Math.floor((SECONDS * 1000 - 3000) / PLAN.periodMs)}`]);
  assert.equal(correctFrames(to, MEMBERS, judged).correct, 0, "no frame is correct without m7");
});

Deno.test("judge: a member that hears itself is caught", () => {
  const h = hear(4, mixFor(4, { echo: true }));
  assert.ok(selfHeard(h) >= 5, `own markers heard: ${selfHeard(h)}`);
  assert.equal(correctFrames(h, MEMBERS, judged).correct, 0);
});

Deno.test("judge: silence and noise are nobody's markers", () => {
  const { listener, hearing } = keepHearing(RATE);
  const noise = Int16Array.from({ length: RATE * 4 }, () => (Math.random() - 0.5) * 20000);
  listener.push(new Int16Array(RATE * 4), 0);
  listener.push(noise, 4000);
  listener.flush();
  assert.deepEqual(hearing.onsets, []);
  const [quiet, ...noisy] = hearing.segments;
  assert.deepEqual([quiet.mask, quiet.frames], [0, 200], "silence carries nobody");
  assert.equal(noisy.reduce((n, s) => n + s.frames, 0), 200);
  assert.ok(noisy.every((s) => s.mask & NOISE), "noise is marked as noise, correct for no one");
});

Deno.test("judge: failover runs from the fault to the first correct frames after the break", () => {
  const pcm = mixFor(3);
  const fault = 5000;
  // Nothing from 5.0 s to 6.2 s (the worker died and was replaced).
  assert.equal(failoverAt(hear(3, pcm, [fault, 6200]), MEMBERS, fault, 3000), 1.2);
  // A stream that never broke lost nothing.
  assert.equal(failoverAt(hear(3, pcm), MEMBERS, fault, 3000), 0);
  // One that never came back has no figure.
  assert.equal(failoverAt(hear(3, pcm, [fault, 99_000]), MEMBERS, fault, 3000), null);
  // A member missing for a while after the fault (a browser rejoining): until it is back.
  const { listener, hearing } = keepHearing(RATE);
  const without = mixFor(3, { cut: 9 });
  for (let i = 0; i + 160 <= pcm.length; i += 160) {
    const at = i / 8;
    listener.frame((at >= fault + 40 && at < 7000 ? without : pcm).subarray(i, i + 160), at);
  }
  listener.flush();
  const rejoin = { name: "m3", member: 3, timing: "arrival" as const, hearing };
  assert.equal(failoverAt(rejoin, MEMBERS, fault, 3000), 2);
});

Deno.test("judge: a member slower to recover than the window is judged from its recovery on", () => {
  // m9 is missing at m3 from the fault until 8 s (two pages rejoining one after the other),
  // past a 2 s window.
  const fault = 3000, back = 8000, windowMs = 2000;
  const pcm = mixFor(3), without = mixFor(3, { cut: 9 });
  const { listener, hearing } = keepHearing(RATE);
  for (let i = 0; i + 160 <= pcm.length; i += 160) {
    const at = i / 8;
    listener.frame((at >= fault + 40 && at < back ? without : pcm).subarray(i, i + 160), at);
  }
  listener.flush();
  const to: Heard = { name: "m3", member: 3, timing: "arrival", hearing };
  const all = names.map((name, m): Heard =>
    m === 3 ? to : { name, member: m, timing: "arrival", hearing: { onsets: [], segments: [] } }
  );
  const s = failoverAt(to, MEMBERS, fault, windowMs);
  assert.equal(s, (back - fault) / 1000);
  const deafInto = (judged: [number, number][]) =>
    deafPaths({ paths: paths(all, () => judged, PLAN).filter((p) => p.to === "m3") });
  // A fixed window counts the rest of the outage against m9's path...
  const fixed = spans(0, SECONDS * 1000, failoverWindows([{ at: fault, s: null }], windowMs));
  assert.deepEqual(deafInto(fixed).map((p) => p.split(":")[0]), ["m9 → m3"]);
  // ...the member's own recovery does not, and every path and frame after it is whole.
  const own = spans(0, SECONDS * 1000, failoverWindows([{ at: fault, s }], windowMs));
  assert.deepEqual(own, [[2000, fault], [back + 1000, SECONDS * 1000 - 1000]]);
  assert.deepEqual(deafInto(own), []);
  const frames = correctFrames(to, MEMBERS, own);
  assert.equal(frames.correct, frames.frames);
  // A recovery inside the window leaves the window as it is.
  assert.deepEqual(failoverWindows([{ at: fault, s: 0.5 }], windowMs), [[fault, fault + windowMs]]);
});

Deno.test("rtp stats: loss and jitter inside and outside the failover windows", () => {
  const s = new RtpStats(0, 10_000, 8000, 2000);
  s.window(4000);
  // Source A until the fault, one packet lost at 1 s; source B from 5 s on (the outage).
  for (let t = 0; t < 4000; t += 20) {
    if (t !== 1000) s.packet(1, 100 + t / 20, 160 * (t / 20), t + (t % 40 ? 1 : 0));
  }
  for (let t = 5000; t < 10_000; t += 20) s.packet(2, 9 + t / 20, 7 + 160 * (t / 20), t);
  const c = s.report();
  assert.deepEqual(c.outside, { expected: 200 + 200, received: 199 + 200 });
  assert.deepEqual(c.inside, { expected: 100, received: 50 });
  // A's arrivals wobble by 1 ms; B's are exact.
  assert.equal(histogramPercentile(c.transitOutside, 99), 1);
  assert.equal(histogramPercentile(c.transitOutside, 50), 0);
  assert.equal(histogramPercentile(c.transitInside, 99), 0);
});

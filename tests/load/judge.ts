// How the production test judges what every member heard (signal.ts's detector gave
// each member's marker onsets and runs of frames, timed on the wall clock):
//
// - Paths: every member must hear every other member's markers, outside the failover
//   windows. A sender whose send times are known (the H.323 probes) must be heard for
//   each marker it sent, within 1.5 s; one whose microphone runs on its own clock (a
//   phone's file source, a browser's fake microphone, both exactly periodic) must be
//   heard at least floor(span / period) times in each span. A member whose audio is
//   cut has no onsets anywhere: every path from it fails, by name.
// - Self: no member may hear a marker of its own, over the whole run.
// - The failover windows are left out of the paths and the mix count at each member:
//   WINDOW_MS from each fault, or longer at a member that took longer to hear a correct
//   mix again (until then and a second more). How long that took is the failover
//   figures' business, judged against their goal; a member that never recovered fails
//   its drill. (A path between two pages recovers only when both have rejoined after the
//   mediasoup kill: on a loaded host that passed the window.)
// - Failover: from each fault to the first correct mixed frame (every other member's tone
//   heard again) after the break the fault caused, at every member;
//   a member that never broke within the window lost nothing (0). A drill that did not
//   run, and a member that never recovered, leave the figure null with the reason.

import { FRAME_MS, type Hearing, NOISE, othersMask, type SignalPlan } from "./signal.ts";

export interface Heard {
  name: string;
  /** Index in the plan (its frequency). */
  member: number;
  /** How its hearing is timed: on arrival (RTP) or as played (a page). */
  timing: "arrival" | "played";
  hearing: Hearing;
  /** Marker send times (wall ms), when known. */
  sent?: number[];
}

export interface PathCount {
  from: string;
  to: string;
  expected: number;
  heard: number;
}

/** A gap between frames longer than this is a break in the stream. */
export const GAP_MS = 3 * FRAME_MS;
/** A member missing from every frame this long is a break (shorter is a glitch). */
export const ABSENT_MS = 200;
/**
 * How long after a sent marker its onset may arrive: under a period, so each onset has
 * one marker it can be, and long enough for a browser's jitter buffer (played latency
 * passed 500 ms on a loaded two-core host).
 */
export const MARKER_WINDOW_MS = 1500;

/** [t0 + settle, end - tail) without the `excluded` intervals (the failover windows...). */
export function spans(
  t0: number,
  end: number,
  excluded: [number, number][],
  settleMs = 2000,
  tailMs = 1000,
): [number, number][] {
  let out: [number, number][] = [[t0 + settleMs, end - tailMs]];
  for (const [from, to] of excluded) {
    out = out.flatMap(([a, b]) =>
      ([[a, Math.min(b, from)], [Math.max(a, to), b]] as [number, number][]).filter(([x, y]) =>
        y > x
      )
    );
  }
  return out;
}

/** How long after a member heard a correct mix again its paths are judged again. */
export const RECOVERED_MARGIN_MS = 1000;

/**
 * A member's failover windows: from each fault `at`, `windowMs` long, or until `s`
 * seconds (the member's failover time) and RECOVERED_MARGIN_MS more when that is later.
 */
export function failoverWindows(
  faults: { at: number; s: number | null }[],
  windowMs: number,
): [number, number][] {
  return faults.map(({ at, s }) => [
    at,
    at + Math.max(windowMs, s === null ? 0 : s * 1000 + RECOVERED_MARGIN_MS),
  ]);
}

/** The spans judged: the same for every member, or each receiver's own. */
export type Judged = [number, number][] | ((to: Heard) => [number, number][]);

const spansAt = (judged: Judged, to: Heard) => typeof judged === "function" ? judged(to) : judged;

const within = (t: number, s: [number, number][]) => s.some(([a, b]) => t >= a && t < b);

/** Every ordered pair of members: markers expected and heard in the receiver's spans. */
export function paths(members: Heard[], judgedAt: Judged, plan: SignalPlan): PathCount[] {
  const out: PathCount[] = [];
  for (const to of members) {
    const judged = spansAt(judgedAt, to);
    for (const from of members) {
      if (from === to) continue;
      const onsets = to.hearing.onsets.filter((o) => o.from === from.member);
      let expected = 0, heard = 0;
      if (from.sent) {
        // Each marker sent well inside a span must be heard.
        for (const s of from.sent) {
          if (!within(s, judged) || !within(s + MARKER_WINDOW_MS, judged)) continue;
          expected++;
          if (onsets.some((o) => o.full >= s - 5 && o.full < s + MARKER_WINDOW_MS)) heard++;
        }
      } else {
        for (const [a, b] of judged) {
          expected += Math.floor((b - a) / plan.periodMs);
          heard += Math.min(
            Math.floor((b - a) / plan.periodMs),
            onsets.filter((o) => o.at >= a && o.at < b).length,
          );
        }
      }
      out.push({ from: from.name, to: to.name, expected, heard });
    }
  }
  return out;
}

/** Onsets of a member's own marker in what it heard (N-1: must be none). */
export function selfHeard(m: Heard): number {
  return m.hearing.onsets.filter((o) => o.from === m.member).length;
}

/**
 * Seconds from the fault at `at` to the first correct mixed frame at member `m` of
 * `members`: after the break the fault caused (a gap in its frames, or another member
 * missing from every frame for ABSENT_MS), the first frame by which every other member
 * has been heard again, each within the last ABSENT_MS. A member missing a frame now and then
 * (its sender starved of CPU, a late packet) neither makes nor delays the break. 0 when
 * the member's frames never broke within `windowMs`; null when they broke and never
 * came back.
 */
export function failoverAt(m: Heard, members: number, at: number, windowMs: number): number | null {
  const want = othersMask(members, m.member);
  // Every frame from just before the fault: [time, the members it carries].
  const frames: [number, number][] = [];
  for (const seg of m.hearing.segments) {
    if (seg.last < at - ABSENT_MS) continue;
    const step = seg.frames > 1 ? (seg.last - seg.at) / (seg.frames - 1) : 0;
    const mask = seg.mask & NOISE ? 0 : seg.mask & want;
    for (let i = 0; i < seg.frames; i++) frames.push([seg.at + i * step, mask]);
  }
  const bits = [...Array(members).keys()].filter((b) => want & (1 << b));
  const seen = new Map(bits.map((b) => [b, at]));
  const back = new Map<number, number>();
  let broke: number | null = null;
  for (let i = 0; i < frames.length; i++) {
    const [t, mask] = frames[i];
    const gap = i > 0 && t - frames[i - 1][0] > GAP_MS;
    if (t < at) {
      for (const b of bits) if (mask & (1 << b)) seen.set(b, t);
      continue;
    }
    if (broke === null) {
      if (gap) broke = Math.max(frames[i - 1][0], at);
      else {
        const missing = bits.filter((b) => t - seen.get(b)! > ABSENT_MS);
        if (missing.length) broke = Math.max(at, Math.min(...missing.map((b) => seen.get(b)!)));
        else if (t > at + windowMs) return 0;
      }
      for (const b of bits) if (mask & (1 << b)) seen.set(b, t);
      if (broke === null) continue;
    }
    // After the break: the first frame by which every other member has been heard again
    // (each within the last ABSENT_MS, none before a gap).
    if (t <= broke) continue;
    if (gap) back.clear();
    for (const b of bits) if (mask & (1 << b)) back.set(b, t);
    if (bits.every((b) => t - (back.get(b) ?? -Infinity) <= ABSENT_MS)) return (t - at) / 1000;
  }
  return broke === null && frames.length && frames[frames.length - 1][0] >= at + windowMs
    ? 0
    : null;
}

/** Latency of each known-time marker at each receiver with the given timing (ms). */
export function latencies(
  members: Heard[],
  judgedAt: Judged,
  timing: Heard["timing"],
): number[] {
  const out: number[] = [];
  for (const from of members) {
    if (!from.sent) continue;
    for (const to of members) {
      if (to === from || to.timing !== timing) continue;
      const judged = spansAt(judgedAt, to);
      const onsets = to.hearing.onsets.filter((o) => o.from === from.member);
      for (const s of from.sent) {
        if (!within(s, judged) || !within(s + MARKER_WINDOW_MS, judged)) continue;
        const hit = onsets.find((o) => o.full >= s - 5 && o.full < s + MARKER_WINDOW_MS);
        // A partial frame that came before the marker left was not its start.
        if (hit) out.push((hit.at >= s - 5 ? hit.at : hit.full) - s);
      }
    }
  }
  return out.sort((a, b) => a - b);
}

/** Frames in `judged` at member `m`, and how many of them were correct. */
export function correctFrames(
  m: Heard,
  members: number,
  judged: [number, number][],
): { frames: number; correct: number } {
  const want = othersMask(members, m.member);
  let frames = 0, correct = 0;
  for (const seg of m.hearing.segments) {
    for (const [a, b] of judged) {
      // Frames of the run inside the span (they are FRAME_MS apart, or nearly).
      const from = Math.max(seg.at, a), to = Math.min(seg.last, b - 1);
      if (to < from) continue;
      const n = Math.min(seg.frames, Math.round((to - from) / FRAME_MS) + 1);
      frames += n;
      if (seg.mask === want) correct += n;
    }
  }
  return { frames, correct };
}

// Real-time scheduling for the calling thread, through native/council_native.c.

import { shim } from "./_shim.ts";

const REASONS: Record<number, string> = {
  1: "not permitted (needs CAP_SYS_NICE or LimitRTPRIO)",
  22: "invalid priority",
};

/**
 * Puts the calling thread (a media worker) on SCHED_RR at `priority` (1-99).
 * Returns null when done, or why not: a refusal is not an error, the thread simply
 * keeps the normal scheduler.
 */
export function realtimeThread(priority: number): string | null {
  if (Deno.build.os !== "linux") return "real-time scheduling is only set up on Linux";
  if (!Number.isInteger(priority) || priority < 1 || priority > 99) return REASONS[22];
  const rc = shim().council_thread_realtime(priority);
  return rc === 0 ? null : REASONS[-rc] ?? `errno ${-rc}`;
}

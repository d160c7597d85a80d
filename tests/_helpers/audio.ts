// Speech fixtures and the signal measures media tests use.

import { tempDir } from "./temp.ts";

export { speech } from "../fixtures/audio/speech.ts";

/**
 * Peak normalised cross-correlation of `signal` against `reference` over lags
 * 0..maxLag (signal delayed relative to the reference), and the lag of the peak.
 */
export function bestCorrelation(
  reference: Int16Array,
  signal: Int16Array,
  maxLag: number,
): { value: number; lag: number } {
  let best = { value: 0, lag: 0 };
  for (let lag = 0; lag <= maxLag; lag++) {
    const n = Math.min(reference.length, signal.length - lag);
    if (n <= 0) break;
    let xy = 0, xx = 0, yy = 0;
    for (let i = 0; i < n; i++) {
      const x = reference[i], y = signal[i + lag];
      xy += x * y;
      xx += x * x;
      yy += y * y;
    }
    const v = xx && yy ? xy / Math.sqrt(xx * yy) : 0;
    if (v > best.value) best = { value: v, lag };
  }
  return best;
}

/** Root mean square of a stretch of PCM. */
export function rms(pcm: Int16Array): number {
  let s = 0;
  for (const x of pcm) s += x * x;
  return pcm.length ? Math.sqrt(s / pcm.length) : 0;
}

/** Compiles a C file in tests/fixtures/c against the given libraries; returns the binary path. */
export async function compileC(source: string, libs: string[]): Promise<string> {
  const src = new URL(`../fixtures/c/${source}`, import.meta.url).pathname;
  const bin = `${tempDir("council-cc-")}/${source.replace(/\.c$/, "")}`;
  const cc = await new Deno.Command("cc", {
    args: ["-O2", "-o", bin, src, ...libs.map((l) => `-l${l}`)],
    stderr: "piped",
  }).output();
  if (cc.code !== 0) throw new Error(`cc ${source}: ${new TextDecoder().decode(cc.stderr)}`);
  return bin;
}

/** Runs a binary with bytes on stdin; returns stdout. */
export async function pipeThrough(
  bin: string,
  args: string[],
  input: Uint8Array,
): Promise<Uint8Array> {
  const child = new Deno.Command(bin, { args, stdin: "piped", stdout: "piped", stderr: "piped" })
    .spawn();
  const writer = child.stdin.getWriter();
  await writer.write(input);
  await writer.close();
  const out = await child.output();
  if (out.code !== 0) throw new Error(`${bin} ${args.join(" ")} exited ${out.code}`);
  return out.stdout;
}

/**
 * Correlation that tolerates the small time shifts an adaptive jitter buffer makes:
 * the reference is cut into windows, each finds its own best lag (0..maxLag) in the
 * signal, and the result is the energy-weighted mean of the windows' peaks.
 * The lag reported is the first window's.
 */
export function windowedCorrelation(
  reference: Int16Array,
  signal: Int16Array,
  window: number,
  maxLag: number,
): { value: number; lag: number; lastLag: number } {
  let weighted = 0, energy = 0, lag = -1, lastLag = -1;
  for (let at = 0; at + window <= reference.length; at += window) {
    const ref = reference.subarray(at, at + window);
    const e = rms(ref) ** 2;
    if (e === 0) continue;
    const best = bestCorrelation(ref, signal.subarray(at), maxLag);
    if (lag < 0) lag = best.lag;
    lastLag = best.lag;
    weighted += best.value * e;
    energy += e;
  }
  return {
    value: energy ? weighted / energy : 0,
    lag: Math.max(0, lag),
    lastLag: Math.max(0, lastLag),
  };
}

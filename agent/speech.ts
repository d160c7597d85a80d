// The SDK's default voice: Debian's espeak-ng renders text to a WAV on stdout, which
// is resampled here to the agent leg's 16 kHz mono PCM (a windowed-sinc filter:
// espeak-ng speaks at 22050 Hz).

import { FRAME_SAMPLES, SAMPLE_RATE } from "./protocol.ts";

export interface VoiceOptions {
  /** The espeak-ng binary (default "espeak-ng", found on PATH). */
  command?: string;
  /** An espeak-ng voice, e.g. "en-us" (default: espeak-ng's own). */
  voice?: string;
  /** Words per minute (espeak-ng's default is 175). */
  speed?: number;
}

/** Reads a RIFF/WAVE file of 16-bit mono PCM (espeak-ng's streamed sizes are ignored). */
export function parseWav(bytes: Uint8Array): { rate: number; pcm: Int16Array } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (bytes.length < 12 || tag(0) !== "RIFF" || tag(8) !== "WAVE") {
    throw new Error("not a WAV file");
  }
  let rate = 0;
  for (let at = 12; at + 8 <= bytes.length;) {
    const id = tag(at);
    const size = view.getUint32(at + 4, true);
    if (id === "fmt ") {
      const format = view.getUint16(at + 8, true);
      const channels = view.getUint16(at + 10, true);
      rate = view.getUint32(at + 12, true);
      const bits = view.getUint16(at + 22, true);
      if (format !== 1 || channels !== 1 || bits !== 16) {
        throw new Error(
          `WAV is not 16-bit mono PCM (format ${format}, ${channels} ch, ${bits} bit)`,
        );
      }
    } else if (id === "data") {
      if (!rate) throw new Error("WAV data before its format");
      const data = bytes.slice(at + 8, at + 8 + Math.min(size, bytes.length - at - 8) & ~1);
      return { rate, pcm: new Int16Array(data.buffer, 0, data.length / 2) };
    }
    at += 8 + size + (size & 1);
  }
  throw new Error("WAV has no data");
}

/** Resamples mono PCM with a Blackman-windowed sinc low-pass (32 taps at the lower rate). */
export function resample(input: Int16Array, from: number, to: number): Int16Array {
  if (from === to) return input.slice();
  const ratio = from / to;
  const cutoff = Math.min(1, to / from) * 0.92;
  const half = Math.ceil(16 * Math.max(1, ratio));
  const out = new Int16Array(Math.floor(input.length / ratio));
  for (let n = 0; n < out.length; n++) {
    const t = n * ratio;
    const centre = Math.floor(t);
    let acc = 0, norm = 0;
    for (let k = centre - half + 1; k <= centre + half; k++) {
      const x = t - k;
      const w = 0.42 + 0.5 * Math.cos((Math.PI * x) / half) +
        0.08 * Math.cos((2 * Math.PI * x) / half);
      const s = x === 0 ? cutoff : Math.sin(Math.PI * cutoff * x) / (Math.PI * x);
      const h = s * w;
      norm += h;
      if (k >= 0 && k < input.length) acc += input[k] * h;
    }
    const v = Math.round(acc / norm);
    out[n] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
  }
  return out;
}

/** Renders `text` with espeak-ng to 16 kHz mono PCM. */
export async function renderSpeech(text: string, o: VoiceOptions = {}): Promise<Int16Array> {
  const args = [
    "--stdout",
    ...(o.voice ? ["-v", o.voice] : []),
    ...(o.speed ? ["-s", String(o.speed)] : []),
    "--",
    text,
  ];
  let out;
  try {
    out = await new Deno.Command(o.command ?? "espeak-ng", {
      args,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (err) {
    throw new Error(
      `say(): cannot run ${o.command ?? "espeak-ng"} (${(err as Error).message}); ` +
        "install Debian's espeak-ng or give voice.command",
    );
  }
  if (out.code !== 0) {
    throw new Error(
      `say(): espeak-ng exited ${out.code}: ${new TextDecoder().decode(out.stderr).trim()}`,
    );
  }
  const { rate, pcm } = parseWav(out.stdout);
  return resample(pcm, rate, SAMPLE_RATE);
}

/** Cuts PCM into 20 ms frames, the last padded with silence. */
export function frames(pcm: Int16Array): Int16Array[] {
  const out: Int16Array[] = [];
  for (let at = 0; at < pcm.length; at += FRAME_SAMPLES) {
    const f = new Int16Array(FRAME_SAMPLES);
    f.set(pcm.subarray(at, at + FRAME_SAMPLES));
    out.push(f);
  }
  return out;
}

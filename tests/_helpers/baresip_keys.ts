// A baresip phone with no account on Council (it never registers) that dials a
// room and keys digits when the test says (each entry waits for its condition, so
// a slow host delays the keys instead of failing the test) through its console (the cons module takes
// keys over UDP; in a call, menu sends each digit with call_send_digit: RFC 4733
// when telephone-event was agreed). Records what it hears (sndfile, 8 kHz).

import { freeUdpPort } from "./sipp.ts";
import { phoneResult, spawnPhone, writePhone } from "./baresip.ts";

export interface KeyedRun {
  code: number;
  log: string;
  heard: Int16Array;
  /** performance.now() when each entry of `keys` was sent (undefined: never). */
  sentAt: (number | undefined)[];
}

export async function runKeyedBaresip(o: {
  sipPort: number;
  user: string;
  display?: string;
  room: string;
  say: Int16Array;
  seconds: number;
  /** Digits to key, one entry after another, each once its `after` resolves. */
  keys: { after: () => Promise<unknown>; keys: string }[];
}): Promise<KeyedRun> {
  const dir = await Deno.makeTempDir({ prefix: "baresip-keys-" });
  const consPort = freeUdpPort();
  try {
    const display = o.display ? `"${o.display}" ` : "";
    await writePhone(
      dir,
      freeUdpPort(),
      o.say,
      ["module cons.so", `cons_listen 127.0.0.1:${consPort}`],
      `${display}<sip:${o.user}@127.0.0.1:${o.sipPort}>;regint=0;audio_codecs=PCMU`,
    );
    const child = spawnPhone(dir, `sip:council-${o.room}@127.0.0.1:${o.sipPort}`, o.seconds);
    const sock = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
    const sentAt: (number | undefined)[] = o.keys.map(() => undefined);
    let exited = false;
    const keying = (async () => {
      for (const [i, { after, keys }] of o.keys.entries()) {
        await after();
        if (exited) return;
        await sock.send(new TextEncoder().encode(keys), {
          transport: "udp",
          hostname: "127.0.0.1",
          port: consPort,
        });
        sentAt[i] = performance.now();
      }
    })();
    const run = phoneResult(child, dir);
    await child.status;
    exited = true;
    // A condition that never came true fails the test with its own error.
    await keying.catch((err) => {
      throw new Error(`keying stopped: ${(err as Error).message}`);
    });
    sock.close();
    return { ...await run, sentAt };
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** Power of `f` Hz in `pcm` (Goertzel), relative to the stretch's total power (0..1). */
export function toneShare(pcm: Int16Array, f: number, rate: number): number {
  if (pcm.length === 0) return 0;
  const k = 2 * Math.cos((2 * Math.PI * f) / rate);
  let s1 = 0, s2 = 0, total = 0;
  for (const x of pcm) {
    const s0 = x + k * s1 - s2;
    s2 = s1;
    s1 = s0;
    total += x * x;
  }
  const power = s1 * s1 + s2 * s2 - k * s1 * s2;
  return total ? (2 * power) / (pcm.length * total) : 0;
}

/** A sine of `f` Hz, `seconds` long, at `rate`, amplitude `amp`. */
export function tone(f: number, seconds: number, rate = 8000, amp = 8000): Int16Array {
  const pcm = new Int16Array(Math.round(seconds * rate));
  for (let i = 0; i < pcm.length; i++) {
    pcm[i] = Math.round(amp * Math.sin(2 * Math.PI * f * i / rate));
  }
  return pcm;
}

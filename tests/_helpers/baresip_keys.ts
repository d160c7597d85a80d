// A baresip phone with no account on Council (it never registers) that dials a
// room and keys digits when the test says (each entry waits for its condition, so
// a slow host delays the keys instead of failing the test) through its console (the cons module takes
// keys over UDP; in a call, menu sends each digit with call_send_digit: RFC 4733
// when telephone-event was agreed). Records what it hears (sndfile, 8 kHz).

import { freeUdpPort } from "./sipp.ts";
import { readWavPcm, writeWav } from "./baresip.ts";

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
    await writeWav(`${dir}/in.wav`, o.say, 8000);
    await Deno.writeTextFile(
      `${dir}/config`,
      [
        "poll_method poll",
        `sip_listen 127.0.0.1:${freeUdpPort()}`,
        `audio_source aufile,${dir}/in.wav`,
        "audio_player aubridge,nowhere",
        "audio_alert aufile,/dev/null",
        "audio_srate 8000",
        "audio_channels 1",
        "module_path /usr/lib/baresip/modules",
        "module g711.so",
        "module aufile.so",
        "module aubridge.so",
        "module sndfile.so",
        "module cons.so",
        `cons_listen 127.0.0.1:${consPort}`,
        `snd_path ${dir}`,
        "module_app account.so",
        "module_app menu.so",
        "net_interface 127.0.0.1",
        "",
      ].join("\n"),
    );
    const display = o.display ? `"${o.display}" ` : "";
    await Deno.writeTextFile(
      `${dir}/accounts`,
      `${display}<sip:${o.user}@127.0.0.1:${o.sipPort}>;regint=0;audio_codecs=PCMU\n`,
    );
    const child = new Deno.Command("baresip", {
      args: [
        "-f",
        dir,
        "-e",
        `/dial sip:council-${o.room}@127.0.0.1:${o.sipPort}`,
        "-t",
        String(o.seconds),
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
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
    const out = await child.output();
    exited = true;
    // A condition that never came true fails the test with its own error.
    await keying.catch((err) => {
      throw new Error(`keying stopped: ${(err as Error).message}`);
    });
    sock.close();
    const dump = [...Deno.readDirSync(dir)].find((e) => e.name.endsWith("-dec.wav"));
    return {
      code: out.code,
      log: new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr),
      heard: dump ? readWavPcm(await Deno.readFile(`${dir}/${dump.name}`)) : new Int16Array(0),
      sentAt,
    };
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

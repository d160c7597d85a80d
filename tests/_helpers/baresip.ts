// A headless baresip (Debian's baresip-core) as a SIP phone: registers an account,
// dials, sends a WAV file as its microphone and records what it hears (sndfile).

import { freeUdpPort } from "./sipp.ts";

export interface BaresipRun {
  code: number;
  log: string;
  /** What the phone heard (decoded, 8 kHz mono), from sndfile's -dec dump. */
  heard: Int16Array;
}

export async function writeWav(path: string, pcm: Int16Array, rate: number): Promise<void> {
  const h = new DataView(new ArrayBuffer(44));
  const w = (o: number, s: string) => [...s].forEach((c, i) => h.setUint8(o + i, c.charCodeAt(0)));
  w(0, "RIFF");
  h.setUint32(4, 36 + pcm.byteLength, true);
  w(8, "WAVEfmt ");
  h.setUint32(16, 16, true);
  h.setUint16(20, 1, true);
  h.setUint16(22, 1, true);
  h.setUint32(24, rate, true);
  h.setUint32(28, rate * 2, true);
  h.setUint16(32, 2, true);
  h.setUint16(34, 16, true);
  w(36, "data");
  h.setUint32(40, pcm.byteLength, true);
  const out = new Uint8Array(44 + pcm.byteLength);
  out.set(new Uint8Array(h.buffer));
  out.set(new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength), 44);
  await Deno.writeFile(path, out);
}

/** The PCM of a WAV file's data chunk (16-bit mono, as baresip's sndfile writes). */
export function readWavPcm(bytes: Uint8Array): Int16Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 12;
  while (at + 8 <= bytes.length) {
    const id = new TextDecoder().decode(bytes.subarray(at, at + 4));
    const size = view.getUint32(at + 4, true);
    if (id === "data") {
      const n = Math.min(size, bytes.length - at - 8) >> 1;
      return new Int16Array(bytes.slice(at + 8, at + 8 + n * 2).buffer);
    }
    at += 8 + size;
  }
  return new Int16Array(0);
}

/**
 * Runs one phone: register user/password with Council, then dial a room (or any
 * user part, `dial`) or wait to be called (`answer`, auto-answer); talk, record.
 */
export async function runBaresip(o: {
  sipPort: number;
  user: string;
  password: string;
  room?: string;
  /** The user part to dial instead of council-<room>. */
  dial?: string;
  /** Answer incoming calls at once instead of dialling. */
  answer?: boolean;
  /** 8 kHz mono microphone signal. */
  say: Int16Array;
  seconds: number;
  delayMs?: number;
  /** SIP over TLS to this port, trusting this PEM certificate (Council's). */
  tls?: { port: number; ca: string };
  /** baresip's mediaenc: "srtp-mand" offers RTP/SAVP with SDES and refuses plain RTP. */
  mediaenc?: "srtp" | "srtp-mand";
}): Promise<BaresipRun> {
  const dir = await Deno.makeTempDir({ prefix: "baresip-" });
  try {
    const localPort = freeUdpPort();
    await writeWav(`${dir}/in.wav`, o.say, 8000);
    if (o.tls) await Deno.writeTextFile(`${dir}/ca.pem`, o.tls.ca);
    const port = o.tls ? o.tls.port : o.sipPort;
    const transport = o.tls ? ";transport=tls" : "";
    await Deno.writeTextFile(
      `${dir}/config`,
      [
        "poll_method poll",
        `sip_listen 127.0.0.1:${localPort}`,
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
        ...(o.mediaenc ? ["module srtp.so"] : []),
        ...(o.tls ? [`sip_cafile ${dir}/ca.pem`] : []),
        `snd_path ${dir}`,
        "module_app account.so",
        "module_app menu.so",
        "net_interface 127.0.0.1",
        "",
      ].join("\n"),
    );
    await Deno.writeTextFile(
      `${dir}/accounts`,
      `<sip:${o.user}@127.0.0.1:${port}${transport}>;auth_pass=${o.password};regint=60;` +
        `audio_codecs=PCMU${o.answer ? ";answermode=auto" : ""}` +
        `${o.mediaenc ? `;mediaenc=${o.mediaenc}` : ""}\n`,
    );
    if (o.delayMs) await new Promise((r) => setTimeout(r, o.delayMs));
    const out = await new Deno.Command("baresip", {
      args: [
        "-f",
        dir,
        ...(o.answer ? [] : [
          "-e",
          `/dial sip:${o.dial ?? `council-${o.room}`}@127.0.0.1:${port}${transport}`,
        ]),
        "-t",
        String(o.seconds),
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const dump = [...Deno.readDirSync(dir)].find((e) => e.name.endsWith("-dec.wav"));
    return {
      code: out.code,
      log: new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr),
      heard: dump ? readWavPcm(await Deno.readFile(`${dir}/${dump.name}`)) : new Int16Array(0),
    };
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

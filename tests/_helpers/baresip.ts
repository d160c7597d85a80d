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

export interface BaresipOptions {
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
  /** The codec offered (PCMU when absent). */
  codec?: "PCMU" | "PCMA";
  /** The phone's own SIP port (a free one when absent). */
  sipListen?: number;
  /** The range its RTP port is taken from (rtp_ports), e.g. to capture its media. */
  rtpPorts?: [number, number];
}

/**
 * Writes a phone's files in `dir`: `say` as its microphone (aufile), what it decodes
 * recorded (sndfile), G.711, on 127.0.0.1 at SIP port `sipListen`, with `extra` config
 * lines, and one account line.
 */
export async function writePhone(
  dir: string,
  sipListen: number,
  say: Int16Array,
  extra: string[],
  account: string,
): Promise<void> {
  await writeWav(`${dir}/in.wav`, say, 8000);
  await Deno.writeTextFile(
    `${dir}/config`,
    [
      "poll_method poll",
      `sip_listen 127.0.0.1:${sipListen}`,
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
      ...extra,
      `snd_path ${dir}`,
      "module_app account.so",
      "module_app menu.so",
      "net_interface 127.0.0.1",
      "",
    ].join("\n"),
  );
  await Deno.writeTextFile(`${dir}/accounts`, `${account}\n`);
}

/** Starts baresip on the files in `dir`, dialling `dial` if given, quitting after `seconds`. */
export function spawnPhone(
  dir: string,
  dial: string | undefined,
  seconds: number,
): Deno.ChildProcess {
  return new Deno.Command("baresip", {
    args: ["-f", dir, ...(dial ? ["-e", `/dial ${dial}`] : []), "-t", String(seconds)],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** Waits for a phone to quit: its exit code, its log and what it recorded. */
export async function phoneResult(child: Deno.ChildProcess, dir: string): Promise<BaresipRun> {
  const out = await child.output();
  const dump = [...Deno.readDirSync(dir)].find((e) => e.name.endsWith("-dec.wav"));
  return {
    code: out.code,
    log: new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr),
    heard: dump ? readWavPcm(await Deno.readFile(`${dir}/${dump.name}`)) : new Int16Array(0),
  };
}

/** A phone running in the background: its SIP port, and what it heard once it quits. */
export interface BaresipPhone {
  readonly sipListen: number;
  readonly done: Promise<BaresipRun>;
  /** Quits now (SIGTERM: baresip hangs up its calls, then exits). */
  stop(): void;
}

/**
 * Starts one phone: register user/password with Council, then dial a room (or any
 * user part, `dial`) or wait to be called (`answer`, auto-answer); talk, record;
 * it quits (hanging up) after `seconds`.
 */
export async function startBaresip(o: BaresipOptions): Promise<BaresipPhone> {
  const dir = await Deno.makeTempDir({ prefix: "baresip-" });
  const localPort = o.sipListen ?? freeUdpPort();
  let child: Deno.ChildProcess;
  try {
    if (o.tls) await Deno.writeTextFile(`${dir}/ca.pem`, o.tls.ca);
    const port = o.tls ? o.tls.port : o.sipPort;
    const transport = o.tls ? ";transport=tls" : "";
    await writePhone(
      dir,
      localPort,
      o.say,
      [
        ...(o.rtpPorts ? [`rtp_ports ${o.rtpPorts[0]}-${o.rtpPorts[1]}`] : []),
        ...(o.mediaenc ? ["module srtp.so"] : []),
        ...(o.tls ? [`sip_cafile ${dir}/ca.pem`] : []),
      ],
      `<sip:${o.user}@127.0.0.1:${port}${transport}>;auth_pass=${o.password};regint=60;` +
        `audio_codecs=${o.codec ?? "PCMU"}${o.answer ? ";answermode=auto" : ""}` +
        `${o.mediaenc ? `;mediaenc=${o.mediaenc}` : ""}`,
    );
    child = spawnPhone(
      dir,
      o.answer ? undefined : `sip:${o.dial ?? `council-${o.room}`}@127.0.0.1:${port}${transport}`,
      o.seconds,
    );
  } catch (err) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw err;
  }
  const done = (async () => {
    try {
      return await phoneResult(child, dir);
    } finally {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  })();
  return {
    sipListen: localPort,
    done,
    stop() {
      try {
        child.kill("SIGTERM");
      } catch { /* gone */ }
    },
  };
}

/** Runs one phone to the end (startBaresip, after `delayMs`). */
export async function runBaresip(o: BaresipOptions): Promise<BaresipRun> {
  if (o.delayMs) await new Promise((r) => setTimeout(r, o.delayMs));
  return await (await startBaresip(o)).done;
}

// A candidate's confined process: `deno run` allowed one loopback port (the wire tap)
// and reading its own package and the agent SDK, nothing else; its V8 heap capped,
// and a watchdog on its resident memory, CPU time and wall time that kills it when it
// goes over. Deno's permission audit (DENO_AUDIT_PERMISSIONS) records every access it
// attempted, so what it tried and was refused is reported, not just prevented.

import { fromBase64, toBase64 } from "../witness/base64.ts";
import { encodeOpus } from "../agent/opus.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const ENTRY = `${ROOT}talent/sandbox_entry.ts`;
export const SDK_DIR = `${ROOT}agent`;

export interface Limits {
  /** Resident memory, MB (watchdog). */
  rssMb: number;
  /** V8 old-space cap, MB (--max-old-space-size). */
  heapMb: number;
  /** CPU seconds over the process's life. */
  cpuSeconds: number;
  /** Wall seconds before it is killed. */
  wallSeconds: number;
}

export const DEFAULT_LIMITS: Limits = { rssMb: 384, heapMb: 128, cpuSeconds: 60, wallSeconds: 180 };

export interface HarnessEvent {
  t: number;
  ev: string;
  [k: string]: unknown;
}

export interface StartOptions {
  packageDir: string;
  entry: string;
  /** Council's HTTP base as the agent is to dial it. */
  url: string;
  /** What --allow-net grants: "host:port" entries, or a bare host for all its ports. */
  net: string[];
  guardianId: string;
  secretKey: Uint8Array;
  room: string;
  callType: "ROUTINE" | "ESCALATE" | "EMERGENCY";
  codecs: ("L16" | "opus")[];
  limits: Limits;
  /** Scratch directory for the audit file. */
  scratch: string;
  /** Renders say() text as 16 kHz PCM (the runner may run espeak-ng; the candidate may not). */
  speak?: (text: string) => Promise<Int16Array>;
}

const TICKS_PER_S = 100;
const MAX_LOG_LINES = 200;
const MAX_SAYS = 100;
/** A minute of 16 kHz PCM: the most a candidate may have encoded at once. */
const MAX_ENCODE_BYTES = 60 * 16000 * 2;

/** Resident set (kB) and CPU ticks of a process, from /proc; undefined once it is gone. */
function usage(pid: number): { rssKb: number; ticks: number } | undefined {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return {
      rssKb: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0),
      ticks: Number(fields[11]) + Number(fields[12]),
    };
  } catch {
    return undefined;
  }
}

export class CandidateProcess {
  readonly events: HarnessEvent[] = [];
  readonly log: string[] = [];
  peakRssMb = 0;
  cpuSeconds = 0;
  /** Why the watchdog killed it, if it did. */
  killedFor?: string;
  readonly started = performance.now();
  readonly exited: Promise<number>;
  #child: Deno.ChildProcess;
  #token = toBase64(crypto.getRandomValues(new Uint8Array(12)));
  #watch: ReturnType<typeof setInterval>;
  #waiters = new Set<() => void>();
  #says = 0;
  #outputBytes = 0;
  readonly auditFile: string;

  constructor(private readonly o: StartOptions) {
    this.auditFile = `${o.scratch}/audit-${crypto.randomUUID()}.jsonl`;
    const env: Record<string, string> = { NO_COLOR: "1", DENO_AUDIT_PERMISSIONS: this.auditFile };
    for (const name of ["PATH", "HOME", "DENO_DIR"]) {
      const v = Deno.env.get(name);
      if (v !== undefined) env[name] = v;
    }
    this.#child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--no-prompt",
        `--config=${ROOT}deno.json`,
        "--cached-only",
        // The lock file is Council's: a candidate's run reads it, never writes it.
        "--frozen",
        `--allow-net=${o.net.join(",")}`,
        `--allow-read=${o.packageDir},${SDK_DIR}`,
        `--v8-flags=--max-old-space-size=${o.limits.heapMb}`,
        ENTRY,
      ],
      env,
      clearEnv: true,
      cwd: o.packageDir,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const orders = {
      token: this.#token,
      url: o.url,
      guardianId: o.guardianId,
      secretKey: toBase64(o.secretKey),
      room: o.room,
      callType: o.callType,
      codecs: o.codecs,
      entry: new URL(o.entry, `file://${o.packageDir}/`).href,
    };
    this.#stdin = this.#child.stdin.getWriter();
    this.#write(JSON.stringify(orders));
    this.#readLines(this.#child.stdout, true);
    this.#readLines(this.#child.stderr, false);
    this.#watch = setInterval(() => this.#check(), 200);
    this.exited = this.#child.status.then((s) => {
      clearInterval(this.#watch);
      this.#note({ ev: "exit", code: s.code, signal: s.signal });
      return s.code;
    });
  }

  #stdin: WritableStreamDefaultWriter<Uint8Array>;

  #write(line: string): void {
    this.#stdin.write(new TextEncoder().encode(`${line}\n`)).catch(() => {});
  }

  get pid(): number {
    return this.#child.pid;
  }

  #note(e: Record<string, unknown>): void {
    this.events.push({ t: performance.now(), ev: String(e.ev), ...e });
    if (this.events.length > 1000) this.events.splice(0, 1);
    for (const w of this.#waiters) w();
  }

  async #readLines(stream: ReadableStream<Uint8Array>, harness: boolean): Promise<void> {
    let buffered = "";
    const decoder = new TextDecoder();
    try {
      for await (const chunk of stream) {
        this.#outputBytes += chunk.byteLength;
        buffered += decoder.decode(chunk, { stream: true });
        if (buffered.length > 64 * 1024 && !buffered.includes("\n")) {
          buffered = buffered.slice(-1024);
        }
        for (let nl = buffered.indexOf("\n"); nl >= 0; nl = buffered.indexOf("\n")) {
          const line = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          if (harness && line.startsWith(`${this.#token} `)) this.#harness(line);
          else {
            this.log.push(line.slice(0, 300));
            if (this.log.length > MAX_LOG_LINES) this.log.shift();
          }
        }
      }
    } catch { /* the process is gone */ }
  }

  #harness(line: string): void {
    let e: Record<string, unknown>;
    try {
      e = JSON.parse(line.slice(this.#token.length + 1));
    } catch {
      return;
    }
    this.#note(e);
    if (e.ev === "say" && typeof e.id === "number") this.#speak(e.id, String(e.text ?? ""));
    if (e.ev === "encode" && typeof e.id === "number" && typeof e.pcm === "string") {
      this.#encode(e.id, e.pcm);
    }
  }

  /** PCM to Opus for a candidate that joined with Opus (it may not run ffmpeg itself). */
  async #encode(id: number, pcmB64: string): Promise<void> {
    let packets: Uint8Array[] = [];
    const bytes = fromBase64(pcmB64);
    // Bounded as speech is: so many requests, a minute of audio each.
    if (bytes && bytes.length <= MAX_ENCODE_BYTES && ++this.#says <= MAX_SAYS) {
      const pcm = new Int16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 1);
      packets = await encodeOpus(pcm).catch(() => []);
    }
    this.#write(JSON.stringify({ encoded: id, packets: packets.map(toBase64) }));
  }

  async #speak(id: number, text: string): Promise<void> {
    let pcm: Int16Array = new Int16Array(0);
    if (this.o.speak && ++this.#says <= MAX_SAYS) {
      pcm = await this.o.speak(text).catch(() => new Int16Array(0));
    }
    this.#write(JSON.stringify({
      say: id,
      pcm: toBase64(new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength)),
    }));
  }

  #check(): void {
    const u = usage(this.#child.pid);
    if (!u) return;
    this.peakRssMb = Math.max(this.peakRssMb, u.rssKb / 1024);
    this.cpuSeconds = u.ticks / TICKS_PER_S;
    const wall = (performance.now() - this.started) / 1000;
    const l = this.o.limits;
    if (this.peakRssMb > l.rssMb) {
      this.kill(`resident memory ${Math.round(this.peakRssMb)} MB > ${l.rssMb} MB`);
    } else if (this.cpuSeconds > l.cpuSeconds) {
      this.kill(`CPU ${this.cpuSeconds} s > ${l.cpuSeconds} s`);
    } else if (wall > l.wallSeconds) this.kill(`still running after ${l.wallSeconds} s`);
    else if (this.#outputBytes > 8 * 1024 * 1024) this.kill("more than 8 MiB of output");
  }

  kill(why: string): void {
    if (this.killedFor) return;
    this.killedFor = why;
    this.#note({ ev: "killed", why });
    try {
      this.#child.kill("SIGKILL");
    } catch { /* gone */ }
  }

  /** The first harness event named `ev` (after `since`), or undefined after `ms`. */
  waitFor(ev: string | string[], ms: number, since = 0): Promise<HarnessEvent | undefined> {
    const names = Array.isArray(ev) ? ev : [ev];
    const find = () => this.events.find((e) => e.t >= since && names.includes(e.ev));
    return new Promise((resolve) => {
      const done = (v: HarnessEvent | undefined) => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve(v);
      };
      const check = () => {
        const hit = find();
        if (hit) done(hit);
      };
      const timer = setTimeout(() => done(find()), ms);
      this.#waiters.add(check);
      check();
    });
  }

  /** SIGTERM, then SIGKILL after `graceMs`; the exit code and whether it had to be killed. */
  async stop(graceMs = 5000): Promise<{ code: number; killed: boolean; ms: number }> {
    const t0 = performance.now();
    try {
      this.#child.kill("SIGTERM");
    } catch { /* gone */ }
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      this.kill(`did not exit within ${graceMs} ms of SIGTERM`);
    }, graceMs);
    const code = await this.exited;
    clearTimeout(timer);
    await this.#stdin.close().catch(() => {});
    return { code, killed, ms: performance.now() - t0 };
  }

  /** What it tried beyond its grant, from Deno's permission audit and the harness. */
  async violations(): Promise<string[]> {
    const out = new Set<string>();
    const allowedRead = [this.o.packageDir, SDK_DIR];
    const allowedNet = this.o.net;
    let text = "";
    try {
      text = await Deno.readTextFile(this.auditFile);
    } catch { /* nothing audited */ }
    for (const line of text.split("\n").slice(0, 100_000)) {
      if (!line) continue;
      let a: { permission?: string; value?: string | null };
      try {
        a = JSON.parse(line);
      } catch {
        continue;
      }
      const v = String(a.value ?? "");
      if (a.permission === "read" && allowedRead.some((d) => v === d || v.startsWith(`${d}/`))) {
        continue;
      }
      if (a.permission === "net") {
        const host = /^[a-z]+:\/\//.test(v) ? new URL(v).host : v;
        const hostname = host.replace(/:\d+$/, "");
        if (allowedNet.includes(host) || allowedNet.includes(hostname)) continue;
      }
      out.add(`${a.permission} ${v}`.slice(0, 200));
    }
    for (const e of this.events) {
      if (e.ev === "denied") out.add(`denied: ${e.message}`.slice(0, 200));
    }
    return [...out].slice(0, 50);
  }
}

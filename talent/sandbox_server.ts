// The sandbox's own Council: a real server (main.ts) on 127.0.0.1 with a scratch
// store, started by the runner for one candidate and restarted on the same port for
// the restart check. Nothing of the operator's server is shared with it.

const ROOT = new URL("../", import.meta.url).pathname;
const decoder = new TextDecoder();

export interface SandboxServerOptions {
  /** Scratch directory: the server's KV lives here across restarts. */
  dir: string;
  token: string;
  /** Fixed HTTP port, so a restart keeps it (0: any, then kept). */
  port?: number;
  readyTimeoutMs?: number;
}

/** A free loopback TCP port (closed again; the caller binds it next). */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = l.addr as Deno.NetAddr;
  l.close();
  return port;
}

export class SandboxServer {
  #child?: Deno.ChildProcess;
  readonly port: number;
  /** Its last log lines, for reports when it fails to start. */
  readonly tail: string[] = [];

  constructor(private readonly o: SandboxServerOptions) {
    this.port = o.port || freePort();
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const env: Record<string, string> = {
      NO_COLOR: "1",
      COUNCIL_HTTP_HOST: "127.0.0.1",
      COUNCIL_HTTP_PORT: String(this.port),
      COUNCIL_SIP_HOST: "127.0.0.1",
      COUNCIL_SIP_PORT: "0",
      COUNCIL_SIP_TLS_PORT: "0",
      COUNCIL_H323_RAS_PORT: "0",
      COUNCIL_H323_CALL_SIGNAL_PORT: "0",
      COUNCIL_MEDIA_WORKERS: "1",
      COUNCIL_WEBRTC_WORKERS: "1",
      COUNCIL_KV_PATH: `${this.o.dir}/council.kv`,
      COUNCIL_API_OPERATOR_TOKEN: this.o.token,
    };
    for (const name of ["PATH", "HOME", "DENO_DIR", "TMPDIR", "MEDIASOUP_WORKER_BIN"]) {
      const v = Deno.env.get(name);
      if (v !== undefined) env[name] = v;
    }
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `--config=${ROOT}deno.json`, `${ROOT}main.ts`],
      env,
      clearEnv: true,
      cwd: this.o.dir,
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    this.#child = child;
    const ready = this.#read(child);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`sandbox server not ready: ${this.tail.slice(-5).join(" | ")}`)),
        this.o.readyTimeoutMs ?? 30_000,
      );
    });
    const died = child.status.then((s) => {
      throw new Error(`sandbox server exited ${s.code}: ${this.tail.slice(-5).join(" | ")}`);
    });
    try {
      await Promise.race([ready, late, died]);
    } catch (err) {
      await this.stop("SIGKILL");
      throw err;
    } finally {
      clearTimeout(timer);
      died.catch(() => {});
    }
  }

  /** Resolves at "council ready"; keeps the last lines of its log. */
  #read(child: Deno.ChildProcess): Promise<void> {
    return new Promise((resolve) => {
      (async () => {
        let buffered = "";
        for await (const chunk of child.stderr) {
          buffered += decoder.decode(chunk, { stream: true });
          for (let nl = buffered.indexOf("\n"); nl >= 0; nl = buffered.indexOf("\n")) {
            const line = buffered.slice(0, nl);
            buffered = buffered.slice(nl + 1);
            this.tail.push(line.slice(0, 400));
            if (this.tail.length > 50) this.tail.shift();
            if (line.includes('"council ready"')) resolve();
          }
        }
      })().catch(() => {});
    });
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async stop(signal: Deno.Signal = "SIGTERM"): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#child = undefined;
    try {
      child.kill(signal);
    } catch { /* gone */ }
    const timer = setTimeout(() => {
      try {
        child.kill("SIGKILL");
      } catch { /* gone */ }
    }, 10_000);
    await child.status;
    clearTimeout(timer);
  }

  /** An operator API call; throws with the answer on a status outside 2xx. */
  async api<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.o.token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
    return (text ? JSON.parse(text) : {}) as T;
  }
}

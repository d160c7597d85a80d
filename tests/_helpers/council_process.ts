// Starts the real server as a child process (as an operator would) and reads its
// structured log, so integration tests see exactly what a user sees.

const ROOT = new URL("../../", import.meta.url).pathname;
const decoder = new TextDecoder();

export interface CouncilProcess {
  readonly child: Deno.ChildProcess;
  /** Base URL from the "council ready" log line. */
  readonly url: string;
  /** SIP port (UDP and TCP) on 127.0.0.1, from the same line. */
  readonly sipPort: number;
  /** SIP over TLS port, when TLS listens (sip.tls on). */
  readonly sipTlsPort: number;
  /** H.323 RAS port (UDP) on 127.0.0.1. */
  readonly rasPort: number;
  readonly callSignalPort: number;
  /** Every stderr line seen so far (JSON log lines and plain errors). */
  readonly lines: string[];
  /** Sends a signal and waits for exit; returns the exit code. */
  stop(signal?: Deno.Signal): Promise<number>;
}

/** Environment for a child: only what Deno needs plus the given COUNCIL_* values. */
export function childEnv(extra: Record<string, string>): Record<string, string> {
  const keep = ["PATH", "HOME", "DENO_DIR", "TMPDIR"];
  const env: Record<string, string> = {};
  for (const name of keep) {
    const value = Deno.env.get(name);
    if (value !== undefined) env[name] = value;
  }
  return { ...env, NO_COLOR: "1", ...extra };
}

/** Runs `deno run -A <script> args` to completion and returns code, stdout, stderr. */
export async function runDeno(
  script: string,
  args: string[],
  env: Record<string, string>,
  cwd = ROOT,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}${script}`, ...args],
    env: childEnv(env),
    clearEnv: true,
    cwd,
    stdin: "null",
  }).output();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

/** The CLI against a running server with the operator token (no local database). */
export function cliFor(
  url: string,
  token: string,
): (...args: string[]) => Promise<{ code: number; stdout: string; stderr: string }> {
  return (...args) =>
    runDeno("cli/main.ts", [...args, "--url", url, "--token", token], {
      COUNCIL_KV_PATH: ":memory:",
    });
}

export async function startCouncilProcess(
  env: Record<string, string>,
  opts: {
    timeoutMs?: number;
    cwd?: string;
    withoutDefaults?: boolean;
    /** The server's command line; default `deno run -A main.ts` from the checkout. */
    command?: readonly string[];
  } = {},
): Promise<CouncilProcess> {
  const [program, ...args] = opts.command ?? [Deno.execPath(), "run", "-A", `${ROOT}main.ts`];
  const child = new Deno.Command(program, {
    args,
    // Tests get a free port and a throwaway KV unless they ask for the real defaults.
    env: childEnv(
      opts.withoutDefaults ? {} : {
        COUNCIL_HTTP_PORT: "0",
        COUNCIL_SIP_PORT: "0",
        COUNCIL_SIP_TLS_PORT: "0",
        COUNCIL_H323_RAS_PORT: "0",
        COUNCIL_H323_CALL_SIGNAL_PORT: "0",
        COUNCIL_KV_PATH: ":memory:",
        ...env,
      },
    ),
    clearEnv: true,
    cwd: opts.cwd ?? ROOT,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();

  const lines: string[] = [];
  let sipPort = 0;
  let sipTlsPort = 0;
  let rasPort = 0;
  let callSignalPort = 0;
  let resolveUrl!: (url: string) => void;
  const urlPromise = new Promise<string>((resolve) => (resolveUrl = resolve));
  const pump = (async () => {
    let buffered = "";
    for await (const chunk of child.stderr) {
      buffered += decoder.decode(chunk, { stream: true });
      let nl;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        lines.push(line);
        try {
          const rec = JSON.parse(line);
          if (rec.msg === "council ready") {
            sipPort = Number(/:(\d+)/.exec(rec.sip ?? "")?.[1] ?? 0);
            sipTlsPort = Number(/:(\d+)$/.exec(rec.sipTls ?? "")?.[1] ?? 0);
            rasPort = Number(/:(\d+)$/.exec(rec.h323Ras ?? "")?.[1] ?? 0);
            callSignalPort = Number(/:(\d+)$/.exec(rec.h323CallSignal ?? "")?.[1] ?? 0);
            resolveUrl(rec.http);
          }
        } catch { /* plain text line */ }
      }
    }
  })();

  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`server not ready in time; stderr:\n${lines.join("\n")}`)),
      opts.timeoutMs ?? 20_000,
    );
  });
  const exitedEarly = child.status.then((s) => {
    throw new Error(`server exited with ${s.code} before ready; stderr:\n${lines.join("\n")}`);
  });
  let url: string;
  try {
    url = await Promise.race([urlPromise, timedOut, exitedEarly]);
  } catch (err) {
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
    await child.status;
    await pump;
    throw err;
  } finally {
    clearTimeout(timer);
  }
  exitedEarly.catch(() => {});

  return {
    child,
    url,
    sipPort,
    sipTlsPort,
    rasPort,
    callSignalPort,
    lines,
    async stop(signal = "SIGTERM") {
      try {
        child.kill(signal);
      } catch { /* already gone */ }
      const status = await child.status;
      await pump;
      return status.code;
    },
  };
}

/** Parsed JSON log records among the lines. */
export function logRecords(lines: string[]): Array<Record<string, unknown>> {
  return lines.flatMap((line) => {
    try {
      return [JSON.parse(line)];
    } catch {
      return [];
    }
  });
}

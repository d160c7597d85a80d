// `council health`: is the server up (/healthz) and ready (/readyz), and if not,
// which subsystem is not and why. No token needed; for scripts, the exit code.

import { OPERATOR_FLAGS, serverUrl } from "./_api.ts";
import { type Command, parseFlags, UsageError } from "./_command.ts";

const HELP = `council health [options]

  Asks the server's /healthz and /readyz and prints its version, uptime, state and
  each subsystem ("ready", or "not ready: <reason>").

options:
  --url URL      server (default from config: http://<http.host>:<http.port>)
  --config FILE  the server's config file (default: $COUNCIL_CONFIG, else ./council.json)
  --json         the two answers as one JSON object {healthz, readyz}

exit codes: 0 ready, 1 not ready or not reachable, 2 usage error`;

interface Readiness {
  status: string;
  ready: boolean;
  state: string;
  subsystems: Record<string, string>;
}

export const healthCommand: Command = {
  name: "health",
  summary: "is the server up and ready, and which subsystem is not",
  help: HELP,
  async run(args): Promise<number> {
    const { url: u, config, json } = OPERATOR_FLAGS;
    const { values, positionals } = parseFlags(args, { url: u, config, json }, true);
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    if (positionals.length) throw new UsageError("health takes no arguments");
    const url = serverUrl(values.url, values.config);
    let live: { status: string; version: string; uptimeSeconds: number };
    let ready: Readiness;
    try {
      live = await (await fetch(`${url}/healthz`)).json();
      // 503 while not ready: the body still names each subsystem.
      ready = await (await fetch(`${url}/readyz`)).json();
    } catch (err) {
      const cause = (err as { cause?: Error }).cause?.message ?? (err as Error).message;
      console.error(`council health: cannot reach ${url}: ${cause}`);
      return 1;
    }
    if (values.json) console.log(JSON.stringify({ healthz: live, readyz: ready }));
    else {
      console.log(
        `${url}: council ${live.version}, up ${live.uptimeSeconds} s, ${ready.state}, ${ready.status}`,
      );
      const width = Math.max(0, ...Object.keys(ready.subsystems).map((n) => n.length));
      for (const [name, state] of Object.entries(ready.subsystems)) {
        console.log(`  ${name.padEnd(width)}  ${state}`);
      }
    }
    return ready.ready ? 0 : 1;
  },
};

import { serve } from "../main.ts";
import { type Command, parseFlags } from "./_command.ts";

export const serveCommand: Command = {
  name: "serve",
  summary: "run the Council server until SIGINT/SIGTERM",
  help: `council serve [--config FILE]

Runs the server: HTTP API, /healthz, /readyz and /metrics on http.host:http.port
(127.0.0.1:8080 by default). Configuration: embedded defaults, then FILE (or
$COUNCIL_CONFIG, or ./council.json when present), then COUNCIL_* variables.
See docs/configuration.md.

Exit codes: 0 clean shutdown, 1 failure or shutdown timeout, 2 bad configuration,
port in use or unusable KV path.`,
  async run(args) {
    const { values } = parseFlags(args, { config: { type: "string", short: "c" } });
    if (values.help) return console.log(this.help), 0;
    return await serve({ configPath: values.config });
  },
};

import { ConfigError, envName, KEYS, loadConfig } from "../config/mod.ts";
import { type Command, parseFlags } from "./_command.ts";

export const configCommand: Command = {
  name: "config",
  summary: "print the effective configuration and where each value came from",
  help: `council config [--config FILE] [--json]

Loads configuration exactly as 'council serve' would and prints every key, its
value, its source (default, file:PATH or env:NAME) and its environment variable.
Exits 2 with one line naming the key when the configuration is invalid.`,
  run(args) {
    const { values } = parseFlags(args, {
      config: { type: "string", short: "c" },
      json: { type: "boolean" },
    });
    if (values.help) return Promise.resolve((console.log(this.help), 0));
    let loaded;
    try {
      loaded = loadConfig({ configPath: values.config });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      console.error(`council: ${err.message}`);
      return Promise.resolve(2);
    }
    const rows = KEYS.map((key) => ({
      key: key.path,
      value: key.path.split(".").reduce<unknown>(
        (node, part) => (node as Record<string, unknown>)[part],
        loaded.config,
      ),
      source: loaded.sources[key.path],
      env: envName(key.path),
    }));
    if (values.json) {
      console.log(JSON.stringify({ config: loaded.config, sources: loaded.sources }));
    } else {
      const width = Math.max(...rows.map((r) => r.key.length));
      for (const r of rows) {
        console.log(`${r.key.padEnd(width)}  ${JSON.stringify(r.value)}  (${r.source}; ${r.env})`);
      }
    }
    return Promise.resolve(0);
  },
};

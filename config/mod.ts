// Typed configuration: embedded defaults <- optional JSON file <- COUNCIL_* environment.
// Every problem becomes a ConfigError naming the key and where the bad value came from.

import {
  CONFIG_FILE_ENV,
  DEFAULT_CONFIG_FILE,
  envName,
  type H323LrqFrom,
  type H323TrustRouted,
  type H323Video,
  KEYS,
  type KeySpec,
  type LogLevel,
  NOT_SETTINGS,
  type SipDigest,
  type SipMedia,
  type SipTls,
  type SipTransports,
} from "./_schema.ts";

export { CONFIG_FILE_ENV, DEFAULT_CONFIG_FILE, envName, KEYS, LOG_LEVELS } from "./_schema.ts";
export type {
  H323LrqFrom,
  H323TrustRouted,
  H323Video,
  LogLevel,
  SipDigest,
  SipMedia,
  SipTls,
  SipTransports,
} from "./_schema.ts";

export interface CouncilConfig {
  readonly http: { readonly host: string; readonly port: number };
  readonly kv: { readonly path: string };
  readonly log: { readonly level: LogLevel };
  readonly witness: {
    readonly origin: string;
    readonly headIntervalMs: number;
    readonly headEveryEntries: number;
    readonly auditEverySec: number;
  };
  readonly api: { readonly operatorToken: string };
  readonly guard: { readonly policyFile: string };
  readonly talent: {
    readonly policyFile: string;
    readonly sourcesFile: string;
    readonly scoutIntervalSec: number;
    readonly retestEverySec: number;
    readonly validate: string;
    readonly validateEverySec: number;
  };
  readonly media: {
    readonly host: string;
    readonly rtpPortMin: number;
    readonly rtpPortMax: number;
    readonly workers: number;
    readonly opusComplexity: number;
    readonly realtimePriority: number;
    readonly latching: "off" | "first-packets";
  };
  readonly sip: {
    readonly host: string;
    readonly port: number;
    readonly transports: SipTransports;
    readonly realm: string;
    readonly digestAlgorithms: SipDigest;
    readonly media: SipMedia;
    readonly authPerSourcePerSec: number;
    readonly lockoutFailures: number;
    readonly lockoutMs: number;
    readonly lockoutMaxMs: number;
    readonly tlsPort: number;
    readonly tls: SipTls;
    readonly tlsCert: string;
    readonly tlsKey: string;
  };
  readonly h323: {
    readonly host: string;
    readonly rasPort: number;
    readonly callSignalPort: number;
    readonly gatekeeperId: string;
    readonly video: H323Video;
    readonly timeToLive: number;
    readonly h235WindowSec: number;
    readonly neighbours: string;
    readonly lrqFrom: H323LrqFrom;
    readonly upstream: string;
    readonly upstreamId: string;
    readonly upstreamName: string;
    readonly upstreamPasswordFile: string;
    readonly trustRouted: H323TrustRouted;
    readonly mediaTimeoutSec: number;
    readonly rasPerSourcePerSec: number;
    readonly rasPerIdentityPerSec: number;
  };
  readonly webrtc: {
    readonly workers: number;
    readonly workerBin: string;
    readonly listenIp: string;
    readonly announcedAddress: string;
    readonly rtcPortMin: number;
    readonly rtcPortMax: number;
    readonly heartbeatMs: number;
    readonly resumeWindowMs: number;
    readonly maxMessageBytes: number;
  };
  readonly cost: {
    readonly currency: string;
    readonly sipPerMinute: number;
    readonly h323PerMinute: number;
    readonly webrtcPerMinute: number;
    readonly trunkPerMinute: number;
    readonly transcodedPerMinute: number;
    readonly recordedPerMinute: number;
    readonly meterIntervalMs: number;
    readonly reportIntervalSec: number;
    readonly webhookUrl: string;
  };
  readonly shutdown: { readonly timeoutMs: number };
  readonly limits: {
    readonly fdReserve: number;
    readonly httpConnections: number;
    readonly httpPerSource: number;
    readonly wsConnections: number;
    readonly wsPerSource: number;
    readonly httpHeaderTimeoutSec: number;
    readonly httpBodyTimeoutSec: number;
    readonly httpIdleTimeoutSec: number;
    readonly sipTcpConnections: number;
    readonly sipTcpPerSource: number;
    readonly sipTcpIdleSec: number;
    readonly h225Connections: number;
    readonly h225PerSource: number;
    readonly h225IdleSec: number;
    readonly tcpFirstMessageSec: number;
  };
}

/** Where the effective value of each key came from: "default", "file:<path>", "env:<NAME>". */
export type ConfigSources = Record<string, string>;

export class ConfigError extends Error {
  override name = "ConfigError";
  constructor(readonly key: string, readonly source: string, detail: string) {
    super(`config: ${key} (${source}): ${detail}`);
  }
}

export interface LoadOptions {
  /** Explicit file (from --config); must exist. */
  configPath?: string;
  /** Environment to read; defaults to the process environment. */
  env?: Record<string, string>;
  /** Directory in which the default council.json is looked for. */
  cwd?: string;
}

// Config files are small; anything larger is a mistake, not a config.
const MAX_FILE_BYTES = 1 << 20;

export function loadConfig(options: LoadOptions = {}): {
  config: CouncilConfig;
  sources: ConfigSources;
} {
  const env = options.env ?? Deno.env.toObject();
  const values = new Map<string, unknown>();
  const sources: ConfigSources = {};
  for (const key of KEYS) {
    values.set(key.path, key.defaultValue);
    sources[key.path] = "default";
  }

  const file = chooseFile(options, env);
  if (file) {
    const source = `file:${file.path}`;
    for (const [keyPath, raw] of flattenFile(file.path, file.required)) {
      const spec = specFor(keyPath, source);
      const value = (spec.kind as KeySpec<unknown>["kind"]).fromJson(raw);
      if (value === undefined) {
        throw new ConfigError(
          keyPath,
          source,
          `expected ${spec.kind.describe}, got ${JSON.stringify(raw)}`,
        );
      }
      values.set(keyPath, value);
      sources[keyPath] = source;
    }
  }

  const byEnvName = new Map(KEYS.map((key) => [envName(key.path), key] as const));
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith("COUNCIL_") || NOT_SETTINGS.has(name)) continue;
    const spec = byEnvName.get(name);
    if (!spec) {
      throw new ConfigError(name, `env:${name}`, `unknown setting; ${suggest(name, byEnvName)}`);
    }
    const value = (spec.kind as KeySpec<unknown>["kind"]).fromEnv(raw);
    if (value === undefined) {
      throw new ConfigError(
        spec.path,
        `env:${name}`,
        `expected ${spec.kind.describe}, got ${JSON.stringify(raw)}`,
      );
    }
    values.set(spec.path, value);
    sources[spec.path] = `env:${name}`;
  }

  const config = nest(values) as unknown as CouncilConfig;
  if (config.media.rtpPortMin + 1 >= config.media.rtpPortMax) {
    throw new ConfigError(
      "media.rtpPortMax",
      sources["media.rtpPortMax"],
      `must be above media.rtpPortMin + 1 (${config.media.rtpPortMin + 1})`,
    );
  }
  // Each mediasoup worker needs a UDP and a TCP port, each browser's audio bridge one more.
  if (config.webrtc.rtcPortMin + 16 > config.webrtc.rtcPortMax) {
    throw new ConfigError(
      "webrtc.rtcPortMax",
      sources["webrtc.rtcPortMax"],
      `must be at least webrtc.rtcPortMin + 16 (${config.webrtc.rtcPortMin + 16})`,
    );
  }
  return { config, sources };
}

/** The config object built from defaults alone. */
export function defaultConfig(): CouncilConfig {
  return loadConfig({ env: {}, cwd: "/nonexistent-council-dir" }).config;
}

function chooseFile(
  options: LoadOptions,
  env: Record<string, string>,
): { path: string; required: boolean } | undefined {
  if (options.configPath !== undefined) return { path: options.configPath, required: true };
  if (env[CONFIG_FILE_ENV]) return { path: env[CONFIG_FILE_ENV], required: true };
  const cwd = options.cwd ?? Deno.cwd();
  return { path: `${cwd}/${DEFAULT_CONFIG_FILE}`, required: false };
}

function flattenFile(path: string, required: boolean): Array<[string, unknown]> {
  const source = `file:${path}`;
  let text: string;
  try {
    const info = Deno.statSync(path);
    if (!info.isFile) throw new ConfigError("--config", source, "not a regular file");
    if (info.size > MAX_FILE_BYTES) {
      throw new ConfigError("--config", source, `larger than ${MAX_FILE_BYTES} bytes`);
    }
    text = Deno.readTextFileSync(path);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    if (err instanceof Deno.errors.NotFound && !required) return [];
    throw new ConfigError("--config", source, `cannot read: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ConfigError("--config", source, `not valid JSON: ${(err as Error).message}`);
  }
  if (!isPlainObject(parsed)) {
    throw new ConfigError("--config", source, "the top level must be a JSON object");
  }
  const out: Array<[string, unknown]> = [];
  walk(parsed, "", out, source);
  return out;
}

function walk(
  obj: Record<string, unknown>,
  prefix: string,
  out: Array<[string, unknown]>,
  source: string,
) {
  for (const [name, value] of Object.entries(obj)) {
    const keyPath = prefix ? `${prefix}.${name}` : name;
    const isSection = KEYS.some((key) => key.path.startsWith(keyPath + "."));
    if (isSection) {
      if (!isPlainObject(value)) throw new ConfigError(keyPath, source, "expected an object");
      walk(value, keyPath, out, source);
    } else {
      specFor(keyPath, source);
      out.push([keyPath, value]);
    }
  }
}

function specFor(keyPath: string, source: string): KeySpec<unknown> {
  const spec = KEYS.find((key) => key.path === keyPath);
  if (!spec) {
    const known = new Map(KEYS.map((key) => [key.path, key] as const));
    throw new ConfigError(keyPath, source, `unknown key; ${suggest(keyPath, known)}`);
  }
  return spec as KeySpec<unknown>;
}

function suggest(name: string, known: Map<string, unknown>): string {
  let best = "";
  let bestDistance = Infinity;
  for (const candidate of known.keys()) {
    const d = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return bestDistance <= 3 ? `did you mean ${best}?` : `known: ${[...known.keys()].join(", ")}`;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
}

function nest(values: Map<string, unknown>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [keyPath, value] of values) {
    const parts = keyPath.split(".");
    let node = root;
    for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
    node[parts[parts.length - 1]] = value;
  }
  return root;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

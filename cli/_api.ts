// Talking to a running server as its operator: the base URL and bearer token from
// flags, else from the same config the server reads (--config FILE, $COUNCIL_CONFIG
// or ./council.json, COUNCIL_* variables), else the token file in the data
// directory. When that finds nothing that works, the refusal says where it looked.

import { resolve } from "node:path";
import {
  CONFIG_FILE_ENV,
  type CouncilConfig,
  DEFAULT_CONFIG_FILE,
  envName,
  loadConfig,
} from "../config/mod.ts";
import { findOperatorToken, type TokenSearch } from "../store/operator_token.ts";
import { type Command, parseSubcommand } from "./_command.ts";

/** The options every command that talks to a server takes, as its help shows them. */
export const OPERATOR_OPTIONS =
  `  --url URL      server (default from config: http://<http.host>:<http.port>)
  --token TOKEN  operator token (default: api.operatorToken, else operator.token
                 in the data directory, beside kv.path's file)
  --config FILE  the server's config file (default: $COUNCIL_CONFIG, else
                 ./council.json); COUNCIL_* variables apply as for the server
  --json         machine-readable output`;

/** The flags behind OPERATOR_OPTIONS (node:util parseArgs options). */
export const OPERATOR_FLAGS = {
  url: { type: "string" },
  token: { type: "string" },
  config: { type: "string" },
  json: { type: "boolean" },
} as const;

export class ApiError extends Error {
  override name = "ApiError";
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

/**
 * Runs a command's work against the server: a refusal or an unreachable server is
 * one line on stderr and exit code 1; anything else is the command's own error.
 */
export async function againstServer(command: string, work: () => Promise<number>): Promise<number> {
  try {
    return await work();
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    console.error(`council ${command}: ${err.message}`);
    return 1;
  }
}

export interface Api {
  url: string;
  request<T>(method: string, path: string, body?: unknown): Promise<T>;
  /** A GET whose answer is bytes (a recording), refusals as in request(). */
  bytes(path: string): Promise<Uint8Array>;
  /** A GET whose answer is read as it arrives (an event stream), refusals as in request(). */
  stream(path: string): Promise<Response>;
}

/** The config a client reads, and in words where it was looked for. */
export interface ClientConfig {
  config: CouncilConfig;
  sources: Record<string, string>;
  /** e.g. "no /home/me/council.json" or "file /etc/council.json" */
  file: string;
}

/** The server's config as this client sees it (the same files and variables). */
export function clientConfig(configPath?: string): ClientConfig {
  const { config, sources } = loadConfig({ configPath });
  const fromEnv = Deno.env.get(CONFIG_FILE_ENV);
  const chosen = configPath ?? fromEnv;
  let file: string;
  if (chosen !== undefined) {
    file = `${configPath !== undefined ? "--config" : CONFIG_FILE_ENV} ${resolve(chosen)}`;
  } else {
    const path = resolve(DEFAULT_CONFIG_FILE);
    let exists = false;
    try {
      exists = Deno.statSync(path).isFile;
    } catch { /* absent */ }
    file = exists ? path : `no ${path}`;
  }
  return { config, sources, file };
}

/** The server to talk to: the flag, else http.host:http.port from config. */
export function serverUrl(flag?: string, configPath?: string): string {
  if (flag) return flag;
  return urlFrom(clientConfig(configPath).config);
}

function urlFrom(config: CouncilConfig): string {
  const { http } = config;
  // A server on a wildcard address answers on loopback.
  const host = http.host === "0.0.0.0" ? "127.0.0.1" : http.host === "::" ? "::1" : http.host;
  return `http://${host.includes(":") ? `[${host}]` : host}:${http.port}`;
}

/** How the URL was chosen, for a server that cannot be reached. */
function urlOrigin(flags: { url?: string }, c: ClientConfig): string {
  if (flags.url) return "--url";
  const of = (key: string) => {
    const source = c.sources[key];
    return source === "default" ? `${key} default` : `${key} from ${source}`;
  };
  const zero = c.config.http.port === 0 ? "; http.port 0 is any free port: pass --url" : "";
  return `${of("http.host")}, ${of("http.port")}; ${c.file}${zero}`;
}

/** The token search for these flags and config. */
export function operatorToken(flags: { token?: string }, c: ClientConfig): TokenSearch {
  const variable = envName("api.operatorToken");
  return findOperatorToken({
    explicit: flags.token,
    configured: c.config.api.operatorToken,
    configuredFrom: c.sources["api.operatorToken"],
    configLooked: `${variable} unset, ${c.file}`,
    kvPath: c.config.kv.path,
    kvPathFrom: c.sources["kv.path"],
  });
}

export function operatorApi(flags: { url?: string; token?: string; config?: string }): Api {
  const c = clientConfig(flags.config);
  const url = flags.url || urlFrom(c.config);
  const found = operatorToken(flags, c);
  const token = found.token;
  // A refused token: say which token was sent, or everywhere one was looked for.
  const tokenHint = () =>
    found.from === "--token"
      ? "the server refused the token given with --token"
      : token
      ? `the token sent came from ${found.from} (another server's?); pass --token or --config FILE`
      : `no operator token found: looked at ${
        found.looked.join(", ")
      }; pass --token, --config FILE or COUNCIL_KV_PATH`;
  const api: Api = {
    url,
    async bytes(path: string): Promise<Uint8Array> {
      const res = await api.request<Response>("GET", path, RAW);
      return new Uint8Array(await res.arrayBuffer());
    },
    stream: (path: string) => api.request<Response>("GET", path, RAW),
    async request<T>(method: string, path: string, body?: unknown): Promise<T> {
      let res: Response;
      try {
        res = await fetch(`${url}${path}`, {
          method,
          headers: {
            ...(token ? { authorization: `Bearer ${token}` } : {}),
            ...(body !== undefined && body !== RAW ? { "content-type": "application/json" } : {}),
          },
          body: body === undefined || body === RAW ? undefined : JSON.stringify(body),
        });
      } catch (err) {
        throw new ApiError(
          0,
          "UNREACHABLE",
          `cannot reach ${url} (${urlOrigin(flags, c)}): ${reason(err)}`,
        );
      }
      if (res.status === 204) return undefined as T;
      if (body === RAW && res.ok) return res as T;
      const data = await res.json().catch(() => undefined);
      if (!res.ok) {
        const message = `${res.status} ${data?.error?.message ?? res.statusText}`;
        throw new ApiError(
          res.status,
          data?.error?.code ?? "HTTP_ERROR",
          // Only the token's refusal: an admission's 401 is the guardian's signature.
          data?.error?.code === "UNAUTHORIZED" ? `${message}; ${tokenHint()}` : message,
        );
      }
      return data as T;
    },
  };
  return api;
}

/** request()'s body for bytes(): no body sent, the Response itself answered. */
const RAW = Symbol("raw");

/** fetch() says "fetch failed"; the cause says why (connection refused, ...). */
function reason(err: unknown): string {
  const cause = (err as { cause?: unknown }).cause;
  const message = cause instanceof Error ? cause.message : (err as Error).message;
  // "error sending request for url (...): client error (Connect): tcp connect error:
  // Connection refused (os error 111)": the last part is the news.
  return /: ([^:]+\(os error \d+\))$/.exec(message)?.[1] ?? message;
}

type Parsed<T extends typeof OPERATOR_FLAGS> = Exclude<
  ReturnType<typeof parseSubcommand<T>>,
  number
>;

/**
 * A command whose subcommands talk to the server as its operator: flags parsed
 * (help for --help or no subcommand), the API client made, refusals reported.
 */
export function operatorCommand<T extends typeof OPERATOR_FLAGS>(
  spec: { name: string; summary: string; help: string; flags: T },
  work: (c: Parsed<T> & { api: Api }) => Promise<number>,
): Command {
  return {
    name: spec.name,
    summary: spec.summary,
    help: spec.help,
    async run(args): Promise<number> {
      const parsed = parseSubcommand(args, spec.flags, spec.help);
      if (typeof parsed === "number") return parsed;
      const api = operatorApi(parsed.values);
      return await againstServer(spec.name, () => work({ ...parsed, api }));
    },
  };
}

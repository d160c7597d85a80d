// Talking to a running server as its operator: base URL and bearer token from
// flags, then config, then the token file beside the KV database.

import { loadConfig } from "../config/mod.ts";
import { readOperatorToken } from "../store/operator_token.ts";
import { type Command, parseSubcommand } from "./_command.ts";

/** The options every command that talks to a server takes, as its help shows them. */
export const OPERATOR_OPTIONS =
  `  --url URL      server (default from config: http://<http.host>:<http.port>)
  --token TOKEN  operator token (default: api.operatorToken, else operator.token
                 beside the KV file)
  --json         machine-readable output`;

/** The flags behind OPERATOR_OPTIONS (node:util parseArgs options). */
export const OPERATOR_FLAGS = {
  url: { type: "string" },
  token: { type: "string" },
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
}

/** The server to talk to: the flag, else http.host:http.port from config. */
export function serverUrl(flag?: string): string {
  if (flag) return flag;
  const { http } = loadConfig().config;
  return `http://${http.host.includes(":") ? `[${http.host}]` : http.host}:${http.port}`;
}

export function operatorApi(flags: { url?: string; token?: string }): Api {
  const { config } = loadConfig();
  const url = serverUrl(flags.url);
  const token = readOperatorToken(flags.token, config.api.operatorToken, config.kv.path);
  return {
    url,
    async request<T>(method: string, path: string, body?: unknown): Promise<T> {
      let res: Response;
      try {
        res = await fetch(`${url}${path}`, {
          method,
          headers: {
            ...(token ? { authorization: `Bearer ${token}` } : {}),
            ...(body !== undefined ? { "content-type": "application/json" } : {}),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      } catch (err) {
        throw new ApiError(0, "UNREACHABLE", `cannot reach ${url}: ${(err as Error).message}`);
      }
      if (res.status === 204) return undefined as T;
      const data = await res.json().catch(() => undefined);
      if (!res.ok) {
        throw new ApiError(
          res.status,
          data?.error?.code ?? "HTTP_ERROR",
          `${res.status} ${data?.error?.message ?? res.statusText}`,
        );
      }
      return data as T;
    },
  };
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

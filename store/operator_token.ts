// The operator's bearer token: from config when set; otherwise generated once, kept
// in KV, and written to operator.token (mode 0600) beside the KV file so the CLI on
// the same machine can use it.

import { resolve } from "node:path";
import type { Store } from "./mod.ts";
import { dataDirectory, META_PREFIX } from "./mod.ts";

export const TOKEN_FILE = "operator.token";

/** Where the token file lives for a given KV path, or undefined for ":memory:". */
export function tokenFilePath(kvPath: string): string | undefined {
  const dir = dataDirectory(kvPath);
  return dir === undefined ? undefined : `${dir === "/" ? "" : dir}/${TOKEN_FILE}`;
}

export async function operatorToken(
  store: Store,
  configured: string,
): Promise<{ token: string; file?: string; generated: boolean }> {
  if (configured) return { token: configured, generated: false };
  const key = [...META_PREFIX, "operatorToken"];
  const existing = await store.kv.get<string>(key);
  let token = existing.value;
  let generated = false;
  if (!token) {
    const bytes = crypto.getRandomValues(new Uint8Array(32));
    token = btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_")
      .replaceAll("=", "");
    const res = await store.commit(store.kv.atomic().check(existing).set(key, token));
    if (!res.ok) return operatorToken(store, configured);
    generated = true;
  }
  const file = tokenFilePath(store.path);
  if (file) {
    await Deno.writeTextFile(file, token + "\n", { mode: 0o600 });
    await Deno.chmod(file, 0o600);
  }
  return { token, file, generated };
}

/** The token a CLI should send: explicit, configured, or read from the file. */
export function readOperatorToken(
  explicit: string | undefined,
  configured: string,
  kvPath: string,
): string | undefined {
  return findOperatorToken({ explicit, configured, kvPath }).token;
}

export interface TokenSearch {
  /** The token found, if any. */
  token?: string;
  /** Where it came from: "--token", "env:COUNCIL_API_OPERATOR_TOKEN", a file path. */
  from?: string;
  /** Every place looked at, in order, each with what was (not) there. */
  looked: string[];
}

/**
 * The operator token a client on this machine should send, and where it looked:
 * the explicit flag, then api.operatorToken (its source says which file or
 * variable), then operator.token in the data directory of kv.path.
 */
export function findOperatorToken(o: {
  explicit?: string;
  configured: string;
  /** Where api.operatorToken came from ("default", "env:...", "file:..."). */
  configuredFrom?: string;
  /** Where api.operatorToken was looked for when unset (variable, config file). */
  configLooked?: string;
  kvPath: string;
  /** Where kv.path came from, for the message. */
  kvPathFrom?: string;
  /** Base for a relative kv.path; the working directory by default. */
  cwd?: string;
}): TokenSearch {
  const looked: string[] = [];
  if (o.explicit) return { token: o.explicit, from: "--token", looked: ["--token"] };
  looked.push("--token (not given)");
  const configuredFrom = o.configuredFrom ?? "config";
  if (o.configured) return { token: o.configured, from: configuredFrom, looked };
  looked.push(`api.operatorToken (unset${o.configLooked ? `: ${o.configLooked}` : ""})`);
  const file = tokenFilePath(o.kvPath);
  const kvFrom = o.kvPathFrom && o.kvPathFrom !== "default" ? `, ${o.kvPathFrom}` : "";
  if (!file) {
    looked.push(`no token file (kv.path is :memory:${kvFrom})`);
    return { looked };
  }
  const path = resolve(o.cwd ?? Deno.cwd(), file);
  const where = `${path} (kv.path ${o.kvPath}${kvFrom})`;
  try {
    const token = Deno.readTextFileSync(path).trim();
    if (token) return { token, from: path, looked };
    looked.push(`${where}: empty`);
  } catch (err) {
    looked.push(
      `${where}: ${err instanceof Deno.errors.NotFound ? "no such file" : (err as Error).message}`,
    );
  }
  return { looked };
}

// The operator's bearer token: from config when set; otherwise generated once, kept
// in KV, and written to operator.token (mode 0600) beside the KV file so the CLI on
// the same machine can use it.

import type { Store } from "./mod.ts";
import { META_PREFIX } from "./mod.ts";

export const TOKEN_FILE = "operator.token";

/** Where the token file lives for a given KV path, or undefined for ":memory:". */
export function tokenFilePath(kvPath: string): string | undefined {
  if (kvPath === ":memory:") return undefined;
  const dir = kvPath.includes("/") ? kvPath.slice(0, kvPath.lastIndexOf("/")) : ".";
  return `${dir}/${TOKEN_FILE}`;
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
  if (explicit) return explicit;
  if (configured) return configured;
  const file = tokenFilePath(kvPath);
  if (!file) return undefined;
  try {
    return Deno.readTextFileSync(file).trim() || undefined;
  } catch {
    return undefined;
  }
}

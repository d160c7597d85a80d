// Reads a witness log straight from a Deno KV database, for offline audits and
// exports (`council witness verify --kv PATH`). Never writes.

import type { AuditSource } from "./audit.ts";
import { type LogVerifier, signerFromSecret } from "./checkpoint.ts";
import { type StoredTile, unpackTile } from "./tiles.ts";
import { readEntries } from "./bundles.ts";
import { KEYS, type StoredKey, type StoredState } from "./_keys.ts";

export function kvAuditSource(kv: Deno.Kv, verifier: LogVerifier): AuditSource {
  return {
    verifier,
    size: async () => (await kv.get<StoredState>(KEYS.state)).value?.size ?? 0,
    entries: (start, end) => readEntries(kv, KEYS.bundlePrefix, start, end),
    async *heads() {
      for await (const { key, value } of kv.list<string>({ prefix: KEYS.headPrefix })) {
        yield { size: key[3] as number, note: value };
      }
    },
    tile: async (t, k) => unpackTile((await kv.get<StoredTile>(KEYS.tile(t, k))).value),
  };
}

/** The verifier for the key stored beside the log (trust on first use; pin with --key). */
export async function storedVerifier(
  kv: Deno.Kv,
  origin: string,
): Promise<LogVerifier | undefined> {
  const key = (await kv.get<StoredKey>(KEYS.signingKey)).value;
  if (!key) return undefined;
  const { name, keyId, publicKey } = await signerFromSecret(origin, key.secretKey);
  return { name, keyId, publicKey };
}

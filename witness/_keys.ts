// The witness's key space in Deno KV (versioned, per ARCHITECTURE.md).
const P = ["witness", "v1"] as const;

export const KEYS = {
  /** Packed entries (bundles.ts), keyed by the index of the bundle's first entry. */
  bundle: (start: number): Deno.KvKey => [...P, "bundle", start],
  bundlePrefix: [...P, "bundle"] as Deno.KvKey,
  /** Index by leaf hash, for proofs by hash; derived data, written behind the log. */
  byHash: (leafHash: Uint8Array): Deno.KvKey => [...P, "hash", leafHash],
  /** Entries [0, n) have their hash index rows. */
  indexed: [...P, "indexed"] as Deno.KvKey,
  /** Node hash tiles (see tiles.ts). */
  tile: (t: number, k: number): Deno.KvKey => [...P, "tile", t, k],
  /** { size, root }: the committed tree, written in the same atomic op as its entries. */
  state: [...P, "state"] as Deno.KvKey,
  /** Signed note by tree size. */
  head: (size: number): Deno.KvKey => [...P, "head", size],
  headPrefix: [...P, "head"] as Deno.KvKey,
  /** The log's Ed25519 key, created on first start. */
  signingKey: [...P, "key"] as Deno.KvKey,
};

export interface StoredState {
  size: number;
  root: Uint8Array;
}

export interface StoredKey {
  secretKey: Uint8Array;
  createdAt: string;
}

// The witness's key space in Deno KV (versioned, per ARCHITECTURE.md).
const P = ["witness", "v1"] as const;

export const KEYS = {
  /** Entry bytes by index. */
  leaf: (index: number): Deno.KvKey => [...P, "leaf", index],
  leafPrefix: [...P, "leaf"] as Deno.KvKey,
  /** Index by leaf hash, for proofs by hash. */
  byHash: (leafHash: Uint8Array): Deno.KvKey => [...P, "hash", leafHash],
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

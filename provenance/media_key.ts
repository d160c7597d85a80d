// Council's media key: the Ed25519 key that signs checkpoints of the streams and
// recordings Council makes. Created once, kept in the store, and bound to the
// witness: its public key is appended as `provenance.key`, so anyone holding only
// the witness's verifier key can prove (by an inclusion proof under a signed head)
// that a checkpoint's key is Council's.

import * as ed from "@noble/ed25519";
import type { Store } from "../store/mod.ts";
import type { WitnessLog } from "../witness/mod.ts";
import { toBase64 } from "../witness/base64.ts";

const KEY = ["provenance", "v1", "key"];

interface StoredMediaKey {
  secretKey: Uint8Array;
  createdAt: string;
  /** Index of its `provenance.key` witness entry. */
  witnessIndex: number;
}

export interface MediaKey {
  secretKey: Uint8Array;
  publicKey: Uint8Array;
  /** Base64 of the public key, as witnessed. */
  publicKeyB64: string;
  witnessIndex: number;
}

export async function loadMediaKey(store: Store, witness: WitnessLog): Promise<MediaKey> {
  const existing = await store.kv.get<StoredMediaKey>(KEY);
  let stored = existing.value;
  if (!stored) {
    const secretKey = ed.utils.randomSecretKey();
    const createdAt = new Date().toISOString();
    const publicKey = await ed.getPublicKeyAsync(secretKey);
    // Witnessed before it is used: no checkpoint exists that the log cannot vouch for.
    const { index } = await witness.append("provenance.key", {
      algorithm: "Ed25519",
      publicKey: toBase64(publicKey),
      createdAt,
    });
    stored = { secretKey, createdAt, witnessIndex: index };
    const res = await store.commit(store.kv.atomic().check(existing).set(KEY, stored));
    if (!res.ok) return loadMediaKey(store, witness);
  }
  const publicKey = await ed.getPublicKeyAsync(stored.secretKey);
  return {
    secretKey: stored.secretKey,
    publicKey,
    publicKeyB64: toBase64(publicKey),
    witnessIndex: stored.witnessIndex,
  };
}

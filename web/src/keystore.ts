/// <reference lib="dom" />
// The guardian's key in this browser: read once from a key file or a pasted base64
// seed, imported into WebCrypto as a non-extractable Ed25519 key (PKCS#8 wrapping
// of the 32-byte seed) and kept in IndexedDB per guardian. The page signs with it
// and never sees the secret again; "Forget this key" deletes it.

import * as ed from "@noble/ed25519";
import { fromBase64, toBase64 } from "../../witness/base64.ts";
import type { Signer } from "./client.ts";
import { pkcs8FromSeed } from "../../witness/ed25519_pkcs8.ts";

/** A pasted base64 seed, or a key file's JSON ({publicKey, secretKey}). */
export function parseKey(text: string): Uint8Array {
  const t = text.trim();
  let b64 = t;
  if (t.startsWith("{")) {
    let parsed: { secretKey?: unknown };
    try {
      parsed = JSON.parse(t);
    } catch {
      throw new Error("the key file is not valid JSON");
    }
    if (typeof parsed.secretKey !== "string") throw new Error("the key file has no secretKey");
    b64 = parsed.secretKey;
  }
  const key = fromBase64(b64);
  if (!key || key.length !== 32) throw new Error("expected a base64 32-byte Ed25519 secret key");
  return key;
}

/** The seed wrapped as PKCS#8, the form WebCrypto imports Ed25519 private keys in. */
export { pkcs8FromSeed };

export interface ImportedKey {
  /** Non-extractable: usable for signing only. */
  key: CryptoKey;
  /** Base64 of the public key (what `council guardian add` registered). */
  publicKey: string;
}

/** Imports a seed as a non-extractable signing key; the caller's copy is zeroed. */
export async function importSeed(seed: Uint8Array): Promise<ImportedKey> {
  const der = pkcs8FromSeed(seed);
  try {
    const key = await crypto.subtle.importKey("pkcs8", der, { name: "Ed25519" }, false, [
      "sign",
    ]);
    return { key, publicKey: toBase64(await ed.getPublicKeyAsync(seed)) };
  } finally {
    der.fill(0);
    seed.fill(0);
  }
}

/** Signs with a WebCrypto Ed25519 key (the signature is the same as from the seed). */
export function cryptoKeySigner(key: CryptoKey): Signer {
  return async (message) =>
    new Uint8Array(await crypto.subtle.sign("Ed25519", key, message as Uint8Array<ArrayBuffer>));
}

/** A short form of a public key for people to compare: its first 12 base64 characters. */
export function fingerprint(publicKey: string): string {
  return publicKey.slice(0, 12).replace(/(.{4})(?=.)/g, "$1 ");
}

export interface StoredKey extends ImportedKey {
  guardian: string;
  storedAt: number;
}

const DB = "council";
const STORE = "keys";

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: "guardian" });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error("IndexedDB is not available"));
  });
}

async function tx<T>(
  mode: IDBTransactionMode,
  fn: (store: IDBObjectStore) => IDBRequest | undefined,
): Promise<T | undefined> {
  const db = await open();
  try {
    return await new Promise<T | undefined>((resolve, reject) => {
      const t = db.transaction(STORE, mode);
      const req = fn(t.objectStore(STORE));
      t.oncomplete = () => resolve(req?.result as T | undefined);
      t.onerror = t.onabort = () => reject(t.error ?? new Error("IndexedDB transaction failed"));
    });
  } finally {
    db.close();
  }
}

/** The key stored for `guardian` in this browser, if any. */
export function loadKey(guardian: string): Promise<StoredKey | undefined> {
  return tx<StoredKey>("readonly", (s) => s.get(guardian));
}

/** Stores a key (the CryptoKey itself: structured clone keeps it non-extractable). */
export async function saveKey(guardian: string, imported: ImportedKey): Promise<void> {
  await tx("readwrite", (s) => s.put({ guardian, ...imported, storedAt: Date.now() }));
}

/** Deletes the key stored for `guardian`. */
export async function forgetKey(guardian: string): Promise<void> {
  await tx("readwrite", (s) => s.delete(guardian));
}

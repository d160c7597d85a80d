// Guardian key files, as `council guardian keygen --out FILE` writes them: a JSON
// object {publicKey, secretKey}, both base64 (32 bytes each). Every command that
// reads one (guardian add, set, admit; votes cast) reads it here, so a broken file
// gets one plain sentence naming the file and what is wrong with it, never a JSON
// parser's message (which quotes the file, secret key and all).

import * as ed from "@noble/ed25519";
import { fromBase64, toBase64 } from "../witness/mod.ts";
/**
 * A key file that cannot be used; the message names the file. Commands print it as
 * one line and exit 2, like a bad flag (without "try --help": the file is the problem).
 */
export class KeyFileError extends Error {
  override name = "KeyFileError";
}

export interface KeyFile {
  path: string;
  /** base64, 32 bytes */
  publicKey: string;
  /** Present when the file holds one (keygen's files do). */
  secretKey?: Uint8Array;
}

const HINT = "a key file is the {publicKey, secretKey} JSON that " +
  "`council guardian keygen --out FILE` writes";

/**
 * Reads and checks a key file. `need: "secret"` (signing) requires the secret key;
 * `"public"` (registering a key) takes a keygen file or a file holding only a
 * base64 public key. A file with both keys must have a public key that belongs to
 * its secret key.
 */
export async function readKeyFile(path: string, need: "secret" | "public"): Promise<KeyFile> {
  const bad = (what: string) => new KeyFileError(`key file ${path}: ${what}`);
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) throw bad("no such file");
    if (err instanceof Deno.errors.PermissionDenied) throw bad("permission denied");
    if (err instanceof Deno.errors.IsADirectory) throw bad("is a directory, not a key file");
    if (err instanceof TypeError || err instanceof Deno.errors.InvalidData) {
      throw bad(`is not text; ${HINT}`);
    }
    throw bad(`cannot be read (${(err as Error).name})`);
  }
  const trimmed = text.trim();
  if (trimmed === "") throw bad(`is empty; ${HINT}`);

  // A bare base64 public key (what `keygen --out` prints) is a key file for registering.
  if (!trimmed.startsWith("{") && !trimmed.startsWith("[") && !trimmed.startsWith('"')) {
    const bytes = /^[A-Za-z0-9+/]+={0,2}$/.test(trimmed) ? fromBase64(trimmed) : undefined;
    if (bytes?.length === 32) {
      if (need === "public") return { path, publicKey: toBase64(bytes) };
      throw bad(`holds one bare key, not the secret key needed to sign; ${HINT}`);
    }
    throw bad(`is not JSON; ${HINT}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(trimmed);
  } catch {
    // Not the parser's message: it quotes the file, secret key included.
    throw bad(
      trimmed.startsWith("{") && !trimmed.endsWith("}")
        ? `is not complete JSON (cut short?); ${HINT}`
        : `is not valid JSON; ${HINT}`,
    );
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw bad(`is JSON but not an object; ${HINT}`);
  }
  const record = data as Record<string, unknown>;
  const key = (name: "publicKey" | "secretKey"): Uint8Array | undefined => {
    const value = record[name];
    if (value === undefined) return undefined;
    if (typeof value !== "string") throw bad(`${name} is not a string (expected base64)`);
    const bytes = /^[A-Za-z0-9+/]*={0,2}$/.test(value) ? fromBase64(value) : undefined;
    if (!bytes) throw bad(`${name} is not base64`);
    if (bytes.length !== 32) {
      throw bad(`${name} is ${bytes.length} bytes; an Ed25519 ${name.slice(0, -3)} key is 32`);
    }
    return bytes;
  };
  const secret = key("secretKey");
  const pub = key("publicKey");
  if (need === "secret" && !secret) {
    throw bad(`has no secretKey, so it cannot sign; ${HINT}`);
  }
  let publicKey: Uint8Array;
  if (secret) {
    const derived = await ed.getPublicKeyAsync(secret);
    if (pub && !sameBytes(pub, derived)) {
      throw bad("its publicKey does not belong to its secretKey (edited, or two files mixed up?)");
    }
    publicKey = derived;
  } else if (pub) {
    publicKey = pub;
  } else {
    throw bad(`has neither publicKey nor secretKey; ${HINT}`);
  }
  return { path, publicKey: toBase64(publicKey), ...(secret ? { secretKey: secret } : {}) };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

// H.235.1 (the baseline security profile), authentication and integrity of RAS
// messages with a shared password: procedure I, "all fields hashed".
//
// The token is a CryptoH323Token `nestedcryptoToken` carrying a `cryptoHashedToken`:
//   tokenOID  "A" = 0.0.8.235.0.<v>.1   (the whole message is authenticated)
//   hashedVals: ClearToken with tokenOID "T" = 0.0.8.235.0.<v>.5, timeStamp (seconds
//     since 1970), random (a per-sender sequence number), generalID (the recipient's
//     identifier) and sendersID (the sender's)
//   token: HASHED { algorithmOID "U" = 0.0.8.235.0.<v>.6 (HMAC-SHA1-96), hash: 96 bits }
// The hash is HMAC-SHA1 truncated to 12 bytes, keyed with SHA-1(password), over the
// encoded RAS message with the hash field itself set to 12 zero bytes (H.235.1
// clauses 6.3, 8.1, 9.1). <v> is the H.235 version (2, 3, 4...); any is accepted.
//
// In aligned PER a 96-bit BIT STRING is octet-aligned, so the field is found in the
// received bytes by its value (as H323Plus and GnuGk do); every place it occurs is
// tried, since the same 12 bytes could also occur elsewhere in the message.

import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { encodeRas, type RasValue } from "../h225/mod.ts";

/** The OIDs with the version arc as a wildcard (index 5). */
const OID_A = [0, 0, 8, 235, 0, -1, 1];
const OID_T = [0, 0, 8, 235, 0, -1, 5];
const OID_U = [0, 0, 8, 235, 0, -1, 6];
/** Version 2, what H323Plus and GnuGk send. */
export const H235_1_OIDS = {
  allHashed: "0.0.8.235.0.2.1",
  clearToken: "0.0.8.235.0.2.5",
  hmacSha1_96: "0.0.8.235.0.2.6",
} as const;

export const HASH_BYTES = 12;
const MAX_PLACES = 4;

/** The per-password key: SHA-1 of the password's bytes (UTF-8). */
export function h235Key(password: string): Uint8Array {
  return new Uint8Array(createHash("sha1").update(password, "utf8").digest());
}

function oidMatches(oid: unknown, pattern: number[]): boolean {
  if (typeof oid !== "string") return false;
  const arcs = oid.split(".").map(Number);
  return arcs.length === pattern.length && pattern.every((p, i) => p === -1 || p === arcs[i]);
}

/** What an H.235.1 token in a RAS message says (before the hash is checked). */
export interface HashedToken {
  timeStamp: number;
  random: number;
  generalID?: string;
  sendersID?: string;
  hash: Uint8Array;
}

export type TokenRead =
  | { ok: true; token: HashedToken }
  | { ok: false; missing: boolean; error: string };

/** Finds the procedure I token among a RAS message body's cryptoTokens. */
export function readHashedToken(body: Record<string, unknown>): TokenRead {
  const list = Array.isArray(body.cryptoTokens) ? body.cryptoTokens : [];
  for (const t of list as Record<string, unknown>[]) {
    const nested = t?.nestedcryptoToken as Record<string, unknown> | undefined;
    const hashed = nested?.cryptoHashedToken as Record<string, unknown> | undefined;
    if (!hashed || !oidMatches(hashed.tokenOID, OID_A)) continue;
    const vals = hashed.hashedVals as Record<string, unknown>;
    const token = hashed.token as {
      algorithmOID?: unknown;
      hash?: { bits: number; data: Uint8Array };
    };
    if (!oidMatches(vals?.tokenOID, OID_T)) {
      return { ok: false, missing: false, error: "hashedVals is not an H.235.1 ClearToken" };
    }
    if (!oidMatches(token?.algorithmOID, OID_U)) {
      return { ok: false, missing: false, error: "the hash is not HMAC-SHA1-96" };
    }
    if (token.hash?.bits !== HASH_BYTES * 8 || token.hash.data.length !== HASH_BYTES) {
      return { ok: false, missing: false, error: "the hash is not 96 bits" };
    }
    if (typeof vals.timeStamp !== "number" || typeof vals.random !== "number") {
      return { ok: false, missing: false, error: "the token has no timeStamp or random" };
    }
    return {
      ok: true,
      token: {
        timeStamp: vals.timeStamp,
        random: vals.random,
        generalID: typeof vals.generalID === "string" ? vals.generalID : undefined,
        sendersID: typeof vals.sendersID === "string" ? vals.sendersID : undefined,
        hash: token.hash.data,
      },
    };
  }
  return { ok: false, missing: true, error: "no H.235.1 token" };
}

function hmac96(key: Uint8Array, bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac("sha1", key).update(bytes).digest().subarray(0, HASH_BYTES));
}

/**
 * Whether `hash` is the HMAC of the received message `raw` under `key`. Works on a
 * copy: every occurrence of the hash is zeroed in turn and the HMAC recomputed.
 */
export function hashMatches(raw: Uint8Array, hash: Uint8Array, key: Uint8Array): boolean {
  const copy = raw.slice();
  // A legitimate message holds the value once; a crafted one could hold it thousands
  // of times, each an HMAC to compute: only the first few places are tried.
  let tries = MAX_PLACES;
  for (let at = 0; at + HASH_BYTES <= copy.length && tries > 0; at++) {
    if (!startsWith(copy, hash, at)) continue;
    tries--;
    copy.fill(0, at, at + HASH_BYTES);
    const ok = timingSafeEqual(hmac96(key, copy), hash);
    copy.set(hash, at);
    if (ok) return true;
  }
  return false;
}

function startsWith(bytes: Uint8Array, pattern: Uint8Array, at: number): boolean {
  for (let i = 0; i < pattern.length; i++) if (bytes[at + i] !== pattern[i]) return false;
  return true;
}

export interface SignOptions {
  key: Uint8Array;
  /** The recipient's identifier (a gatekeeper id, an endpoint identifier). */
  generalID?: string;
  sendersID?: string;
  /** Seconds since 1970; now when absent. */
  timeStamp?: number;
  random: number;
}

/** The token of procedure I with a zero hash, to be filled in by `signRas`. */
function tokenOf(o: SignOptions): Record<string, unknown> {
  const hashedVals: Record<string, unknown> = {
    tokenOID: H235_1_OIDS.clearToken,
    timeStamp: o.timeStamp ?? Math.floor(Date.now() / 1000),
    random: o.random,
  };
  if (o.generalID) hashedVals.generalID = o.generalID;
  if (o.sendersID) hashedVals.sendersID = o.sendersID;
  return {
    nestedcryptoToken: {
      cryptoHashedToken: {
        tokenOID: H235_1_OIDS.allHashed,
        hashedVals,
        token: {
          algorithmOID: H235_1_OIDS.hmacSha1_96,
          paramS: {},
          hash: { bits: HASH_BYTES * 8, data: new Uint8Array(HASH_BYTES) },
        },
      },
    },
  };
}

/**
 * Encodes `message` with an H.235.1 token appended to its cryptoTokens, the hash
 * computed over the encoding with the hash zeroed. The message is not modified.
 */
export function signRas(message: RasValue, o: SignOptions): Uint8Array {
  const [kind] = Object.keys(message);
  const body = message[kind];
  const token = tokenOf(o);
  const hash = (token.nestedcryptoToken as {
    cryptoHashedToken: { token: { hash: { data: Uint8Array } } };
  }).cryptoHashedToken.token.hash;
  // A marker no encoder produces by chance locates the field in the bytes.
  const marker = crypto.getRandomValues(new Uint8Array(HASH_BYTES));
  hash.data = marker;
  const others = Array.isArray(body.cryptoTokens) ? body.cryptoTokens : [];
  const bytes = encodeRas({ [kind]: { ...body, cryptoTokens: [...others, token] } });
  let at = -1;
  for (let i = 0; i + HASH_BYTES <= bytes.length && at < 0; i++) {
    if (startsWith(bytes, marker, i)) at = i;
  }
  if (at < 0) throw new Error("H.235.1: the hash field is not octet-aligned in the encoding");
  bytes.fill(0, at, at + HASH_BYTES);
  bytes.set(hmac96(o.key, bytes), at);
  return bytes;
}

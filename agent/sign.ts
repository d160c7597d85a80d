// Signed admission requests and ballots, as IF.guard checks them: Ed25519 over the
// canonical bytes guard/canonical.ts defines (the one piece of Council the SDK shares).

import * as ed from "@noble/ed25519";
import { ballotBytes, signedBytes } from "../guard/canonical.ts";
import { fromBase64, toBase64 } from "../witness/base64.ts";

export type CallType = "ROUTINE" | "ESCALATE" | "EMERGENCY";

export interface SignedAdmission {
  guardianId: string;
  room: string;
  callType: CallType;
  bandwidthKbps: number;
  codecs: string[];
  pii: boolean;
  timestamp: number;
  nonce: string;
  signature: string;
}

/** A secret key given as bytes or standard base64 (what keygen's key file holds). */
export function secretKeyOf(key: Uint8Array | string): Uint8Array {
  const bytes = typeof key === "string" ? fromBase64(key.trim()) : key;
  if (!bytes || bytes.length !== 32) throw new Error("secretKey: expected 32 bytes (base64)");
  return bytes;
}

export async function signAdmission(
  request: Omit<SignedAdmission, "timestamp" | "nonce" | "signature">,
  secretKey: Uint8Array,
): Promise<SignedAdmission> {
  const nonce = toBase64(crypto.getRandomValues(new Uint8Array(18)))
    .replaceAll("+", "-").replaceAll("/", "_");
  const full = { ...request, codecs: [...request.codecs], timestamp: Date.now(), nonce };
  // The request's codecs are Council's names (guard/types.ts CODECS); the cast is the wire's.
  const bytes = signedBytes(full as Parameters<typeof signedBytes>[0]);
  return { ...full, signature: toBase64(await ed.signAsync(bytes, secretKey)) };
}

export async function signBallot(
  ballot: { voteId: string; room: string; guardianId: string; choice: string },
  secretKey: Uint8Array,
): Promise<{ timestamp: number; signature: string }> {
  const timestamp = Date.now();
  const bytes = ballotBytes({ ...ballot, timestamp });
  return { timestamp, signature: toBase64(await ed.signAsync(bytes, secretKey)) };
}

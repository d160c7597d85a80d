// The client side of admission: keys and signed requests. Uses only
// @noble/ed25519 and Web APIs, so the same code runs in tests, the CLI and
// browsers (the WebRTC join page).

import * as ed from "@noble/ed25519";
import { toBase64, toBase64Url } from "../witness/base64.ts";
import { type Ballot, ballotBytes, signedBytes } from "./canonical.ts";
import type { AdmissionRequest } from "./types.ts";

export interface GuardianKeyPair {
  /** Base64 of the 32-byte public key, as the registry stores it. */
  publicKey: string;
  /** Base64 of the 32-byte secret key (seed). Keep it private. */
  secretKey: string;
}

export async function generateGuardianKey(): Promise<GuardianKeyPair> {
  const secret = ed.utils.randomSecretKey();
  return { publicKey: toBase64(await ed.getPublicKeyAsync(secret)), secretKey: toBase64(secret) };
}

export function newNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(18));
  return toBase64(bytes).replaceAll("+", "-").replaceAll("/", "_");
}

export type UnsignedRequest = Omit<AdmissionRequest, "signature" | "timestamp" | "nonce"> & {
  timestamp?: number;
  nonce?: string;
};

/** Fills in timestamp and nonce when absent and signs the canonical bytes. */
export async function signAdmissionRequest(
  request: UnsignedRequest,
  secretKey: Uint8Array,
): Promise<AdmissionRequest> {
  const full = {
    ...request,
    timestamp: request.timestamp ?? Date.now(),
    nonce: request.nonce ?? newNonce(),
  };
  const signature = await ed.signAsync(signedBytes(full), secretKey);
  return { ...full, signature: toBase64(signature) };
}

/**
 * The compact form of a signed request that SIP (the Council-Admission header) and
 * H.323 (tokens) carry: base64url of its JSON, no padding.
 */
export function admissionToken(request: AdmissionRequest): string {
  return toBase64Url(new TextEncoder().encode(JSON.stringify(request)));
}

/** Signs a ballot (timestamp filled in when absent). */
export async function signBallot(
  ballot: Omit<Ballot, "signature" | "timestamp"> & { timestamp?: number },
  secretKey: Uint8Array,
): Promise<Ballot> {
  const full = { ...ballot, timestamp: ballot.timestamp ?? Date.now() };
  return { ...full, signature: toBase64(await ed.signAsync(ballotBytes(full), secretKey)) };
}

// The bytes an admission request's signature covers:
//
//   "IF.guard/admission/v1\n" || RFC 8785 (JCS) canonical JSON of the request
//   without its "signature" member
//
// The prefix separates these signatures from any other use of the same key; JCS
// fixes member order and number spelling so every client computes the same bytes.

import canonicalize from "canonicalize";
import type { AdmissionRequest } from "./types.ts";

export const ADMISSION_CONTEXT = "IF.guard/admission/v1\n";
const encoder = new TextEncoder();

export function signedBytes(request: Omit<AdmissionRequest, "signature">): Uint8Array {
  const { guardianId, room, callType, bandwidthKbps, codecs, pii, timestamp, nonce } = request;
  const body = canonicalize({
    guardianId,
    room,
    callType,
    bandwidthKbps,
    codecs,
    pii,
    timestamp,
    nonce,
  });
  return encoder.encode(ADMISSION_CONTEXT + body);
}

/**
 * A guardian's ballot in a room's vote. Its signature covers
 *   "IF.council/ballot/v1\n" || JCS of { voteId, room, guardianId, choice, timestamp }
 * (a context of its own, so a ballot can never pass for an admission request).
 */
export interface Ballot {
  voteId: string;
  room: string;
  guardianId: string;
  choice: string;
  timestamp: number;
  /** Base64 Ed25519 signature. */
  signature: string;
}

export const BALLOT_CONTEXT = "IF.council/ballot/v1\n";

export function ballotBytes(ballot: Omit<Ballot, "signature">): Uint8Array {
  const { voteId, room, guardianId, choice, timestamp } = ballot;
  return encoder.encode(
    BALLOT_CONTEXT + canonicalize({ voteId, room, guardianId, choice, timestamp }),
  );
}

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

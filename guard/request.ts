// Strict parsing of an admission request from JSON: every field typed and bounded,
// unknown fields refused, each error naming the field.

import { fromBase64 } from "../witness/mod.ts";
import { ROOM_RE } from "./policy.ts";
import { GUARDIAN_ID_RE } from "./registry.ts";
import { type AdmissionRequest, CALL_TYPES, type Codec, CODECS } from "./types.ts";

export class RequestError extends Error {
  override name = "RequestError";
  constructor(readonly field: string, detail: string) {
    super(`${field}: ${detail}`);
  }
}

const FIELDS = [
  "guardianId",
  "room",
  "callType",
  "bandwidthKbps",
  "codecs",
  "pii",
  "timestamp",
  "nonce",
  "signature",
];
const NONCE_RE = /^[A-Za-z0-9_-]{16,64}$/;

export function parseAdmissionRequest(body: unknown): AdmissionRequest {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new RequestError("body", "expected a JSON object");
  }
  const b = body as Record<string, unknown>;
  for (const key of Object.keys(b)) {
    if (!FIELDS.includes(key)) throw new RequestError(key, "unknown field");
  }
  for (const key of FIELDS) if (b[key] === undefined) throw new RequestError(key, "required");

  if (typeof b.guardianId !== "string" || !GUARDIAN_ID_RE.test(b.guardianId)) {
    throw new RequestError("guardianId", "expected if://guardian/<name>");
  }
  if (typeof b.room !== "string" || !ROOM_RE.test(b.room)) {
    throw new RequestError("room", "expected 1-64 characters of [a-z0-9._-]");
  }
  if (typeof b.callType !== "string" || !(CALL_TYPES as readonly string[]).includes(b.callType)) {
    throw new RequestError("callType", `expected one of ${CALL_TYPES.join(", ")}`);
  }
  if (
    !Number.isInteger(b.bandwidthKbps) || (b.bandwidthKbps as number) < 1 ||
    (b.bandwidthKbps as number) > 100_000
  ) {
    throw new RequestError("bandwidthKbps", "expected an integer from 1 to 100000");
  }
  if (
    !Array.isArray(b.codecs) || b.codecs.length < 1 || b.codecs.length > CODECS.length ||
    b.codecs.some((c) => !(CODECS as readonly unknown[]).includes(c)) ||
    new Set(b.codecs).size !== b.codecs.length
  ) {
    throw new RequestError("codecs", `expected distinct codecs from ${CODECS.join(", ")}`);
  }
  if (typeof b.pii !== "boolean") throw new RequestError("pii", "expected true or false");
  if (!Number.isSafeInteger(b.timestamp) || (b.timestamp as number) < 0) {
    throw new RequestError("timestamp", "expected milliseconds since the Unix epoch");
  }
  if (typeof b.nonce !== "string" || !NONCE_RE.test(b.nonce)) {
    throw new RequestError("nonce", "expected 16-64 base64url characters");
  }
  const sig = typeof b.signature === "string" ? fromBase64(b.signature) : undefined;
  if (!sig || sig.length !== 64) {
    throw new RequestError("signature", "expected a base64 64-byte Ed25519 signature");
  }

  return {
    guardianId: b.guardianId,
    room: b.room,
    callType: b.callType as AdmissionRequest["callType"],
    bandwidthKbps: b.bandwidthKbps as number,
    codecs: b.codecs as Codec[],
    pii: b.pii,
    timestamp: b.timestamp as number,
    nonce: b.nonce,
    signature: b.signature as string,
  };
}

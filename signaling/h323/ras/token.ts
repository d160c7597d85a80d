// The IF.guard admission request in H.225.0 RAS: a ClearToken (H.235.0) in the ARQ's
// `tokens`, whose tokenOID is Council's and whose nonStandard data is the signed
// admission request's JSON (docs/API.md). The OID is a UUID-derived one (ITU-T
// X.667, arc 2.25), which needs no registration and cannot collide.

import { parseAdmissionRequest } from "../../../guard/mod.ts";
import type { AdmissionRequest } from "../../../guard/mod.ts";

export const COUNCIL_TOKEN_OID = "2.25.139385334760853063806762892605919198964";

/** Largest admission request accepted (a real one is ~400 bytes). */
const MAX_TOKEN_BYTES = 4096;

interface ClearTokenValue {
  tokenOID: string;
  nonStandard?: { nonStandardIdentifier: string; data: Uint8Array };
}

/** The ClearToken that carries a signed admission request. */
export function admissionToken(request: AdmissionRequest): ClearTokenValue {
  const data = new TextEncoder().encode(JSON.stringify(request));
  return {
    tokenOID: COUNCIL_TOKEN_OID,
    nonStandard: { nonStandardIdentifier: COUNCIL_TOKEN_OID, data },
  };
}

export type TokenOutcome =
  | { ok: true; request: AdmissionRequest }
  | { ok: false; missing: boolean; error: string };

/** Finds and parses Council's token among a RAS message's ClearTokens. */
export function admissionRequestOf(tokens: unknown): TokenOutcome {
  const list = Array.isArray(tokens) ? tokens as ClearTokenValue[] : [];
  const token = list.find((t) => t?.tokenOID === COUNCIL_TOKEN_OID);
  if (!token) return { ok: false, missing: true, error: "no Council admission token" };
  const data = token.nonStandard?.data;
  if (
    !(data instanceof Uint8Array) || token.nonStandard?.nonStandardIdentifier !== COUNCIL_TOKEN_OID
  ) {
    return { ok: false, missing: false, error: "the admission token carries no request" };
  }
  if (data.length > MAX_TOKEN_BYTES) {
    return { ok: false, missing: false, error: `admission token over ${MAX_TOKEN_BYTES} bytes` };
  }
  try {
    const json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(data));
    return { ok: true, request: parseAdmissionRequest(json) };
  } catch (err) {
    return { ok: false, missing: false, error: (err as Error).message };
  }
}

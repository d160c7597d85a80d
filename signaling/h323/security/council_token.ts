// Council's own RAS proof for Council-aware endpoints: a ClearToken (H.235.0) whose
// tokenOID is Council's registration OID and whose nonStandard data is JSON
// {guardianId, timestamp, nonce, signature}. The Ed25519 signature, by the
// guardian's registered key, covers
//
//   "IF.council/h323-ras/v1\n" || RFC 8785 (JCS) of { kind, guardianId, alias,
//     callSignalAddress, rasAddress, endpointIdentifier, timestamp, nonce }
//
// where everything but timestamp and nonce is read from the RAS message itself, so
// a token cannot be moved to another message, address or request type. The OID is a
// UUID-derived one (ITU-T X.667, arc 2.25), distinct from the admission token's.

import canonicalize from "canonicalize";
import * as ed from "@noble/ed25519";
import { fromBase64, toBase64 } from "../../../witness/mod.ts";
import { aliasKey, hostPort } from "../h225/address.ts";

export const COUNCIL_RAS_OID = "2.25.158209204911561914842515470751456380591";
export const RAS_CONTEXT = "IF.council/h323-ras/v1\n";
const MAX_TOKEN_BYTES = 1024;

/** The message fields a RAS proof covers, as the gatekeeper reads them. */
export interface RasFields {
  kind: string;
  alias: string | null;
  callSignalAddress: string | null;
  rasAddress: string | null;
  endpointIdentifier: string | null;
}

export function rasFields(kind: string, body: Record<string, unknown>): RasFields {
  const first = (v: unknown) => {
    const a = Array.isArray(v) ? hostPort(v[0]) : hostPort(v);
    return a ? `${a.host}:${a.port}` : null;
  };
  const alias = ((body.terminalAlias as unknown[]) ?? []).map(aliasKey).find((a) =>
    a?.startsWith("h323-ID:")
  );
  return {
    kind,
    alias: alias ?? null,
    callSignalAddress: first(body.callSignalAddress),
    rasAddress: first(body.rasAddress),
    endpointIdentifier: typeof body.endpointIdentifier === "string"
      ? body.endpointIdentifier
      : null,
  };
}

export function rasSignedBytes(
  fields: RasFields,
  proof: { guardianId: string; timestamp: number; nonce: string },
): Uint8Array {
  return new TextEncoder().encode(
    RAS_CONTEXT + canonicalize({
      ...fields,
      guardianId: proof.guardianId,
      timestamp: proof.timestamp,
      nonce: proof.nonce,
    }),
  );
}

export interface CouncilProof {
  guardianId: string;
  timestamp: number;
  nonce: string;
  signature: Uint8Array;
}

export type ProofRead =
  | { ok: true; proof: CouncilProof }
  | { ok: false; missing: boolean; error: string };

/** Finds and parses Council's RAS proof among a message body's ClearTokens. */
export function readCouncilProof(body: Record<string, unknown>): ProofRead {
  const list = Array.isArray(body.tokens) ? body.tokens as Record<string, unknown>[] : [];
  const token = list.find((t) => t?.tokenOID === COUNCIL_RAS_OID);
  if (!token) return { ok: false, missing: true, error: "no Council RAS token" };
  const ns = token.nonStandard as { nonStandardIdentifier?: string; data?: unknown } | undefined;
  if (ns?.nonStandardIdentifier !== COUNCIL_RAS_OID || !(ns.data instanceof Uint8Array)) {
    return { ok: false, missing: false, error: "the Council RAS token carries no proof" };
  }
  if (ns.data.length > MAX_TOKEN_BYTES) {
    return { ok: false, missing: false, error: `Council RAS token over ${MAX_TOKEN_BYTES} bytes` };
  }
  try {
    const j = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(ns.data));
    const signature = typeof j?.signature === "string" ? fromBase64(j.signature) : undefined;
    if (
      typeof j.guardianId !== "string" || !Number.isSafeInteger(j.timestamp) ||
      typeof j.nonce !== "string" || !/^[A-Za-z0-9_-]{16,64}$/.test(j.nonce) ||
      signature?.length !== 64
    ) {
      return { ok: false, missing: false, error: "malformed Council RAS token" };
    }
    return {
      ok: true,
      proof: { guardianId: j.guardianId, timestamp: j.timestamp, nonce: j.nonce, signature },
    };
  } catch (err) {
    return { ok: false, missing: false, error: `Council RAS token: ${(err as Error).message}` };
  }
}

/** The ClearToken a Council-aware endpoint adds to a RAS request (clients, tests). */
export async function councilRasToken(
  kind: string,
  body: Record<string, unknown>,
  guardianId: string,
  secretKey: Uint8Array,
  o: { timestamp?: number; nonce?: string } = {},
): Promise<Record<string, unknown>> {
  const timestamp = o.timestamp ?? Date.now();
  const nonce = o.nonce ??
    toBase64(crypto.getRandomValues(new Uint8Array(18))).replaceAll("+", "-").replaceAll(
      "/",
      "_",
    );
  const signature = await ed.signAsync(
    rasSignedBytes(rasFields(kind, body), { guardianId, timestamp, nonce }),
    secretKey,
  );
  const data = new TextEncoder().encode(
    JSON.stringify({ guardianId, timestamp, nonce, signature: toBase64(signature) }),
  );
  return {
    tokenOID: COUNCIL_RAS_OID,
    nonStandard: { nonStandardIdentifier: COUNCIL_RAS_OID, data },
  };
}

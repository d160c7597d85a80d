// Certificates: Council's signed statement that a package (name, version, digest) went
// through the sandbox with these results on this date. Signed with Council's node key
// (the Ed25519 key the witness binds to Council, provenance/media_key.ts) over a
// canonical encoding, and appended to IF.witness, so anyone holding the witness's
// verifier can check a certificate was issued and not altered.

import * as ed from "@noble/ed25519";
import canonicalize from "canonicalize";
import { fromBase64, toBase64 } from "../witness/base64.ts";
import type { WitnessLog } from "../witness/mod.ts";
import { CHECK_IDS, type CheckId, type CheckResult } from "./checks.ts";

/** What a certificate and the approval policy judge: one sandbox run of one package. */
export interface RunRecord {
  name: string;
  version: string;
  digest: string;
  expertise: string[];
  results: CheckResult[];
  passed: number;
  resources: { peakRssMb: number; cpuSeconds: number };
}

const CONTEXT = "council-talent-certificate/1\n";

export interface CertificateBody {
  candidate: string;
  version: string;
  digest: string;
  expertise: string[];
  results: { id: CheckId; passed: boolean }[];
  passed: number;
  total: number;
  resources: { peakRssMb: number; cpuSeconds: number };
  issuedAt: string;
  /** Base64 of the node key's public half. */
  issuer: string;
}

export interface Certificate extends CertificateBody {
  /** Base64 Ed25519 over CONTEXT + canonical JSON of the body. */
  signature: string;
  /** Where the witness holds it (not signed: known only after the append). */
  witnessIndex?: number;
}

export interface NodeKey {
  secretKey: Uint8Array;
  publicKeyB64: string;
}

const bytesOf = (body: CertificateBody) => new TextEncoder().encode(CONTEXT + canonicalize(body));

export async function issueCertificate(
  report: RunRecord,
  key: NodeKey,
  witness: WitnessLog,
  now = new Date(),
): Promise<Certificate> {
  const body: CertificateBody = {
    candidate: report.name,
    version: report.version,
    digest: report.digest,
    expertise: report.expertise,
    results: report.results.map((r) => ({ id: r.id, passed: r.passed })),
    passed: report.passed,
    total: CHECK_IDS.length,
    resources: { peakRssMb: report.resources.peakRssMb, cpuSeconds: report.resources.cpuSeconds },
    issuedAt: now.toISOString(),
    issuer: key.publicKeyB64,
  };
  const signature = toBase64(await ed.signAsync(bytesOf(body), key.secretKey));
  const { index } = await witness.append("talent.certificate", {
    candidate: body.candidate,
    version: body.version,
    digest: body.digest,
    passed: body.passed,
    total: body.total,
    failed: body.results.filter((r) => !r.passed).map((r) => r.id),
    issuedAt: body.issuedAt,
    issuer: body.issuer,
    signature,
  });
  return { ...body, signature, witnessIndex: index };
}

/** Whether the certificate's signature is the issuer's over its body. */
export async function verifyCertificate(cert: Certificate): Promise<boolean> {
  const { signature, witnessIndex: _w, ...body } = cert;
  const sig = fromBase64(signature);
  const pub = fromBase64(body.issuer);
  if (!sig || sig.length !== 64 || !pub || pub.length !== 32) return false;
  try {
    return await ed.verifyAsync(sig, bytesOf(body), pub);
  } catch {
    return false;
  }
}

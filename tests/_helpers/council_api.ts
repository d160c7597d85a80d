// Operator API calls the SIP, H.323 and WebRTC tests share: add a guardian with a
// fresh key, set its SIP password, sign admission requests for it.

import {
  type AdmissionRequest,
  admissionToken,
  type Codec,
  generateGuardianKey,
  signAdmissionRequest,
  type UnsignedRequest,
} from "../../guard/mod.ts";
import { fromBase64 } from "../../witness/mod.ts";

export const OPERATOR = "sip-test-operator-token-0123";

export async function api(
  base: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${OPERATOR}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

export interface TestGuardian {
  id: string;
  name: string;
  secret: Uint8Array;
  /** A signed admission request for a room, as a Council-Admission header value. */
  token(room: string, over?: Partial<UnsignedRequest>): Promise<string>;
  /** The same, as the request object (for H.323's ClearToken). */
  request(room: string, over?: Partial<UnsignedRequest>): Promise<AdmissionRequest>;
}

export async function addGuardian(
  base: string,
  name: string,
  opts: { sipPassword?: string; h323Password?: string; bandwidthKbps?: number } = {},
): Promise<TestGuardian> {
  const key = await generateGuardianKey();
  const id = `if://guardian/${name}`;
  const res = await api(base, "POST", "/api/v1/guardians", {
    id,
    displayName: name,
    role: "tester",
    publicKey: key.publicKey,
    bandwidthKbps: opts.bandwidthKbps ?? 10_000,
  });
  if (res.status !== 201) {
    throw new Error(`add guardian: ${res.status} ${JSON.stringify(res.body)}`);
  }
  if (opts.sipPassword) {
    const r = await api(base, "PUT", `/api/v1/sip/credentials/${name}`, {
      password: opts.sipPassword,
    });
    if (r.status !== 204) throw new Error(`sip password: ${r.status} ${JSON.stringify(r.body)}`);
  }
  if (opts.h323Password) {
    const r = await api(base, "PUT", `/api/v1/h323/passwords/${encodeURIComponent(id)}`, {
      password: opts.h323Password,
    });
    if (r.status !== 204) throw new Error(`h323 password: ${r.status} ${JSON.stringify(r.body)}`);
  }
  const secret = fromBase64(key.secretKey)!;
  const request = (room: string, over: Partial<UnsignedRequest> = {}) =>
    signAdmissionRequest({
      guardianId: id,
      room,
      callType: "ROUTINE",
      bandwidthKbps: 80,
      codecs: ["PCMA", "PCMU"] as Codec[],
      pii: false,
      ...over,
    }, secret);
  return {
    id,
    name,
    secret,
    request,
    token: async (room, over = {}) => admissionToken(await request(room, over)),
  };
}

type Payload = Record<string, unknown>;

/** The payloads of every witness entry of `type` (all types when absent), oldest first. */
export async function witnessed(url: string, type?: string, from = 0): Promise<Payload[]> {
  const head = (await api(url, "POST", "/api/v1/witness/head")).body as { size: number };
  const out: Payload[] = [];
  for (let start = from; start < head.size; start += 1000) {
    const end = Math.min(head.size, start + 1000);
    const page = (await api(url, "GET", `/api/v1/witness/entries?start=${start}&end=${end}`))
      .body as { entries: { type: string; payload: Payload }[] };
    out.push(
      ...page.entries.filter((e) => type === undefined || e.type === type).map((e) => e.payload),
    );
  }
  return out;
}

/** SIP digest outcomes counted on /metrics (council_sip_auth). */
export async function authMetric(url: string, outcome: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = new RegExp(`^council_sip_auth\\{outcome="${outcome}"\\} (\\d+)$`, "m").exec(text);
  return m ? Number(m[1]) : NaN;
}

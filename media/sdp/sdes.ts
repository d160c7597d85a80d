// SDES key exchange for SRTP (RFC 4568): the a=crypto attributes of an audio
// stream, which of them Council can use, and the one it answers or offers with.
// Keys are 30 random bytes (16 master key, 14 salt; 6.2.1) per direction; each
// side sends with the key it put in its own SDP. Only what libsrtp2 runs through
// native/council_srtp.c is accepted: the two AES_CM_128 suites, one key, no MKI,
// no lifetime shorter than a call, no session parameters (6.3).

import { SRTP_KEY_SALT_BYTES, SRTP_SUITES, type SrtpSuite } from "../../native/srtp.ts";
import { fromBase64, toBase64 } from "../../witness/base64.ts";

export interface SdpCrypto {
  id: number;
  suite: string;
  config: string;
  sessionConfig?: string;
}

/** What a leg needs to run SRTP: the suite, and a key per direction. */
export interface SrtpKeys {
  suite: SrtpSuite;
  /** The peer's key (from its SDP): what it sends with, so what Council decrypts with. */
  inbound: Uint8Array;
  /** Council's key (in Council's SDP): what Council sends with. */
  outbound: Uint8Array;
}

/** RTP/SAVP and RTP/SAVPF are SRTP profiles (RFC 3711 12, RFC 5124). */
export function isSecureProfile(protocol: string): boolean {
  return /^RTP\/SAVPF?$/.test(protocol);
}

/** The first line Council can use among an SDP's crypto attributes, or why none. */
export function chooseCrypto(
  lines: readonly SdpCrypto[] | undefined,
): { ok: true; id: number; suite: SrtpSuite; key: Uint8Array } | { ok: false; why: string } {
  if (!lines?.length) return { ok: false, why: "no a=crypto attribute" };
  const why: string[] = [];
  for (const line of lines) {
    const problem = cryptoProblem(line);
    if (typeof problem === "string") {
      why.push(`crypto ${line.id}: ${problem}`);
      continue;
    }
    return { ok: true, id: line.id, suite: line.suite as SrtpSuite, key: problem };
  }
  return { ok: false, why: why.join("; ").slice(0, 300) };
}

/** The key of a usable crypto line, or what makes it unusable. */
function cryptoProblem(line: SdpCrypto): Uint8Array | string {
  if (!Number.isInteger(line.id) || line.id < 0 || line.id > 999_999_999) return "bad tag";
  if (!(SRTP_SUITES as readonly string[]).includes(line.suite)) {
    return `suite ${String(line.suite).slice(0, 40)} not supported`;
  }
  if (line.sessionConfig) return "session parameters are not supported";
  const params = String(line.config ?? "").split(";");
  if (params.length !== 1) return "more than one key is not supported";
  const m = /^inline:([A-Za-z0-9+/=]{1,64})((?:\|[^|]*){0,2})$/.exec(params[0]);
  if (!m) return "key parameter is not inline:<base64>[|lifetime][|MKI:length]";
  const key = fromBase64(m[1]);
  if (!key || key.length !== SRTP_KEY_SALT_BYTES) {
    return `key and salt must be ${SRTP_KEY_SALT_BYTES} bytes`;
  }
  const extras = m[2].split("|").filter(Boolean);
  if (extras.some((extra) => /^\d+:\d+$/.test(extra))) return "MKI is not supported";
  for (const extra of extras) {
    const lifetime = /^(?:2\^(\d{1,2})|(\d{1,20}))$/.exec(extra);
    if (!lifetime) return `bad key parameter ${extra.slice(0, 20)}`;
    // A key must last a call: at least 2^31 packets (libsrtp's own limit is 2^48).
    const packets = lifetime[1] !== undefined ? 2 ** Number(lifetime[1]) : Number(lifetime[2]);
    if (packets < 2 ** 31) return "key lifetime shorter than a call";
  }
  return key;
}

/** A fresh key and salt for Council's side of one leg. */
export function newSrtpKey(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(SRTP_KEY_SALT_BYTES));
}

/** The a=crypto attribute value for a key (sdp-transform's form). */
export function cryptoLine(id: number, suite: SrtpSuite, key: Uint8Array): SdpCrypto {
  return { id, suite, config: `inline:${toBase64(key)}` };
}

// URI equality by RFC 3261 section 19.1.4, for the digest `uri` check (RFC 7616
// 3.4.6: the `uri` must name the resource of the Request-Line). A string compare
// would refuse phones that spell the same URI differently (case of the host, %HH
// escapes, parameter order) and a looser compare would let a response computed for
// one request be presented with another.

import { parseUri, SipSyntaxError, type SipUri, unescape, type Uri } from "./grammar.ts";

/** Parameters that never match when only one side has them (19.1.4, 5th rule). */
const ONE_SIDED_NEVER_MATCHES = ["user", "ttl", "method", "maddr"];

/** True when a and b are the same URI under RFC 3261 19.1.4; false when either does not parse. */
export function sameUri(a: string | Uri, b: string | Uri): boolean {
  let x: Uri, y: Uri;
  try {
    x = typeof a === "string" ? parseUri(a) : a;
    y = typeof b === "string" ? parseUri(b) : b;
  } catch (err) {
    if (err instanceof SipSyntaxError) return false;
    throw err;
  }
  if (x.scheme !== y.scheme) return false; // sip never equals sips
  if (!("host" in x) || !("host" in y)) {
    // Other schemes: no comparison rules here beyond the escaped form.
    return "opaque" in x && "opaque" in y && unescape(x.opaque) === unescape(y.opaque);
  }
  return sameSipUri(x, y);
}

function sameSipUri(x: SipUri, y: SipUri): boolean {
  // userinfo is compared case-sensitively, with %HH equal to the character it encodes.
  if (unescape(x.user) !== unescape(y.user)) return false;
  if ((x.password === undefined) !== (y.password === undefined)) return false;
  if (x.password !== undefined && unescape(x.password) !== unescape(y.password!)) return false;
  // Hosts were lower-cased by the parser; an omitted port never equals an explicit one.
  if (unescape(x.host) !== unescape(y.host) || x.port !== y.port) return false;
  for (const name of new Set([...x.params.keys(), ...y.params.keys()])) {
    const inX = x.params.has(name);
    const inY = y.params.has(name);
    if (inX && inY) {
      if (!sameValue(x.params.get(name)!, y.params.get(name)!)) return false;
    } else if (ONE_SIDED_NEVER_MATCHES.includes(name)) {
      return false;
    } // any other parameter on one side only is ignored
  }
  // Header components are never ignored: each must be on both sides and match.
  const hx = headerMap(x.headers);
  const hy = headerMap(y.headers);
  if (hx.size !== hy.size) return false;
  for (const [name, value] of hx) {
    if (!hy.has(name) || hy.get(name) !== value) return false;
  }
  return true;
}

function sameValue(a: string | null, b: string | null): boolean {
  if (a === null || b === null) return a === b;
  return unescape(a).toLowerCase() === unescape(b).toLowerCase();
}

function headerMap(headers: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!headers) return out;
  for (const part of headers.split("&")) {
    const eq = part.indexOf("=");
    const name = unescape(eq < 0 ? part : part.slice(0, eq)).toLowerCase();
    out.set(name, unescape(eq < 0 ? "" : part.slice(eq + 1)).toLowerCase());
  }
  return out;
}

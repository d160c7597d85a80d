// SIP messages (RFC 3261 section 7): an ordered header list with names in their
// long, lower-case form, typed accessors for the headers the stack uses, and the
// serializer. Values are kept as written so nothing a peer sent is reinterpreted
// until someone asks.

import {
  type CSeq,
  type NameAddr,
  parseCSeq,
  parseNameAddr,
  parseVia,
  splitList,
  type Uri,
  type Via,
} from "./grammar.ts";

/** Compact forms (RFC 3261 section 7.3.3 and the IANA registry). */
export const COMPACT: Record<string, string> = {
  i: "call-id",
  m: "contact",
  e: "content-encoding",
  l: "content-length",
  c: "content-type",
  f: "from",
  s: "subject",
  k: "supported",
  t: "to",
  v: "via",
  o: "event",
  r: "refer-to",
  b: "referred-by",
  x: "session-expires",
  u: "allow-events",
  y: "identity",
  a: "accept-contact",
  j: "reject-contact",
  d: "request-disposition",
};

/** Headers whose values may be comma-separated lists (RFC 3261 section 7.3.1). */
const LIST_HEADERS = new Set([
  "via",
  "contact",
  "route",
  "record-route",
  "allow",
  "supported",
  "require",
  "proxy-require",
  "unsupported",
  "accept",
  "accept-encoding",
  "accept-language",
  "content-encoding",
  "allow-events",
  "in-reply-to",
]);

/** Headers that may appear once at most (RFC 3261 section 20, "single" in Table 2). */
export const SINGLE_HEADERS = [
  "to",
  "from",
  "call-id",
  "cseq",
  "max-forwards",
  "content-length",
  "content-type",
  "expires",
] as const;

const SPELLING: Record<string, string> = {
  "call-id": "Call-ID",
  "cseq": "CSeq",
  "www-authenticate": "WWW-Authenticate",
  "mime-version": "MIME-Version",
};

export function spell(name: string): string {
  return SPELLING[name] ?? name.replace(/(^|-)([a-z])/g, (_, d, c) => d + c.toUpperCase());
}

export interface Header {
  readonly name: string;
  readonly value: string;
}

export class Headers {
  constructor(readonly list: Header[] = []) {}

  /** The first value of a header, or undefined. */
  get(name: string): string | undefined {
    return this.list.find((h) => h.name === name)?.value;
  }

  /** Every value, list headers split at their top-level commas. */
  all(name: string): string[] {
    const values = this.list.filter((h) => h.name === name).map((h) => h.value);
    return LIST_HEADERS.has(name) ? values.flatMap((v) => splitList(v)).filter((v) => v) : values;
  }

  count(name: string): number {
    return this.list.reduce((n, h) => n + (h.name === name ? 1 : 0), 0);
  }

  has(name: string): boolean {
    return this.list.some((h) => h.name === name);
  }

  append(name: string, value: string): this {
    this.list.push({ name, value });
    return this;
  }

  /** Replaces every value of name with one (or removes it when value is undefined). */
  set(name: string, value: string | undefined): this {
    const i = this.list.findIndex((h) => h.name === name);
    const rest = this.list.filter((h) => h.name !== name);
    if (value !== undefined) rest.splice(i < 0 ? rest.length : i, 0, { name, value });
    this.list.splice(0, this.list.length, ...rest);
    return this;
  }

  clone(): Headers {
    return new Headers([...this.list]);
  }
}

interface Common {
  readonly headers: Headers;
  body: Uint8Array;
}

export interface SipRequest extends Common {
  readonly kind: "request";
  readonly method: string;
  readonly uri: Uri;
  /** The Request-URI exactly as written. */
  readonly uriText: string;
}

export interface SipResponse extends Common {
  readonly kind: "response";
  readonly status: number;
  readonly reason: string;
}

export type SipMessage = SipRequest | SipResponse;

// Typed accessors; a message that reached the stack has passed the parser's checks,
// so these do not throw for received messages.
export const viaOf = (m: SipMessage): Via[] => m.headers.all("via").map(parseVia);
export const topVia = (m: SipMessage): Via => parseVia(m.headers.all("via")[0]);
export const fromOf = (m: SipMessage): NameAddr => parseNameAddr(m.headers.get("from")!, "From");
export const toOf = (m: SipMessage): NameAddr => parseNameAddr(m.headers.get("to")!, "To");
export const cseqOf = (m: SipMessage): CSeq => parseCSeq(m.headers.get("cseq")!);
export const callIdOf = (m: SipMessage): string => m.headers.get("call-id")!;
export const contactsOf = (m: SipMessage): NameAddr[] =>
  m.headers.all("contact").filter((c) => c !== "*").map((c) => parseNameAddr(c, "Contact"));
export const tagOf = (a: NameAddr): string | undefined => a.params.get("tag") ?? undefined;

const encoder = new TextEncoder();

/** Serializes with a Content-Length that matches the body. */
export function serialize(m: SipMessage): Uint8Array {
  let head = m.kind === "request"
    ? `${m.method} ${m.uriText} SIP/2.0\r\n`
    : `SIP/2.0 ${m.status} ${m.reason}\r\n`;
  for (const h of m.headers.list) {
    if (h.name !== "content-length") head += `${spell(h.name)}: ${h.value}\r\n`;
  }
  head += `Content-Length: ${m.body.length}\r\n\r\n`;
  const bytes = encoder.encode(head);
  if (m.body.length === 0) return bytes;
  const out = new Uint8Array(bytes.length + m.body.length);
  out.set(bytes);
  out.set(m.body, bytes.length);
  return out;
}

export function bodyText(m: SipMessage): string {
  return new TextDecoder().decode(m.body);
}

/** Methods Council implements (Allow); other RFC methods get 405, unknown ones 501. */
export const ALLOW = ["INVITE", "ACK", "CANCEL", "BYE", "OPTIONS", "REGISTER", "INFO"];

export const REASONS: Record<number, string> = {
  100: "Trying",
  180: "Ringing",
  183: "Session Progress",
  200: "OK",
  202: "Accepted",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  406: "Not Acceptable",
  407: "Proxy Authentication Required",
  408: "Request Timeout",
  413: "Request Entity Too Large",
  415: "Unsupported Media Type",
  416: "Unsupported URI Scheme",
  420: "Bad Extension",
  423: "Interval Too Brief",
  429: "Too Many Requests",
  480: "Temporarily Unavailable",
  481: "Call/Transaction Does Not Exist",
  482: "Loop Detected",
  483: "Too Many Hops",
  486: "Busy Here",
  487: "Request Terminated",
  488: "Not Acceptable Here",
  491: "Request Pending",
  500: "Server Internal Error",
  501: "Not Implemented",
  503: "Service Unavailable",
  505: "Version Not Supported",
  513: "Message Too Large",
  603: "Decline",
};

/**
 * A response to a request per RFC 3261 section 8.2.6: Via, From, To, Call-ID and
 * CSeq copied; a To tag added unless the request already had one.
 */
export function responseTo(
  req: SipRequest | { headers: Headers },
  status: number,
  opts: { reason?: string; toTag?: string; headers?: [string, string][]; body?: Uint8Array } = {},
): SipResponse {
  const h = new Headers();
  for (const v of req.headers.list.filter((x) => x.name === "via")) h.append("via", v.value);
  for (const name of ["from", "to", "call-id", "cseq"]) {
    const v = req.headers.get(name);
    if (v !== undefined) h.append(name, v);
  }
  const to = h.get("to");
  if (opts.toTag && to !== undefined && status !== 100 && !/;\s*tag\s*=/i.test(to)) {
    h.set("to", `${to};tag=${opts.toTag}`);
  }
  for (const [k, v] of opts.headers ?? []) h.append(k, v);
  return {
    kind: "response",
    status,
    reason: opts.reason ?? REASONS[status] ?? "Unknown",
    headers: h,
    body: opts.body ?? new Uint8Array(0),
  };
}

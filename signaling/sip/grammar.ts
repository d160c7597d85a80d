// The RFC 3261 section 25 productions Council needs: URIs, name-addr / addr-spec
// with parameters, Via, CSeq. Every function either returns a value or throws a
// SipSyntaxError naming what was wrong; none backtracks, so cost is linear.

export class SipSyntaxError extends Error {
  override name = "SipSyntaxError";
}

/** token (RFC 3261 section 25.1). */
export const TOKEN_RE = /^[A-Za-z0-9\-.!%*_+`'~]+$/;
const TOKEN_CHAR = /[A-Za-z0-9\-.!%*_+`'~]/;
/** Call-ID: word ["@" word]. */
export const CALL_ID_RE =
  /^[A-Za-z0-9\-.!%*_+`'~()<>:\\"/[\]?{}]+(?:@[A-Za-z0-9\-.!%*_+`'~()<>:\\"/[\]?{}]+)?$/;
const SCHEME_RE = /^[A-Za-z][A-Za-z0-9+\-.]*$/;
// userinfo characters: unreserved / escaped / user-unreserved (and ":" + password chars).
const USERINFO_RE = /^(?:[A-Za-z0-9\-_.!~*'()&=+$,;?/:]|%[0-9A-Fa-f]{2})*$/;
const HOST_RE =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)*[A-Za-z](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.?$|^\d{1,3}(?:\.\d{1,3}){3}$|^\[[0-9A-Fa-f:.]+\]$/;
// paramchar = param-unreserved / unreserved / escaped
const URI_PARAM_RE = /^(?:[A-Za-z0-9\-_.!~*'()[\]/:&+$]|%[0-9A-Fa-f]{2})+$/;
const URI_HEADERS_RE = /^(?:[A-Za-z0-9\-_.!~*'()[\]/?:+$=&]|%[0-9A-Fa-f]{2})*$/;

export type Params = Map<string, string | null>;

export interface SipUri {
  readonly scheme: "sip" | "sips";
  /** Userpart as written (still %-escaped); "" when absent. */
  readonly user: string;
  readonly password?: string;
  readonly host: string;
  readonly port?: number;
  /** URI parameters, names lower-cased, values as written (null when valueless). */
  readonly params: Params;
  /** The "?" headers part as written, if any. */
  readonly headers?: string;
}

/** An absoluteURI of another scheme (tel:, http:, ...): kept opaque. */
export interface OtherUri {
  readonly scheme: string;
  readonly opaque: string;
}

export type Uri = SipUri | OtherUri;

export const isSipUri = (u: Uri): u is SipUri => u.scheme === "sip" || u.scheme === "sips";

/** %HH expansion for comparisons (never applied twice, RFC 3986 section 2.4). */
export function unescape(s: string): string {
  return s.replace(/%([0-9A-Fa-f]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
}

/** Parses a URI; SIP and SIPS fully, other schemes as scheme + opaque part. */
export function parseUri(text: string): Uri {
  const colon = text.indexOf(":");
  if (colon <= 0) throw new SipSyntaxError(`URI ${clip(text)} has no scheme`);
  const scheme = text.slice(0, colon);
  if (!SCHEME_RE.test(scheme)) throw new SipSyntaxError(`URI scheme ${clip(scheme)} is invalid`);
  const rest = text.slice(colon + 1);
  if (/[\s<>"]/.test(rest) || rest === "") {
    throw new SipSyntaxError(`URI ${clip(text)} contains characters a URI may not`);
  }
  const lower = scheme.toLowerCase();
  if (lower !== "sip" && lower !== "sips") return { scheme: lower, opaque: rest };

  let userinfo: string | undefined;
  let hostPart = rest;
  const at = rest.indexOf("@");
  if (at >= 0) {
    userinfo = rest.slice(0, at);
    hostPart = rest.slice(at + 1);
  }
  let headers: string | undefined;
  const q = hostPart.indexOf("?");
  if (q >= 0) {
    headers = hostPart.slice(q + 1);
    hostPart = hostPart.slice(0, q);
    if (!URI_HEADERS_RE.test(headers)) throw new SipSyntaxError(`URI headers ${clip(headers)}`);
  }
  const [hostport, ...paramParts] = hostPart.split(";");
  const { host, port } = parseHostPort(hostport, text);
  const params: Params = new Map();
  for (const part of paramParts) {
    const eq = part.indexOf("=");
    const name = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? null : part.slice(eq + 1);
    if (!URI_PARAM_RE.test(name) || (value !== null && !URI_PARAM_RE.test(value))) {
      throw new SipSyntaxError(`URI parameter ${clip(part)} in ${clip(text)}`);
    }
    params.set(name.toLowerCase(), value);
  }
  let user = "";
  let password: string | undefined;
  if (userinfo !== undefined) {
    if (userinfo === "" || !USERINFO_RE.test(userinfo)) {
      throw new SipSyntaxError(`URI userinfo ${clip(userinfo)} is invalid`);
    }
    // The password follows the last ":" that is not part of the user (user has no ":").
    const c = userinfo.indexOf(":");
    user = c < 0 ? userinfo : userinfo.slice(0, c);
    if (c >= 0) password = userinfo.slice(c + 1);
  }
  return { scheme: lower, user, password, host, port, params, headers };
}

function parseHostPort(hostport: string, whole: string): { host: string; port?: number } {
  // IPv6 references are bracketed, so the port is whatever follows the last ":" after "]".
  const c = hostport.lastIndexOf(":");
  const split = c > hostport.lastIndexOf("]");
  const host = split ? hostport.slice(0, c) : hostport;
  const portText = split ? hostport.slice(c + 1) : undefined;
  if (!HOST_RE.test(host)) throw new SipSyntaxError(`host ${clip(host)} in ${clip(whole)}`);
  if (portText !== undefined && !/^\d{1,5}$/.test(portText)) {
    throw new SipSyntaxError(`port ${clip(portText)} in ${clip(whole)}`);
  }
  const port = portText !== undefined ? Number(portText) : undefined;
  if (port !== undefined && (port < 1 || port > 65535)) {
    throw new SipSyntaxError(`port ${port} in ${clip(whole)}`);
  }
  return { host: host.toLowerCase(), port };
}

export function formatUri(u: Uri): string {
  if (!isSipUri(u)) return `${u.scheme}:${u.opaque}`;
  let s = `${u.scheme}:`;
  if (u.user) s += u.password !== undefined ? `${u.user}:${u.password}@` : `${u.user}@`;
  s += u.host;
  if (u.port !== undefined) s += `:${u.port}`;
  for (const [k, v] of u.params) s += v === null ? `;${k}` : `;${k}=${v}`;
  if (u.headers !== undefined) s += `?${u.headers}`;
  return s;
}

/** A name-addr or addr-spec with header parameters (To, From, Contact, Route...). */
export interface NameAddr {
  readonly displayName?: string;
  readonly uri: Uri;
  /** Header parameters (tag, expires, q, lr...), names lower-cased. */
  readonly params: Params;
  /** Whether the URI was in <>; an addr-spec's ";" parameters belong to the header. */
  readonly angle: boolean;
}

/** Splits a header value at top-level commas (outside quotes and <>). */
export function splitList(value: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (quoted) {
      if (ch === "\\") i++;
      else if (ch === '"') quoted = false;
    } else if (ch === '"') quoted = true;
    else if (ch === "<") depth++;
    else if (ch === ">") depth = Math.max(0, depth - 1);
    else if (ch === "," && depth === 0) {
      out.push(value.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(value.slice(start).trim());
  return out;
}

/** Reads a quoted-string starting at s[i] === '"'; returns its content and the next index. */
function quoted(s: string, i: number): { text: string; next: number } {
  let text = "";
  for (let j = i + 1; j < s.length; j++) {
    const ch = s[j];
    if (ch === "\\") {
      if (j + 1 >= s.length || s[j + 1] === "\r" || s[j + 1] === "\n") break;
      text += s[++j];
    } else if (ch === '"') return { text, next: j + 1 };
    else text += ch;
  }
  throw new SipSyntaxError(`unterminated quoted string in ${clip(s)}`);
}

const isWs = (ch: string | undefined) => ch === " " || ch === "\t";

/** Parses ";name[=value]" parameters from s[i...]; every parameter must be non-empty. */
export function parseParams(s: string, i: number, what: string): Params {
  const params: Params = new Map();
  while (i < s.length) {
    while (isWs(s[i])) i++;
    if (i >= s.length) break;
    if (s[i] !== ";") throw new SipSyntaxError(`${what}: unexpected ${clip(s.slice(i))}`);
    i++;
    while (isWs(s[i])) i++;
    const start = i;
    while (i < s.length && TOKEN_CHAR.test(s[i])) i++;
    const name = s.slice(start, i);
    if (!name) throw new SipSyntaxError(`${what}: empty parameter`);
    while (isWs(s[i])) i++;
    let value: string | null = null;
    if (s[i] === "=") {
      i++;
      while (isWs(s[i])) i++;
      if (s[i] === '"') {
        const q = quoted(s, i);
        value = q.text;
        i = q.next;
      } else {
        const vs = i;
        // token / host (IPv6 references included)
        while (i < s.length && /[A-Za-z0-9\-.!%*_+`'~:[\]]/.test(s[i])) i++;
        value = s.slice(vs, i);
        if (!value) throw new SipSyntaxError(`${what}: parameter ${name} has an empty value`);
      }
    }
    params.set(name.toLowerCase(), value);
  }
  return params;
}

/** Parses one name-addr / addr-spec value (not a list). */
export function parseNameAddr(value: string, what: string): NameAddr {
  const s = value.trim();
  let i = 0;
  let displayName: string | undefined;
  if (s[0] === '"') {
    const q = quoted(s, 0);
    displayName = q.text;
    i = q.next;
    while (isWs(s[i])) i++;
    if (s[i] !== "<") throw new SipSyntaxError(`${what}: expected <URI> after the display name`);
  }
  const lt = s.indexOf("<", i);
  if (lt >= 0 && (displayName !== undefined || !/[;,?]/.test(s.slice(0, lt)))) {
    if (displayName === undefined) {
      const words = s.slice(0, lt).trim();
      // display-name as *(token LWS): only token characters and whitespace.
      if (words && !/^[A-Za-z0-9\-.!%*_+`'~]+(?:[ \t]+[A-Za-z0-9\-.!%*_+`'~]+)*$/.test(words)) {
        throw new SipSyntaxError(`${what}: display name ${clip(words)} must be quoted`);
      }
      displayName = words || undefined;
    }
    const gt = s.indexOf(">", lt);
    if (gt < 0) throw new SipSyntaxError(`${what}: missing ">"`);
    const inner = s.slice(lt + 1, gt);
    if (/^\s|\s$/.test(inner)) throw new SipSyntaxError(`${what}: whitespace inside <>`);
    return {
      displayName,
      uri: parseUri(inner),
      params: parseParams(s, gt + 1, what),
      angle: true,
    };
  }
  // addr-spec: the URI runs to the first ";" and may not contain "?" or ",".
  const semi = s.indexOf(";");
  const uriText = (semi < 0 ? s : s.slice(0, semi)).trim();
  if (/[?,\s]/.test(uriText)) {
    throw new SipSyntaxError(`${what}: a URI with "?", "," or ";" must be enclosed in <>`);
  }
  return {
    uri: parseUri(uriText),
    params: semi < 0 ? new Map() : parseParams(s, semi, what),
    angle: false,
  };
}

export function formatNameAddr(a: NameAddr): string {
  let s = a.displayName !== undefined
    ? `"${a.displayName.replace(/(["\\])/g, "\\$1")}" <${formatUri(a.uri)}>`
    : `<${formatUri(a.uri)}>`;
  for (const [k, v] of a.params) s += v === null ? `;${k}` : `;${k}=${quoteIfNeeded(v)}`;
  return s;
}

function quoteIfNeeded(v: string): string {
  return /^[A-Za-z0-9\-.!%*_+`'~:[\]]+$/.test(v) ? v : `"${v.replace(/(["\\])/g, "\\$1")}"`;
}

export interface Via {
  readonly transport: string;
  readonly host: string;
  readonly port?: number;
  readonly params: Params;
}

/** Parses one via-parm: SIP / 2.0 / transport sent-by *(; params). */
export function parseVia(value: string): Via {
  const m =
    /^SIP[ \t]*\/[ \t]*(\d+\.\d+)[ \t]*\/[ \t]*([A-Za-z0-9\-.!%*_+`'~]+)[ \t]+([^\s;:]+|\[[0-9A-Fa-f:.]+\])(?:[ \t]*:[ \t]*(\d{1,5}))?/i
      .exec(value.trim());
  if (!m) throw new SipSyntaxError(`Via ${clip(value)} is not SIP/2.0/transport host[:port]`);
  if (m[1] !== "2.0") throw new SipSyntaxError(`Via version SIP/${m[1]}`);
  const host = m[3];
  if (!HOST_RE.test(host)) throw new SipSyntaxError(`Via host ${clip(host)}`);
  const port = m[4] !== undefined ? Number(m[4]) : undefined;
  if (port !== undefined && (port < 1 || port > 65535)) {
    throw new SipSyntaxError(`Via port ${port}`);
  }
  return {
    transport: m[2].toUpperCase(),
    host: host.toLowerCase(),
    port,
    params: parseParams(value.trim(), m[0].length, "Via"),
  };
}

export function formatVia(v: Via): string {
  let s = `SIP/2.0/${v.transport} ${v.host}${v.port !== undefined ? `:${v.port}` : ""}`;
  for (const [k, val] of v.params) s += val === null ? `;${k}` : `;${k}=${val}`;
  return s;
}

export interface CSeq {
  readonly seq: number;
  readonly method: string;
}

/** CSeq: 1*DIGIT LWS Method, the number below 2**31 (RFC 3261 section 8.1.1.5). */
export function parseCSeq(value: string): CSeq {
  const m = /^(\d{1,10})[ \t]+([A-Za-z0-9\-.!%*_+`'~]+)$/.exec(value.trim());
  if (!m) throw new SipSyntaxError(`CSeq ${clip(value)} is not "number method"`);
  const seq = Number(m[1]);
  if (seq >= 2 ** 31) throw new SipSyntaxError(`CSeq number ${m[1]} is 2**31 or more`);
  return { seq, method: m[2] };
}

/** delta-seconds, clamped to 2**32-1 as RFC 3261 section 25.1 allows. */
export function parseDeltaSeconds(value: string, what: string): number {
  const t = value.trim();
  if (!/^\d{1,40}$/.test(t)) throw new SipSyntaxError(`${what} ${clip(t)} is not delta-seconds`);
  return Math.min(Number(t), 2 ** 32 - 1);
}

export function clip(s: string, n = 60): string {
  // deno-lint-ignore no-control-regex
  const printable = s.replace(/[\x00-\x1f\x7f]/g, "?");
  return JSON.stringify(printable.length > n ? printable.slice(0, n) + "..." : printable);
}

// HTTP digest authentication for SIP (RFC 3261 22.4, RFC 7616, RFC 8760): one
// challenge per algorithm in the configured order (sip.digestAlgorithms), qop=auth.
// Nonces are stateless (a timestamp and an HMAC over it) and expire; nonce counts
// are tracked so a captured Authorization header cannot be replayed. Only HA1
// values are stored.
//
// A phone whose SIP library refuses the whole 401 when any challenge in it names an
// algorithm it lacks (libre before 3.12: baresip up to 3.11) is offered MD5 alone,
// recognised by its User-Agent (offeredTo); everyone else gets every challenge.
//
// Verification is split so a caller can refuse a guess without telling whether the
// user exists: check() is what does not depend on the user (nonce, realm, `uri`
// against the Request-URI), matches() compares the response with a stored HA1 or,
// for an unknown user, with a random one at the same cost, and accept() records
// the nonce count of a response that matched.

import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { Uri } from "./grammar.ts";
import { sameUri } from "./uri_equal.ts";

export type DigestAlgorithm = "SHA-256" | "MD5";

const HASH: Record<DigestAlgorithm, string> = { "SHA-256": "sha256", "MD5": "md5" };

export function h(algorithm: DigestAlgorithm, text: string): string {
  return createHash(HASH[algorithm]).update(text).digest("hex");
}

/** What is stored per user: one HA1 per algorithm, never the password. */
export interface DigestCredential {
  realm: string;
  ha1: Record<DigestAlgorithm, string>;
}

export function credentialFor(user: string, realm: string, password: string): DigestCredential {
  return {
    realm,
    ha1: {
      "SHA-256": h("SHA-256", `${user}:${realm}:${password}`),
      "MD5": h("MD5", `${user}:${realm}:${password}`),
    },
  };
}

/** The parameters of an Authorization header with scheme Digest. */
export interface DigestResponse {
  username: string;
  realm: string;
  nonce: string;
  uri: string;
  response: string;
  algorithm: DigestAlgorithm;
  qop?: string;
  nc?: string;
  cnonce?: string;
  opaque?: string;
}

/** The response a client with this HA1 computes (RFC 7616 3.4.1, RFC 2617 without qop). */
export function expectedResponse(
  r: Pick<DigestResponse, "algorithm" | "nonce" | "uri" | "qop" | "nc" | "cnonce">,
  method: string,
  ha1: string,
): string {
  const ha2 = h(r.algorithm, `${method}:${r.uri}`);
  return r.qop !== undefined
    ? h(r.algorithm, `${ha1}:${r.nonce}:${r.nc}:${r.cnonce}:${r.qop}:${ha2}`)
    : h(r.algorithm, `${ha1}:${r.nonce}:${ha2}`);
}

export class DigestError extends Error {
  override name = "DigestError";
  /**
   * stale: the nonce expired, challenge again (not a failure); status: what a
   * refusal is answered with (400 for a request that contradicts itself, such as a
   * `uri` that is not its Request-URI, RFC 7616 3.4.6).
   */
  constructor(message: string, readonly stale = false, readonly status: 400 | 403 = 403) {
    super(message);
  }
}

/** Parses `Digest k=v, k="v", ...`; undefined when the scheme is not Digest. */
export function parseAuthorization(value: string): DigestResponse | undefined {
  const m = /^Digest\s+(.*)$/is.exec(value.trim());
  if (!m) return undefined;
  const params: Record<string, string> = {};
  const re = /\s*([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]+))\s*(?:,|$)/gy;
  let r: RegExpExecArray | null;
  let consumed = 0;
  while ((r = re.exec(m[1])) !== null) {
    params[r[1].toLowerCase()] = r[2] !== undefined ? r[2].replace(/\\(.)/g, "$1") : r[3];
    consumed = re.lastIndex;
    if (consumed >= m[1].length) break;
  }
  if (consumed < m[1].trim().length) throw new DigestError("malformed Authorization header");
  for (const k of ["username", "realm", "nonce", "uri", "response"]) {
    if (!params[k]) throw new DigestError(`Authorization lacks ${k}`);
  }
  const alg = (params.algorithm ?? "MD5").toUpperCase();
  if (alg !== "MD5" && alg !== "SHA-256") {
    throw new DigestError(`algorithm ${alg} is not supported`);
  }
  return {
    username: params.username,
    realm: params.realm,
    nonce: params.nonce,
    uri: params.uri,
    response: params.response.toLowerCase(),
    algorithm: alg as DigestAlgorithm,
    qop: params.qop,
    nc: params.nc,
    cnonce: params.cnonce,
    opaque: params.opaque,
  };
}

export interface DigestOptions {
  realm: string;
  /**
   * Challenges offered, in this order (default SHA-256 then MD5, RFC 8760 2.4's
   * preference; the server's configured default is MD5 first, docs/sip.md says why).
   */
  algorithms?: DigestAlgorithm[];
  /** How long a nonce is good for. */
  nonceTtlMs?: number;
  now?: () => number;
}

/**
 * Whether a User-Agent is a phone that gives up on a 401 carrying any challenge
 * whose algorithm it does not implement, instead of answering the one it does:
 * libre before 3.12 (May 2024) walks every WWW-Authenticate and stops with ENOSYS
 * ("Function not implemented") at the first that is not MD5, wherever it stands.
 * baresip's version follows libre's (baresip 1.0 on Debian 12 has libre 1.1).
 */
export function refusesUnknownChallenges(userAgent: string | undefined): boolean {
  const m = /^baresip v(\d+)\.(\d+)/i.exec(userAgent ?? "");
  if (!m) return false;
  const [major, minor] = [Number(m[1]), Number(m[2])];
  return major < 3 || (major === 3 && minor < 12);
}

export class DigestAuthenticator {
  readonly #secret = crypto.getRandomValues(new Uint8Array(32));
  /** Highest nonce count seen per nonce, for replay detection; bounded by nonce lifetime. */
  #counts = new Map<string, { nc: number; expires: number }>();
  readonly realm: string;
  readonly algorithms: DigestAlgorithm[];
  readonly #ttl: number;
  readonly #now: () => number;
  /** Stands in for the HA1 of a user who has none, so a guess costs the same. */
  readonly #unknownHa1 = credentialFor(crypto.randomUUID(), "", crypto.randomUUID()).ha1;

  constructor(opts: DigestOptions) {
    this.realm = opts.realm;
    this.algorithms = opts.algorithms ?? ["SHA-256", "MD5"];
    this.#ttl = opts.nonceTtlMs ?? 300_000;
    this.#now = opts.now ?? Date.now;
  }

  #nonce(): string {
    const ts = this.#now().toString(36);
    const salt = crypto.randomUUID().slice(0, 8);
    return `${ts}.${salt}.${this.#mac(`${ts}.${salt}`)}`;
  }

  #mac(text: string): string {
    return createHmac("sha256", this.#secret).update(text).digest("base64url").slice(0, 22);
  }

  /**
   * The algorithms challenged for a request from this User-Agent: all of them, in
   * order, except for a phone that refuses a 401 naming any algorithm it lacks
   * (refusesUnknownChallenges), which gets MD5 alone when MD5 is offered at all.
   */
  offeredTo(userAgent?: string): DigestAlgorithm[] {
    if (refusesUnknownChallenges(userAgent) && this.algorithms.includes("MD5")) return ["MD5"];
    return this.algorithms;
  }

  /**
   * WWW-Authenticate values, one per algorithm in order of preference (RFC 8760 2.4),
   * as offeredTo(userAgent) chooses them.
   */
  challenges(stale = false, userAgent?: string): string[] {
    const nonce = this.#nonce();
    const opaque = this.#mac(nonce).slice(0, 12);
    return this.offeredTo(userAgent).map((alg) =>
      `Digest realm="${this.realm}", nonce="${nonce}", opaque="${opaque}", algorithm=${alg}, qop="auth"${
        stale ? ", stale=true" : ""
      }`
    );
  }

  /**
   * The checks that do not depend on who claims to answer: realm, a nonce issued
   * here and still fresh, an offered algorithm, well-formed qop, and (RFC 7616
   * 3.4.6) a `uri` naming the same resource as the Request-URI under RFC 3261
   * 19.1.4. Throws DigestError (stale for an expired nonce).
   */
  check(resp: DigestResponse, requestUri?: Uri | string): void {
    if (resp.realm !== this.realm) {
      throw new DigestError(`realm ${resp.realm} is not ${this.realm}`);
    }
    const [ts, salt, mac] = resp.nonce.split(".");
    if (!ts || !salt || !mac || mac !== this.#mac(`${ts}.${salt}`)) {
      throw new DigestError("nonce was not issued here");
    }
    const issued = parseInt(ts, 36);
    if (!(this.#now() - issued <= this.#ttl)) throw new DigestError("nonce expired", true);
    if (!this.algorithms.includes(resp.algorithm)) {
      throw new DigestError(`algorithm ${resp.algorithm} is not offered`);
    }
    if (
      resp.qop !== undefined &&
      (resp.qop !== "auth" || !resp.nc || !resp.cnonce || !/^[0-9a-fA-F]{8}$/.test(resp.nc))
    ) {
      throw new DigestError("qop=auth needs nc (8 hex digits) and cnonce");
    }
    if (requestUri !== undefined && !sameUri(resp.uri, requestUri)) {
      throw new DigestError("digest uri is not the Request-URI", false, 400);
    }
  }

  /**
   * Whether the response was computed with this credential's HA1. Without a
   * credential (unknown user, or one stored under another realm) it compares with
   * a random HA1 instead, so the answer and its cost are those of a wrong password.
   */
  matches(resp: DigestResponse, method: string, credential: DigestCredential | undefined): boolean {
    const known = credential !== undefined && credential.realm === this.realm;
    const ha1 = known ? credential.ha1[resp.algorithm] : this.#unknownHa1[resp.algorithm];
    const expected = new TextEncoder().encode(expectedResponse(resp, method, ha1));
    const given = new TextEncoder().encode(resp.response);
    // timingSafeEqual needs equal lengths; a wrong length still costs the same hash.
    const same = expected.length === given.length && timingSafeEqual(expected, given);
    return known && same;
  }

  /** Records the nonce count of a response that matched; throws when it was replayed. */
  accept(resp: DigestResponse): void {
    const now = this.#now();
    const issued = parseInt(resp.nonce.split(".")[0], 36);
    // With qop the count must grow; without it a nonce is good once.
    const nc = resp.nc ? parseInt(resp.nc, 16) : Number.MAX_SAFE_INTEGER;
    const seen = this.#counts.get(resp.nonce);
    if (seen && nc <= seen.nc) throw new DigestError("nonce count replayed");
    this.#counts.set(resp.nonce, { nc, expires: issued + this.#ttl });
    if (this.#counts.size > 10_000) this.#sweep(now);
  }

  /**
   * check(), matches() and accept() in one, for callers that need not hide which
   * step failed. Throws DigestError (stale for an expired nonce).
   */
  verify(
    resp: DigestResponse,
    method: string,
    credential: DigestCredential,
    requestUri?: Uri | string,
  ): void {
    this.check(resp, requestUri);
    if (!this.matches(resp, method, credential)) {
      throw new DigestError("digest response does not match");
    }
    this.accept(resp);
  }

  #sweep(now: number): void {
    for (const [k, v] of this.#counts) if (v.expires < now) this.#counts.delete(k);
  }
}

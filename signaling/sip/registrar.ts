// The registrar (RFC 3261 section 10.3): a guardian registers with its name as the
// user ("technical" for if://guardian/technical), authenticated by digest against
// the HA1 stored for it; bindings live in KV with expiry. Nothing is stored for a
// request that is refused.
//
// authenticate() serves every challenged request (REGISTER, dial-in INVITE) and
// guards the password: a rate limit per source address, then the claimed name's
// lockout (AccountLockout), both before any HMAC or hash; one answer for an
// unknown user and a wrong password; failures and locks witnessed through a
// RejectLedger, one counted entry per name per interval. The operator's log says
// why each failed (AuthFailureLog, once per name and reason per interval), which
// the answer and the public witness do not, and names phones that never answered
// a challenge (a phone that cannot use any offered algorithm sends nothing back).

import {
  GUARDIAN_ID_RE,
  type GuardianRegistry,
  KeyedLimiter,
  RejectLedger,
} from "../../guard/mod.ts";
import type { Store } from "../../store/mod.ts";
import type { Logger } from "../../telemetry/mod.ts";
import type { WitnessLog } from "../../witness/mod.ts";
import {
  AccountLockout,
  AuthFailureLog,
  type AuthFailureReason,
  DEFAULT_LOCKOUT,
  type LockoutOptions,
} from "./auth_lockout.ts";
import {
  credentialFor,
  type DigestAuthenticator,
  type DigestCredential,
  DigestError,
  type DigestResponse,
  parseAuthorization,
} from "./digest.ts";
import {
  clip,
  formatUri,
  isSipUri,
  type NameAddr,
  parseDeltaSeconds,
  unescape,
} from "./grammar.ts";
import {
  callIdOf,
  contactsOf,
  cseqOf,
  fromOf,
  responseTo,
  type SipRequest,
  type SipResponse,
  toOf,
} from "./message.ts";
import type { Peer, TransportName } from "./transport.ts";

const CREDENTIALS = ["sip", "v1", "credential"] as const;
const BINDINGS = ["sip", "v1", "binding"] as const;

export interface Binding {
  guardianId: string;
  contact: string;
  expiresAt: number;
  callId: string;
  cseq: number;
  /** Where the REGISTER came from: requests to this binding go there (NAT friendly). */
  source: { transport: TransportName; address: string; port: number };
  userAgent?: string;
}

export interface RegistrarOptions {
  minExpires: number;
  maxExpires: number;
  /** Challenged requests (REGISTER, digest INVITE) per second and burst from one address. */
  perSource: { perSecond: number; burst: number };
  /** Failures per claimed user name before it locks, and the backoff. */
  lockout: LockoutOptions;
  /** A challenge whose Call-ID brings no answer this long is logged (default 10 s). */
  unansweredMs?: number;
  /** Interval of the operator's log of failures (AuthFailureLog, default 10 s). */
  authLogIntervalMs?: number;
}

export const DEFAULT_REGISTRAR: RegistrarOptions = {
  minExpires: 60,
  maxExpires: 3600,
  perSource: { perSecond: 10, burst: 20 },
  lockout: DEFAULT_LOCKOUT,
};

/** What is stored per guardian: the HA1s, and when they were set (absent before issue 25). */
type StoredCredential = DigestCredential & { setAt?: string };

/** A guardian's SIP password as operators may see it: that it exists, never the password. */
export interface CredentialInfo {
  guardianId: string;
  /** The digest realm it was stored under; a password set under another realm no longer works. */
  realm: string;
  usable: boolean;
  setAt?: string;
}

/** Challenges awaiting an answer (per Call-ID), for the "challenge not answered" line. */
const MAX_CHALLENGED = 1_000;

/** The one answer to a wrong password and to a user that does not exist. */
const AUTH_FAILED: [string, string] = ["warning", `399 council "wrong user name or password"`];

export function guardianOfUser(user: string): string | undefined {
  const id = `if://guardian/${unescape(user)}`;
  return GUARDIAN_ID_RE.test(id) ? id : undefined;
}

export function userOfGuardian(guardianId: string): string {
  return guardianId.slice("if://guardian/".length);
}

/** A password an operator cannot set: no such guardian (404), or not 8-128 characters (400). */
export class CredentialError extends Error {
  override name = "CredentialError";
  constructor(message: string, readonly status: 400 | 404) {
    super(message);
  }
}

export type AuthOutcome =
  | { ok: true; guardianId: string }
  | { ok: false; response: SipResponse };

export class Registrar {
  readonly #perSource: KeyedLimiter;
  readonly #lockout: AccountLockout;
  readonly #ledger: RejectLedger;
  readonly #ownLedger: boolean;
  readonly #authLog: AuthFailureLog;
  /** Call-ID -> the challenge sent, until an answer with that Call-ID arrives. */
  readonly #challenged = new Map<string, {
    at: number;
    user: string;
    method: string;
    source: string;
    userAgent?: string;
    offered: string;
  }>();
  #sweeper: ReturnType<typeof setInterval> | undefined;
  readonly counters = {
    registered: 0,
    challenged: 0,
    refused: 0,
    /** Challenged requests refused by the per-source limit (503). */
    rateLimited: 0,
    /** Digest answers that were wrong (wrong password, unknown user, bad nonce, uri). */
    authFailures: 0,
    /** Names that locked. */
    lockouts: 0,
    /** Requests refused, unchecked, because their name was locked (503). */
    locked: 0,
    /** Digest responses actually compared with an HA1 (the guesses that were tried). */
    passwordChecks: 0,
  };

  constructor(
    private readonly store: Store,
    private readonly registry: GuardianRegistry,
    private readonly digest: DigestAuthenticator,
    private readonly witness: WitnessLog,
    private readonly opts: RegistrarOptions = DEFAULT_REGISTRAR,
    ledger?: RejectLedger,
    /** The operator's log: why digest attempts failed (rate-limited lines). */
    log?: Logger,
  ) {
    this.#perSource = new KeyedLimiter(opts.perSource);
    this.#lockout = new AccountLockout(opts.lockout);
    this.#ownLedger = ledger === undefined;
    this.#ledger = ledger ?? new RejectLedger({ witness });
    this.#authLog = new AuthFailureLog(log, { intervalMs: opts.authLogIntervalMs });
  }

  /**
   * Stores the digest HA1s for a guardian's SIP password (operators set it). The
   * guardian's bindings end: they were proven with the password this replaces.
   */
  async setPassword(guardianId: string, password: string): Promise<void> {
    if (!this.registry.get(guardianId)) {
      throw new CredentialError(`no guardian ${guardianId}`, 404);
    }
    if (password.length < 8 || password.length > 128) {
      throw new CredentialError("password must be 8-128 characters", 400);
    }
    const user = userOfGuardian(guardianId);
    const stored: StoredCredential = {
      ...credentialFor(user, this.digest.realm, password),
      setAt: new Date().toISOString(),
    };
    await this.store.kv.set([...CREDENTIALS, guardianId], stored);
    const dropped = await this.#dropBindings(guardianId);
    await this.witness.append("sip.password_set", { guardianId, by: "operator", dropped });
  }

  /**
   * Removes a guardian's SIP password and its bindings; false when it had none.
   * Its phones can no longer register or dial in by digest.
   */
  async clearPassword(guardianId: string): Promise<boolean> {
    const key = [...CREDENTIALS, guardianId];
    if ((await this.store.kv.get(key)).value === null) return false;
    await this.store.kv.delete(key);
    const dropped = await this.#dropBindings(guardianId);
    await this.witness.append("sip.password_cleared", { guardianId, by: "operator", dropped });
    return true;
  }

  /** Which guardians have a SIP password (never the password or its HA1s). */
  async credentials(): Promise<CredentialInfo[]> {
    const out: CredentialInfo[] = [];
    for await (const e of this.store.kv.list<StoredCredential>({ prefix: [...CREDENTIALS] })) {
      out.push({
        guardianId: String(e.key[CREDENTIALS.length]),
        realm: e.value.realm,
        usable: e.value.realm === this.digest.realm,
        ...(e.value.setAt ? { setAt: e.value.setAt } : {}),
      });
    }
    return out;
  }

  async #dropBindings(guardianId: string): Promise<number> {
    let n = 0;
    for await (const e of this.store.kv.list({ prefix: [...BINDINGS, guardianId] })) {
      await this.store.kv.delete(e.key);
      n++;
    }
    return n;
  }

  /**
   * Whether a SIP user name belongs to a guardian with a SIP password here (a caller
   * without one may key in a room's PIN instead of being challenged; issue 23).
   */
  async hasPassword(user: string): Promise<boolean> {
    const guardianId = guardianOfUser(user.slice(0, 128));
    return guardianId !== undefined && await this.#credential(guardianId) !== undefined;
  }

  // Always one KV read, also for a name that is no guardian id, so an unknown user
  // costs what a known one does.
  async #credential(guardianId: string | undefined): Promise<DigestCredential | undefined> {
    const key = [...CREDENTIALS, guardianId ?? "\u0000none"];
    return (await this.store.kv.get<DigestCredential>(key)).value ?? undefined;
  }

  /**
   * Digest-authenticates a request as a guardian: 401 with challenges when it has
   * no (or a stale) Authorization; 503 with Retry-After when its source is over
   * the limit or the name it claims is locked; 400 when the digest `uri` is not
   * the Request-URI; 403 when it does not verify (one answer whether or not the
   * user exists). Every failure is logged for the operator with its real reason.
   */
  async authenticate(req: SipRequest, from: Peer, toTag?: string): Promise<AuthOutcome> {
    const refuse = (status: number, headers: [string, string][], reason?: string) => ({
      ok: false as const,
      response: responseTo(req, status, { toTag, headers, reason }),
    });
    const source = `${from.transport} ${from.address}:${from.port}`;
    const userAgent = req.headers.get("user-agent")?.slice(0, 120);
    const logged = { method: req.method, source, ...(userAgent ? { userAgent } : {}) };
    // Per source before anything else: a challenge costs an HMAC too.
    const allowed = this.#perSource.take(from.address);
    if (!allowed.ok) {
      this.counters.rateLimited++;
      this.#ledger.note("sip.auth.throttled", from.address, { method: req.method, source });
      this.#authLog.note("rate limited", from.address, {
        ...logged,
        detail: `more than ${this.opts.perSource.perSecond} challenged requests a second`,
      });
      return refuse(503, [["retry-after", String(allowed.retryAfter)]], "Too Many Requests");
    }
    const headers = req.headers.all("authorization").filter((v) => /^\s*Digest\s/i.test(v));
    if (headers.length === 0) {
      // No credentials, or only schemes we do not know (RFC 4475 regaut01).
      this.counters.challenged++;
      return this.#challenge(req, from, toTag);
    }
    this.#challenged.delete(callIdOf(req));
    let resp;
    try {
      resp = this.#pick(headers);
    } catch (err) {
      this.counters.refused++;
      const message = (err as Error).message;
      const claimed = /username="([^"]{0,128})/.exec(headers[0])?.[1] ?? "";
      this.#authLog.note(
        /algorithm .* not supported/.test(message) ? "unsupported algorithm" : "bad digest",
        claimed,
        { ...logged, detail: message },
      );
      return refuse(403, [["warning", `399 council ${clip(message, 120)}`]]);
    }
    // Long names are no guardian's; the prefix keys the lock, so tables stay small.
    const user = resp.username.slice(0, 128);
    const guardianId = guardianOfUser(resp.username);
    const guardian = guardianId ? this.registry.get(guardianId) : undefined;
    const account = guardian !== undefined;
    // The claimed name's lock, before any hash: a locked name is not checked at all.
    const locked = (): AuthOutcome | undefined => {
      const lock = this.#lockout.check(user, account);
      if (lock.ok) return undefined;
      this.counters.locked++;
      this.#ledger.note("sip.auth.locked", user, { method: req.method, source });
      this.#authLog.note("locked out", user, { ...logged, retryAfter: lock.retryAfter });
      return refuse(503, [["retry-after", String(lock.retryAfter)]], "Too Many Failed Attempts");
    };
    const lockedBefore = locked();
    if (lockedBefore) return lockedBefore;
    const fail = (
      status: number,
      warning: [string, string],
      why: string,
      logReason: AuthFailureReason,
      detail?: string,
    ): AuthOutcome => {
      this.counters.authFailures++;
      this.counters.refused++;
      this.#ledger.note("sip.auth.failure", user, { method: req.method, source, reason: why });
      this.#authLog.note(logReason, user, {
        ...logged,
        algorithm: resp.algorithm,
        ...(detail ? { detail } : {}),
      });
      const locked = this.#lockout.failure(user, account);
      if (locked) {
        this.counters.lockouts++;
        this.#ledger.note("sip.auth.lockout", user, {
          method: req.method,
          source,
          lockedMs: locked.lockedMs,
          level: locked.level,
        });
        this.#authLog.note("locked out", user, {
          ...logged,
          lockedMs: locked.lockedMs,
          detail: `${this.opts.lockout.failures} failures in a row`,
        });
      }
      return refuse(status, [warning]);
    };
    try {
      this.digest.check(resp, req.uri);
    } catch (err) {
      if (!(err instanceof DigestError)) throw err;
      if (err.stale) {
        this.counters.challenged++;
        this.#authLog.note("stale nonce", user, { ...logged, detail: "challenged again" });
        return this.#challenge(req, from, toTag, true);
      }
      // Nothing here depends on the user, so the reason may be told.
      return fail(
        err.status,
        ["warning", `399 council ${clip(err.message, 120)}`],
        err.message,
        /algorithm .* not offered/.test(err.message) ? "unsupported algorithm" : "bad digest",
        err.message,
      );
    }
    const credential = await this.#credential(guardianId);
    // Again after the read: guesses that arrived together must not all pass the
    // first check before any of them is counted. From here to failure() nothing
    // awaits, so a name gets at most lockoutFailures checks per lock.
    const lockedAfter = locked();
    if (lockedAfter) return lockedAfter;
    this.counters.passwordChecks++;
    if (!this.digest.matches(resp, req.method, account ? credential : undefined)) {
      // The witness is public: it must not tell an unknown user from a wrong password
      // either. The operator's log may, and says which.
      const [reason, detail]: [AuthFailureReason, string | undefined] = !account
        ? ["unknown user", guardianId ? `no guardian ${guardianId}` : "not a guardian name"]
        : !credential
        ? ["no SIP password", `${guardianId} has no SIP password (council sip password)`]
        : credential.realm !== this.digest.realm
        ? ["no SIP password", `its password was set under realm ${credential.realm}`]
        : ["wrong password", undefined];
      return fail(403, AUTH_FAILED, "wrong user name or password", reason, detail);
    }
    try {
      this.digest.accept(resp);
    } catch (err) {
      const message = (err as Error).message;
      return fail(403, ["warning", `399 council ${clip(message, 120)}`], "replayed", "replayed");
    }
    this.#lockout.success(user, account);
    // Only someone who knows the password learns the guardian's status.
    if (guardian!.status !== "active") {
      this.counters.refused++;
      this.#authLog.note("guardian not active", user, { ...logged, status: guardian!.status });
      return refuse(403, [["warning", `399 council "guardian is ${guardian!.status}"`]]);
    }
    return { ok: true, guardianId: guardianId! };
  }

  /**
   * The Authorization to check among several Digest ones (a phone may answer every
   * challenge, as libre 3.12 does): ours (realm), SHA-256 before MD5, else the
   * first. Throws the first one's DigestError when none parses.
   */
  #pick(headers: string[]): DigestResponse {
    const parsed: DigestResponse[] = [];
    let first: unknown;
    for (const h of headers.slice(0, 4)) {
      try {
        parsed.push(parseAuthorization(h)!);
      } catch (err) {
        first ??= err;
      }
    }
    if (parsed.length === 0) throw first;
    const ours = parsed.filter((r) => r.realm === this.digest.realm);
    const pool = ours.length ? ours : parsed;
    return pool.find((r) =>
      r.algorithm === "SHA-256" && this.digest.algorithms.includes("SHA-256")
    ) ??
      pool[0];
  }

  #challenge(
    req: SipRequest,
    from: Peer,
    toTag: string | undefined,
    stale = false,
  ): AuthOutcome {
    const userAgent = req.headers.get("user-agent")?.slice(0, 120);
    const offered = this.digest.offeredTo(userAgent);
    this.#track(req, from, userAgent, offered.join(", "));
    return {
      ok: false,
      response: responseTo(req, 401, {
        toTag,
        headers: this.digest.challenges(stale, userAgent).map((c) => ["www-authenticate", c]),
      }),
    };
  }

  // A phone that cannot use any offered algorithm (or has no password set) answers
  // a 401 with silence: note each challenge by Call-ID until an answer arrives, and
  // log the ones left alone (once per name per interval, at info: scanners do it too).
  #track(req: SipRequest, from: Peer, userAgent: string | undefined, offered: string): void {
    const now = Date.now();
    const callId = callIdOf(req);
    const ms = this.opts.unansweredMs ?? 10_000;
    const seen = this.#challenged.get(callId);
    if (seen) {
      // Asked again without an answer (a REGISTER retried later): that is an answer too.
      if (now - seen.at >= ms) this.#unanswered(callId, seen);
      else return;
    }
    if (this.#challenged.size >= MAX_CHALLENGED) return;
    const uri = (req.method === "REGISTER" ? toOf(req) : fromOf(req)).uri;
    const user = isSipUri(uri) ? uri.user ?? "" : "";
    this.#challenged.set(callId, {
      at: now,
      user: user.slice(0, 128),
      method: req.method,
      source: `${from.transport} ${from.address}:${from.port}`,
      ...(userAgent ? { userAgent } : {}),
      offered,
    });
    this.#sweeper ??= setInterval(() => this.#sweep(), Math.max(50, ms / 2));
    Deno.unrefTimer(this.#sweeper as unknown as number);
  }

  #sweep(): void {
    const now = Date.now();
    const ms = this.opts.unansweredMs ?? 10_000;
    for (const [callId, c] of this.#challenged) {
      if (now - c.at >= ms) this.#unanswered(callId, c);
    }
    if (this.#challenged.size === 0 && this.#sweeper !== undefined) {
      clearInterval(this.#sweeper);
      this.#sweeper = undefined;
    }
  }

  #unanswered(
    callId: string,
    c: {
      at: number;
      user: string;
      method: string;
      source: string;
      userAgent?: string;
      offered: string;
    },
  ): void {
    this.#challenged.delete(callId);
    const { at: _at, user, offered, ...rest } = c;
    this.#authLog.note("challenge not answered", user, {
      ...rest,
      offered,
      detail: `no answer to the digest challenge (${offered}) within ${
        this.opts.unansweredMs ?? 10_000
      } ms: the phone may support none of these algorithms, or have no password for realm ${this.digest.realm}`,
    });
  }

  /** Writes the pending aggregated rejects and log counts (at shutdown). */
  async close(): Promise<void> {
    if (this.#sweeper !== undefined) clearInterval(this.#sweeper);
    this.#sweeper = undefined;
    this.#authLog.flush();
    if (this.#ownLedger) await this.#ledger.close();
  }

  async handle(req: SipRequest, from: Peer, toTag: string): Promise<SipResponse> {
    const to = toOf(req);
    if (!isSipUri(to.uri)) {
      this.counters.refused++;
      return responseTo(req, 400, { toTag, reason: "To Must Be A SIP URI" });
    }
    const contacts = req.headers.all("contact");
    const star = contacts.includes("*");
    const expiresHeader = req.headers.get("expires");
    if (
      star && (contacts.length !== 1 || expiresHeader === undefined || Number(expiresHeader) !== 0)
    ) {
      return responseTo(req, 400, { toTag, reason: "Wildcard Contact Needs Expires 0" });
    }
    const auth = await this.authenticate(req, from, toTag);
    if (!auth.ok) return auth.response;
    const guardianId = auth.guardianId;
    if (guardianOfUser(to.uri.user) !== guardianId) {
      this.counters.refused++;
      return responseTo(req, 403, {
        toTag,
        headers: [["warning", `399 council "may only register ${userOfGuardian(guardianId)}"`]],
      });
    }

    const now = Date.now();
    const callId = callIdOf(req);
    const cseq = cseqOf(req).seq;
    if (star) {
      for (const b of await this.bindings(guardianId)) {
        await this.store.kv.delete([...BINDINGS, guardianId, b.contact]);
      }
    } else {
      const defaultExpires = expiresHeader !== undefined
        ? parseDeltaSeconds(expiresHeader, "Expires")
        : this.opts.maxExpires;
      const planned: { contact: NameAddr; expires: number }[] = [];
      for (const c of contactsOf(req)) {
        const e = c.params.get("expires");
        const expires = e ? parseDeltaSeconds(e, "expires") : defaultExpires;
        if (expires !== 0 && expires < this.opts.minExpires) {
          return responseTo(req, 423, {
            toTag,
            headers: [["min-expires", String(this.opts.minExpires)]],
          });
        }
        planned.push({ contact: c, expires: Math.min(expires, this.opts.maxExpires) });
      }
      // One atomic write: every binding of this REGISTER is stored, or none is.
      const op = this.store.kv.atomic();
      for (const { contact, expires } of planned) {
        const uri = formatUri(contact.uri);
        const key = [...BINDINGS, guardianId, uri];
        if (expires === 0) {
          op.delete(key);
          continue;
        }
        const binding: Binding = {
          guardianId,
          contact: uri,
          expiresAt: now + expires * 1000,
          callId,
          cseq,
          source: { transport: from.transport, address: from.address, port: from.port },
          userAgent: req.headers.get("user-agent")?.slice(0, 200),
        };
        op.set(key, binding, { expireIn: expires * 1000 });
      }
      await op.commit();
      if (planned.length > 0) {
        await this.witness.append("sip.register", {
          guardianId,
          contacts: planned.map((p) => ({ contact: formatUri(p.contact.uri), expires: p.expires })),
          source: `${from.transport} ${from.address}:${from.port}`,
        });
      }
    }
    this.counters.registered++;
    const current = await this.bindings(guardianId);
    return responseTo(req, 200, {
      toTag,
      headers: [
        ...current.map((b): [string, string] => [
          "contact",
          `<${b.contact}>;expires=${Math.max(0, Math.round((b.expiresAt - now) / 1000))}`,
        ]),
        ["date", new Date(now).toUTCString()],
      ],
    });
  }

  /** Live bindings: a guardian's, or everyone's (operators, ESCALATE call-outs). */
  async bindings(guardianId?: string): Promise<Binding[]> {
    const now = Date.now();
    const prefix = guardianId ? [...BINDINGS, guardianId] : [...BINDINGS];
    const out: Binding[] = [];
    for await (const e of this.store.kv.list<Binding>({ prefix })) {
      if (e.value.expiresAt > now) out.push(e.value);
    }
    return out;
  }
}

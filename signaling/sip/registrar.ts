// The registrar (RFC 3261 section 10.3): a guardian registers with its name as the
// user ("technical" for if://guardian/technical), authenticated by digest against
// the HA1 stored for it; bindings live in KV with expiry. Floods from one source
// are rate limited before any work is done; nothing is stored for a request that
// is refused.

import { GUARDIAN_ID_RE, type GuardianRegistry } from "../../guard/mod.ts";
import { TokenBucket } from "../../guard/limits.ts";
import type { Store } from "../../store/mod.ts";
import type { WitnessLog } from "../../witness/mod.ts";
import {
  credentialFor,
  type DigestAuthenticator,
  type DigestCredential,
  DigestError,
  parseAuthorization,
} from "./digest.ts";
import { formatUri, isSipUri, type NameAddr, parseDeltaSeconds, unescape } from "./grammar.ts";
import {
  callIdOf,
  contactsOf,
  cseqOf,
  responseTo,
  type SipRequest,
  type SipResponse,
  toOf,
} from "./message.ts";
import type { Peer } from "./transport.ts";

const CREDENTIALS = ["sip", "v1", "credential"] as const;
const BINDINGS = ["sip", "v1", "binding"] as const;

export interface Binding {
  guardianId: string;
  contact: string;
  expiresAt: number;
  callId: string;
  cseq: number;
  /** Where the REGISTER came from: requests to this binding go there (NAT friendly). */
  source: { transport: "UDP" | "TCP"; address: string; port: number };
  userAgent?: string;
}

export interface RegistrarOptions {
  minExpires: number;
  maxExpires: number;
  /** REGISTERs per second (and burst) accepted from one source address. */
  perSource: { perSecond: number; burst: number };
}

export const DEFAULT_REGISTRAR: RegistrarOptions = {
  minExpires: 60,
  maxExpires: 3600,
  perSource: { perSecond: 10, burst: 20 },
};

export function guardianOfUser(user: string): string | undefined {
  const id = `if://guardian/${unescape(user)}`;
  return GUARDIAN_ID_RE.test(id) ? id : undefined;
}

export function userOfGuardian(guardianId: string): string {
  return guardianId.slice("if://guardian/".length);
}

export type AuthOutcome =
  | { ok: true; guardianId: string }
  | { ok: false; response: SipResponse };

export class Registrar {
  #buckets = new Map<string, TokenBucket>();
  readonly counters = { registered: 0, challenged: 0, refused: 0, rateLimited: 0 };

  constructor(
    private readonly store: Store,
    private readonly registry: GuardianRegistry,
    private readonly digest: DigestAuthenticator,
    private readonly witness: WitnessLog,
    private readonly opts: RegistrarOptions = DEFAULT_REGISTRAR,
  ) {}

  /** Stores the digest HA1s for a guardian's SIP password (operators set it). */
  async setPassword(guardianId: string, password: string): Promise<void> {
    if (!this.registry.get(guardianId)) throw new Error(`${guardianId} is not registered`);
    if (password.length < 8 || password.length > 128) {
      throw new Error("password must be 8-128 characters");
    }
    const user = userOfGuardian(guardianId);
    await this.store.kv.set(
      [...CREDENTIALS, guardianId],
      credentialFor(user, this.digest.realm, password),
    );
  }

  async #credential(guardianId: string): Promise<DigestCredential | undefined> {
    return (await this.store.kv.get<DigestCredential>([...CREDENTIALS, guardianId])).value ??
      undefined;
  }

  /**
   * Digest-authenticates a request as a guardian: 401 with challenges when it has
   * no (or a stale) Authorization, 403 when it does not verify.
   */
  async authenticate(req: SipRequest, toTag?: string): Promise<AuthOutcome> {
    const challenge = (stale = false, status = 401): AuthOutcome => {
      this.counters.challenged++;
      return {
        ok: false,
        response: responseTo(req, status, {
          toTag,
          headers: this.digest.challenges(stale).map((c) => ["www-authenticate", c]),
        }),
      };
    };
    const forbidden = (why: string): AuthOutcome => {
      this.counters.refused++;
      return {
        ok: false,
        response: responseTo(req, 403, { toTag, headers: [["warning", `399 council "${why}"`]] }),
      };
    };
    const header = req.headers.all("authorization").find((v) => /^\s*Digest\s/i.test(v));
    if (!header) return challenge(); // no credentials, or only schemes we do not know (regaut01)
    let resp;
    try {
      resp = parseAuthorization(header)!;
    } catch (err) {
      return forbidden((err as Error).message);
    }
    const guardianId = guardianOfUser(resp.username);
    const guardian = guardianId ? this.registry.get(guardianId) : undefined;
    const credential = guardianId ? await this.#credential(guardianId) : undefined;
    if (!guardianId || !guardian || !credential) return forbidden("unknown user");
    if (guardian.status !== "active") return forbidden(`guardian is ${guardian.status}`);
    try {
      this.digest.verify(resp, req.method, credential);
    } catch (err) {
      if (err instanceof DigestError && err.stale) return challenge(true);
      return forbidden((err as Error).message);
    }
    return { ok: true, guardianId };
  }

  /** Rate limit per source address; false means refuse without further work. */
  admitSource(from: Peer): boolean {
    let b = this.#buckets.get(from.address);
    if (!b) {
      if (this.#buckets.size > 10_000) {
        for (const [k, v] of this.#buckets) if (v.idle()) this.#buckets.delete(k);
      }
      this.#buckets.set(from.address, b = new TokenBucket(this.opts.perSource));
    }
    return b.take().ok;
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
    const auth = await this.authenticate(req, toTag);
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

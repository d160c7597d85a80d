// Who sent a RAS request: H.235.1 (procedure I, the guardian's H.323 password) or
// Council's RAS token (Ed25519, the guardian's registered key). Checks freshness
// and replays for both; says why a request is not proven without saying which
// secret was wrong.

import { toBase64 } from "../../../witness/mod.ts";
import type { HostPort } from "../h225/address.ts";
import type { RasValue } from "../h225/mod.ts";
import { rasFields, rasSignedBytes, readCouncilProof } from "./council_token.ts";
import { hashMatches, readHashedToken, signRas } from "./h235_1.ts";
import type { H323Passwords } from "./passwords.ts";

export type ProofMethod = "h235.1" | "council-token";

export type Proven =
  | { ok: true; method: ProofMethod; sendersID?: string }
  | { ok: false; missing: boolean; why: string };

export interface GuardianVerifier {
  verifyGuardian(
    guardianId: string,
    message: Uint8Array,
    signatureB64: string,
  ): Promise<"ok" | "NOT_REGISTERED" | "INVALID_SIGNATURE">;
}

export interface RasAuthOptions {
  gatekeeperId: string;
  passwords: H323Passwords;
  guard: GuardianVerifier;
  /** How far a token's time may be from ours, in seconds. */
  timestampWindowSec: number;
  now?: () => number;
}

/** A bounded set of (key, expiry): replayed tokens are found in it. */
class SeenTokens {
  #seen = new Map<string, number>();
  constructor(private readonly max = 200_000) {}
  add(key: string, until: number, now: number): boolean {
    for (const [k, t] of this.#seen) {
      if (t > now) break;
      this.#seen.delete(k);
    }
    const known = this.#seen.get(key);
    if (known !== undefined && known > now) return false;
    if (this.#seen.size >= this.max) this.#seen.delete(this.#seen.keys().next().value!);
    this.#seen.delete(key);
    this.#seen.set(key, until);
    return true;
  }
}

export class RasAuthenticator {
  #seen = new SeenTokens();
  #random = Math.floor(Math.random() * 0x3fffffff);
  #now: () => number;

  constructor(readonly o: RasAuthOptions) {
    this.#now = o.now ?? Date.now;
  }

  /**
   * Whether `raw` (the datagram as received; `body` its decoded message of `kind`)
   * was sent by `guardianId`: a valid Council RAS token, or a valid H.235.1 token
   * under that guardian's password (or `key`, a neighbour's). Fresh and not replayed.
   */
  async prove(
    raw: Uint8Array,
    kind: string,
    body: Record<string, unknown>,
    guardianId: string | undefined,
    key?: Uint8Array,
  ): Promise<Proven> {
    const now = this.#now();
    const windowMs = this.o.timestampWindowSec * 1000;
    const council = readCouncilProof(body);
    if (council.ok || !council.missing) {
      if (!council.ok) return { ok: false, missing: false, why: council.error };
      const p = council.proof;
      if (!guardianId || p.guardianId !== guardianId) {
        return { ok: false, missing: false, why: "the token names another guardian" };
      }
      if (Math.abs(now - p.timestamp) > windowMs) {
        return { ok: false, missing: false, why: "the token's time is outside the window" };
      }
      const bytes = rasSignedBytes(rasFields(kind, body), p);
      const verdict = await this.o.guard.verifyGuardian(
        guardianId,
        bytes,
        toBase64(p.signature),
      );
      if (verdict !== "ok") return { ok: false, missing: false, why: "the token does not verify" };
      if (!this.#seen.add(`c ${guardianId} ${p.nonce}`, p.timestamp + 2 * windowMs, now)) {
        return { ok: false, missing: false, why: "the token was used before" };
      }
      return { ok: true, method: "council-token" };
    }
    const h235 = readHashedToken(body);
    if (!h235.ok) return { ok: false, missing: h235.missing, why: h235.error };
    const t = h235.token;
    if (Math.abs(now / 1000 - t.timeStamp) > this.o.timestampWindowSec) {
      return { ok: false, missing: false, why: "the H.235.1 timeStamp is outside the window" };
    }
    // generalID names the recipient: a token made for another gatekeeper is not ours.
    if (t.generalID !== undefined && t.generalID !== this.o.gatekeeperId) {
      return { ok: false, missing: false, why: "the H.235.1 token is for another gatekeeper" };
    }
    const secret = key ?? (guardianId ? this.o.passwords.keyOf(guardianId) : undefined);
    if (!secret || !hashMatches(raw, t.hash, secret)) {
      return { ok: false, missing: false, why: "the H.235.1 hash does not verify" };
    }
    const who = guardianId ?? "neighbour";
    if (
      !this.#seen.add(
        `h ${who} ${t.timeStamp} ${t.random}`,
        (t.timeStamp + 2 * this.o.timestampWindowSec) * 1000,
        now,
      )
    ) {
      return { ok: false, missing: false, why: "the H.235.1 (timeStamp, random) was used before" };
    }
    return { ok: true, method: "h235.1", sendersID: t.sendersID };
  }

  /** Encodes an answer with an H.235.1 token for `key` (H323Plus checks them). */
  sign(answer: RasValue, key: Uint8Array, generalID: string | undefined): Uint8Array {
    this.#random = (this.#random + 1) % 0x7fffffff;
    return signRas(answer, {
      key,
      generalID,
      sendersID: this.o.gatekeeperId,
      timeStamp: Math.floor(this.#now() / 1000),
      random: this.#random,
    });
  }
}

/** "host:port" of an address, the key rate limits and the ledger use. */
export function sourceKey(from: HostPort): string {
  return from.host;
}

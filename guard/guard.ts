// IF.guard: admits or rejects every leg, on any protocol, and witnesses each
// decision before it is returned. Gates run in the order of the design:
//
//   1 signature valid for the registered key    INVALID_SIGNATURE / NOT_REGISTERED
//   2 registered and active                     NOT_REGISTERED
//   3 fresh and not replayed                    REPLAYED
//   4 no PII in ESCALATE calls                  PII_POLICY_VIOLATION
//   5 bandwidth: guardian quota, room budget    BANDWIDTH_EXCEEDED
//   6 room capacity                             CAPACITY_EXCEEDED
//   7 rate limits: per call type, per guardian  RATE_LIMITED
//   8 codec policy of the room                  CODEC_UNSUPPORTED
//
// Before gate 1 (so before any signature check or write) two cheap limits refuse
// floods: a source that keeps failing authentication, and a guardian whose own
// admission bucket is empty (its tokens are only taken by valid requests, so an
// impostor cannot drain them). Rejects that anyone can cause without a key are
// witnessed through a RejectLedger: the first per source network and interval at
// once, repeats as one counted entry, so an attack is on record without growing
// the log by an entry a packet.
//
// Everything after the signature check is synchronous, so the room's seats and
// bandwidth are reserved in the same step as they are checked; the reservation is
// given back if the witness cannot record the decision.

import type { Subsystem } from "../lifecycle/mod.ts";
import { Counter, Histogram, type Logger, type Registry } from "../telemetry/mod.ts";
import type { JsonValue, WitnessLog } from "../witness/mod.ts";
import { fromBase64 } from "../witness/mod.ts";
import { signedBytes } from "./canonical.ts";
import { NonceCache, PortPool, TokenBucket } from "./limits.ts";
import { KeyedLimiter, RejectLedger, sourceNetwork } from "./flood.ts";
import { UdpPortsInUse } from "./udp_ports.ts";
import { type Policy, type PolicyStore, roomPolicy } from "./policy.ts";
import type { GuardianRegistry } from "./registry.ts";
import {
  type AdmissionRequest,
  type AuthenticatedRequest,
  CALL_TYPES,
  type CallType,
  type Decision,
  GUEST_ID_RE,
  keyBacked,
  type MediaAddress,
  type Reject,
  type RejectReason,
  type Session,
} from "./types.ts";
import type { Verifier } from "./verify.ts";

export interface GuardOptions {
  registry: GuardianRegistry;
  policies: PolicyStore;
  witness: WitnessLog;
  verifier: Verifier;
  media: { host: string; portMin: number; portMax: number };
  log: Logger;
  metrics?: Registry;
  now?: () => number;
}

/** Where a request came from, as the stack that received it saw it. */
export interface AdmitContext {
  /** The peer's IP address (no port). */
  source?: string;
  /**
   * A PIN lobby's hold (holdLobby): an admitted guest keeps the media port its call
   * was answered on, so it joins the room without renegotiating.
   */
  hold?: LobbyHold;
}

/** A media port and a lobby seat held for a caller keying in a room PIN. */
export interface LobbyHold {
  readonly id: string;
  readonly room: string;
  readonly source: string;
  readonly media: MediaAddress;
  /** The admitted session took the port over. */
  adopted: boolean;
  released: boolean;
}

/** How one PIN entry went: "limited" entries were refused before any hashing. */
export type PinOutcome = "right" | "wrong" | "limited";

/** Rejects anyone can cause without the guardian's key: they count against the source. */
const UNAUTHENTICATED: ReadonlySet<RejectReason> = new Set([
  "INVALID_SIGNATURE",
  "NOT_REGISTERED",
  "REPLAYED",
]);

/** Why a session ended, for the stack that carries its leg. */
export interface SessionEnded {
  session: Session;
  reason: "revoked" | "released" | "guardian-suspended" | "guardian-revoked";
}

/** A refusal verdict. */
function refusal(reason: RejectReason, message: string, retryAfter?: number): Verdict {
  return { ok: false, reason, message, retryAfter };
}

/** The room's bandwidth budget and seats for a request: a refusal, or none. */
function roomFull(
  req: { room: string; bandwidthKbps: number },
  room: { bandwidthKbps: number; capacity: number },
  occupancy: { members: number; bandwidthKbps: number },
): Verdict | undefined {
  if (occupancy.bandwidthKbps + req.bandwidthKbps > room.bandwidthKbps) {
    return refusal(
      "BANDWIDTH_EXCEEDED",
      `${req.bandwidthKbps} kbps exceeds room ${req.room}'s budget (${
        room.bandwidthKbps - occupancy.bandwidthKbps
      } kbps left)`,
    );
  }
  if (occupancy.members >= room.capacity) {
    return refusal("CAPACITY_EXCEEDED", `room ${req.room} is full (${room.capacity})`, 30);
  }
  return undefined;
}

type Verdict =
  | { ok: true; session: Session }
  | {
    ok: false;
    reason: RejectReason;
    message: string;
    retryAfter?: number;
    /** Refused before the signature was checked: nothing vouches for the caller. */
    unverified?: boolean;
  };

export class Guard implements Subsystem {
  readonly name = "guard";
  /** Emits "session-ended" CustomEvents with a SessionEnded detail. */
  readonly events = new EventTarget();
  #sessions = new Map<string, Session>();
  #rooms = new Map<string, { members: number; bandwidthKbps: number }>();
  #guardianUse = new Map<string, number>();
  #nonces = new NonceCache();
  #typeBuckets: Record<CallType, TokenBucket>;
  #guardianBuckets = new Map<string, TokenBucket>();
  #sourceFailures: KeyedLimiter;
  #rejects: RejectLedger;
  #ports: PortPool;
  #portsInUse: UdpPortsInUse;
  #lobbies = new Map<string, number>();
  #lobbyTotal = 0;
  #pinWrongBySource: KeyedLimiter;
  #pinWrongByRoom: KeyedLimiter;
  #pinLimits: Policy["roomPin"];
  #inFlight = new Set<Promise<unknown>>();
  #closing = false;
  #metrics;
  #now: () => number;

  constructor(private readonly opts: GuardOptions) {
    this.#now = opts.now ?? Date.now;
    const policy = opts.policies.current;
    this.#typeBuckets = Object.fromEntries(
      CALL_TYPES.map((t) => [t, new TokenBucket(policy.rateLimits[t])]),
    ) as Record<CallType, TokenBucket>;
    this.#sourceFailures = new KeyedLimiter({
      ...policy.rateLimits.authFailuresPerSource,
      maxKeys: 50_000,
    });
    this.#rejects = new RejectLedger({
      witness: opts.witness,
      intervalMs: policy.rejectAggregationSec * 1000,
      maxKeys: 64,
      log: opts.log,
      overflowDetail: {
        decision: "reject",
        reason: "MANY",
        message: "more kinds than witnessed one by one",
      },
      now: this.#now,
    });
    this.#pinWrongBySource = new KeyedLimiter({
      ...policy.roomPin.wrongPerSource,
      maxKeys: 50_000,
    });
    this.#pinWrongByRoom = new KeyedLimiter({ ...policy.roomPin.wrongPerRoom, maxKeys: 10_000 });
    this.#pinLimits = policy.roomPin;
    this.#ports = new PortPool(opts.media.portMin, opts.media.portMax);
    this.#portsInUse = new UdpPortsInUse(opts.media.host);
    opts.policies.onChange((p) => this.#applyLimits(p));
    this.#metrics = guardMetrics(opts.metrics);
  }

  /**
   * Remembers the nonces of decisions the witness recorded within the freshness
   * window, so a restart does not reopen a replay window.
   */
  async restoreNonces(): Promise<number> {
    const windowMs = this.opts.policies.current.freshnessWindowSec * 1000;
    const oldest = this.#now() - windowMs;
    let restored = 0;
    for await (const entry of this.opts.witness.newestFirst(oldest)) {
      const request = (entry.payload as { request?: { guardianId?: string; nonce?: string } })
        .request;
      if (entry.type === "guard.decision" && request?.guardianId && request.nonce) {
        this.#nonces.add(`${request.guardianId} ${request.nonce}`, entry.timestamp + 2 * windowMs);
        restored++;
      }
    }
    return restored;
  }

  get sessions(): Session[] {
    return [...this.#sessions.values()];
  }

  /** A live session by id (a call signalled after its admission looks it up). */
  session(id: string): Session | undefined {
    return this.#sessions.get(id);
  }

  /** Decides, witnesses, and only then answers. */
  admit(
    request: AdmissionRequest | AuthenticatedRequest,
    context: AdmitContext = {},
  ): Promise<Decision> {
    if (this.#closing) {
      return Promise.resolve(
        this.#reject("INTERNAL_ERROR", "guard is shutting down", this.opts.policies.current),
      );
    }
    const p = this.#admit(request, context);
    this.#inFlight.add(p);
    p.finally(() => this.#inFlight.delete(p));
    return p;
  }

  async #admit(
    request: AdmissionRequest | AuthenticatedRequest,
    { source, hold }: AdmitContext,
  ): Promise<Decision> {
    const started = performance.now();
    const policy = this.opts.policies.current;
    const verdict = this.#beforeSignature(request, source) ??
      await this.#evaluate(request, policy, hold);
    const guest = "authentication" in request && request.authentication === "room-pin";
    if (!verdict.ok && source && UNAUTHENTICATED.has(verdict.reason)) {
      this.#sourceFailures.take(source);
    }
    const payload = {
      request: request as unknown as JsonValue,
      decision: verdict.ok ? "admit" : "reject",
      policyVersion: policy.version,
      // A guest is who it says it is only as far as the PIN goes: where it came from
      // and the identity it claimed are on record, marked unverified.
      ...(guest
        ? {
          method: "room-pin",
          guest: {
            source: source ?? null,
            claimedIdentity: (request as AuthenticatedRequest).claimedIdentity ?? null,
            verified: false,
          },
        }
        : {}),
      ...(verdict.ok
        ? {
          sessionId: verdict.session.id,
          bandwidthKbps: verdict.session.bandwidthKbps,
          codec: verdict.session.codec,
        }
        : { reason: verdict.reason, message: verdict.message }),
    };
    let witnessIndex: number | undefined;
    try {
      if (verdict.ok) {
        witnessIndex = (await this.opts.witness.append("guard.decision", payload as JsonValue))
          .index;
      } else {
        // Repeats of one reject are one counted entry: keyed by who is accountable,
        // the guardian when its key vouched for the request, else the source network.
        const who = verdict.unverified || UNAUTHENTICATED.has(verdict.reason)
          ? `from ${source ? sourceNetwork(source) : "unknown"}`
          : `${request.guardianId} ${request.room}`;
        witnessIndex = await this.#rejects.record(
          "guard.decision",
          `${verdict.reason} ${who}`,
          payload as Record<string, JsonValue>,
        );
      }
    } catch (err) {
      if (verdict.ok) this.#free(verdict.session);
      this.opts.log.error("decision not witnessed; refusing", {
        err,
        guardianId: request.guardianId,
      });
      this.#count("INTERNAL_ERROR", started);
      return this.#reject("INTERNAL_ERROR", "the decision could not be witnessed", policy);
    }
    // Watchers (the operators' event stream, the dashboard) see each decision as logged;
    // repeats folded into an aggregate are not replayed to them one by one.
    if (witnessIndex !== undefined) {
      this.events.dispatchEvent(
        new CustomEvent("decision", { detail: { ...payload, witnessIndex } }),
      );
    }
    if (!verdict.ok) {
      this.#count(verdict.reason, started);
      return {
        ...this.#reject(verdict.reason, verdict.message, policy, verdict.retryAfter),
        witnessIndex,
      };
    }
    this.#sessions.set(verdict.session.id, verdict.session);
    this.#count("ADMIT", started);
    const { id, createdAt: _createdAt, ...session } = verdict.session;
    return {
      decision: "admit",
      sessionId: id,
      ...session,
      policyVersion: policy.version,
      witnessIndex: witnessIndex!,
    };
  }

  /** The flood limits, checked before anything costs a signature check or a write. */
  #beforeSignature(
    req: AdmissionRequest | AuthenticatedRequest,
    source: string | undefined,
  ): Verdict | undefined {
    const no = (message: string, retryAfter: number): Verdict => ({
      ok: false,
      reason: "RATE_LIMITED",
      message,
      retryAfter,
      unverified: true,
    });
    if (source) {
      const failures = this.#sourceFailures.peek(source);
      if (!failures.ok) {
        return no(`too many failed admissions from ${source}`, failures.retryAfter);
      }
    }
    const guardian = this.#guardianBuckets.get(req.guardianId)?.peek();
    if (guardian && !guardian.ok) {
      return no(`too many admissions for ${req.guardianId}`, guardian.retryAfter);
    }
    return undefined;
  }

  async #evaluate(
    req: AdmissionRequest | AuthenticatedRequest,
    policy: Policy,
    hold?: LobbyHold,
  ): Promise<Verdict> {
    const no = refusal;
    if ("authentication" in req && req.authentication === "room-pin") {
      return this.#evaluateGuest(req, policy, hold);
    }

    // 1-2: the registered key, a valid signature over the canonical bytes, active.
    const guardian = this.opts.registry.get(req.guardianId);
    if (!guardian) return no("NOT_REGISTERED", `${req.guardianId} is not a registered guardian`);
    const now = this.#now();
    if ("authentication" in req) {
      // A stack vouches for the caller. A password (SIP digest, H.235.1) joins only
      // the call types the policy lets passwords have; a key-signed proof joins any.
      if (!keyBacked(req.authentication) && !policy.passwordCallTypes.includes(req.callType)) {
        return no(
          "INVALID_SIGNATURE",
          `${req.callType} calls require a signed admission request or a key-signed registration`,
        );
      }
    } else {
      const signature = fromBase64(req.signature);
      const valid = signature !== undefined &&
        await this.opts.verifier.verify(guardian.key, signedBytes(req), signature);
      if (!valid) {
        // The usual cause is a key file mixed up (another guardian's, or one replaced
        // since): say whose key was expected, so the caller knows what to check.
        return no(
          "INVALID_SIGNATURE",
          `the signature does not verify with ${req.guardianId}'s registered key: ` +
            `signed with another key (another guardian's, or one replaced since)?`,
        );
      }
    }
    // Re-read: the registry may have changed while the signature was checked.
    const current = this.opts.registry.get(req.guardianId);
    if (!current || current.status !== "active") {
      return no(
        "NOT_REGISTERED",
        `${req.guardianId} is ${current?.status ?? "no longer registered"}`,
      );
    }

    // 3: fresh, and the nonce not seen before.
    const windowMs = policy.freshnessWindowSec * 1000;
    if ("authentication" in req) {
      // Freshness is the authenticating stack's (digest nonces expire, nc is tracked).
    } else if (Math.abs(now - req.timestamp) > windowMs) {
      return no(
        "REPLAYED",
        `timestamp is ${
          Math.round((now - req.timestamp) / 1000)
        } s off; the window is ${policy.freshnessWindowSec} s`,
      );
    }
    if (
      !("authentication" in req) &&
      !this.#nonces.add(`${req.guardianId} ${req.nonce}`, req.timestamp + 2 * windowMs, now)
    ) {
      return no("REPLAYED", "this nonce was already used");
    }

    // 4: PII never enters an ESCALATE call (the request's, or the room's call type).
    const room = roomPolicy(policy, req.room);
    if (req.pii && (req.callType === "ESCALATE" || room?.callType === "ESCALATE")) {
      return no("PII_POLICY_VIOLATION", "requests carrying PII may not join ESCALATE calls");
    }

    // 5-6: the room's budget and seats, the guardian's quota.
    if (!room) return no("ROOM_NOT_FOUND", `no room ${req.room}`);
    const occupancy = this.#rooms.get(req.room) ?? { members: 0, bandwidthKbps: 0 };
    const used = this.#guardianUse.get(req.guardianId) ?? 0;
    if (used + req.bandwidthKbps > current.bandwidthKbps) {
      return no(
        "BANDWIDTH_EXCEEDED",
        `${req.bandwidthKbps} kbps exceeds the guardian's quota (${
          current.bandwidthKbps - used
        } kbps left)`,
      );
    }
    const full = roomFull(req, room, occupancy);
    if (full) return full;

    // 7: rate limits.
    const typeLimit = this.#typeBuckets[req.callType].take();
    if (!typeLimit.ok) {
      return no("RATE_LIMITED", `too many ${req.callType} admissions`, typeLimit.retryAfter);
    }
    let bucket = this.#guardianBuckets.get(req.guardianId);
    if (!bucket) {
      this.#guardianBuckets.set(
        req.guardianId,
        bucket = new TokenBucket(policy.rateLimits.perGuardian),
      );
    }
    const guardianLimit = bucket.take();
    if (!guardianLimit.ok) {
      return no(
        "RATE_LIMITED",
        `too many admissions for ${req.guardianId}`,
        guardianLimit.retryAfter,
      );
    }

    // 8: the first codec the caller offers that the room allows.
    const codec = req.codecs.find((c) => room.allowedCodecs.includes(c));
    if (!codec) {
      return no("CODEC_UNSUPPORTED", `room ${req.room} allows ${room.allowedCodecs.join(", ")}`);
    }

    return this.#seat(req, codec, now, used);
  }

  /**
   * A guest who keyed in a room's PIN (the stack checked it through checkPin): no
   * guardian, so no registry, signature or per-guardian bucket; only the call types
   * passwords may join (the room's own call type counts), the guests' bandwidth
   * quota, the room's budget and seats, the call type's bucket, the room's codecs.
   */
  #evaluateGuest(req: AuthenticatedRequest, policy: Policy, hold?: LobbyHold): Verdict {
    const no = refusal;
    if (!GUEST_ID_RE.test(req.guardianId)) {
      return no("INVALID_SIGNATURE", "a guest is named guest-<8 hex>");
    }
    const room = roomPolicy(policy, req.room);
    if (!room) return no("ROOM_NOT_FOUND", `no room ${req.room}`);
    const callType = room.callType ?? req.callType;
    if (
      !policy.passwordCallTypes.includes(callType) ||
      !policy.passwordCallTypes.includes(req.callType)
    ) {
      return no("INVALID_SIGNATURE", `${callType} rooms do not admit callers by PIN`);
    }
    if (req.bandwidthKbps > policy.guests.bandwidthKbps) {
      return no(
        "BANDWIDTH_EXCEEDED",
        `${req.bandwidthKbps} kbps exceeds a guest's quota (${policy.guests.bandwidthKbps} kbps)`,
      );
    }
    const occupancy = this.#rooms.get(req.room) ?? { members: 0, bandwidthKbps: 0 };
    const full = roomFull(req, room, occupancy);
    if (full) return full;
    const typeLimit = this.#typeBuckets[req.callType].take();
    if (!typeLimit.ok) {
      return no("RATE_LIMITED", `too many ${req.callType} admissions`, typeLimit.retryAfter);
    }
    const codec = req.codecs.find((c) => room.allowedCodecs.includes(c));
    if (!codec) {
      return no("CODEC_UNSUPPORTED", `room ${req.room} allows ${room.allowedCodecs.join(", ")}`);
    }
    // The lobby's port becomes the session's: the caller keeps the address it was given.
    const port = hold && !hold.released && !hold.adopted && hold.room === req.room
      ? hold.media.port
      : undefined;
    if (hold && port === undefined) {
      return no("INTERNAL_ERROR", "the lobby's media port is no longer held");
    }
    const verdict = this.#seat(req, codec, this.#now(), 0, port);
    if (verdict.ok && hold) {
      hold.adopted = true;
      this.#leaveLobby(hold);
    }
    return verdict;
  }

  /** Takes the seat, bandwidth and media port (or adopts `heldPort`): the session. */
  #seat(
    req: AdmissionRequest | AuthenticatedRequest,
    codec: Session["codec"],
    now: number,
    used: number,
    heldPort?: number,
  ): Verdict {
    const occupancy = this.#rooms.get(req.room) ?? { members: 0, bandwidthKbps: 0 };
    const port = heldPort ?? this.#ports.take((p) => this.#portsInUse.pairBusy(p));
    if (port === undefined) {
      return {
        ok: false,
        reason: "CAPACITY_EXCEEDED",
        message: "no media ports left",
        retryAfter: 30,
      };
    }
    const session: Session = {
      id: crypto.randomUUID(),
      guardianId: req.guardianId,
      room: req.room,
      callType: req.callType,
      bandwidthKbps: req.bandwidthKbps,
      codec,
      media: { host: this.opts.media.host, port },
      createdAt: new Date(now).toISOString(),
    };
    this.#rooms.set(req.room, {
      members: occupancy.members + 1,
      bandwidthKbps: occupancy.bandwidthKbps + req.bandwidthKbps,
    });
    this.#guardianUse.set(req.guardianId, used + req.bandwidthKbps);
    return { ok: true, session };
  }

  /**
   * Checks a signature a guardian made over `message` (a ballot, say) with its
   * registered key; only active guardians' signatures count.
   */
  async verifyGuardian(
    guardianId: string,
    message: Uint8Array,
    signatureB64: string,
  ): Promise<"ok" | "NOT_REGISTERED" | "INVALID_SIGNATURE"> {
    const guardian = this.opts.registry.get(guardianId);
    if (!guardian || guardian.status !== "active") return "NOT_REGISTERED";
    const signature = fromBase64(signatureB64);
    const valid = signature !== undefined && signature.length === 64 &&
      await this.opts.verifier.verify(guardian.key, message, signature);
    return valid ? "ok" : "INVALID_SIGNATURE";
  }

  /** Ends a session: its seat, bandwidth and port are free again; its stack is told. */
  async end(sessionId: string, reason: SessionEnded["reason"]): Promise<Session | undefined> {
    const session = this.#sessions.get(sessionId);
    if (!session) return undefined;
    this.#sessions.delete(sessionId);
    this.#free(session);
    await this.opts.witness.append("guard.session_end", {
      sessionId,
      guardianId: session.guardianId,
      room: session.room,
      reason,
    })
      .catch((err) => this.opts.log.error("session end not witnessed", { err, sessionId }));
    this.events.dispatchEvent(
      new CustomEvent<SessionEnded>("session-ended", { detail: { session, reason } }),
    );
    return session;
  }

  /** Ends every session of a guardian (after suspension or revocation). */
  async endGuardian(
    guardianId: string,
    reason: "guardian-suspended" | "guardian-revoked",
  ): Promise<number> {
    const ids = this.sessions.filter((s) => s.guardianId === guardianId).map((s) => s.id);
    for (const id of ids) await this.end(id, reason);
    return ids.length;
  }

  // ---- room PIN lobbies (rooms/pin_lobby.ts) ----------------------------------

  /**
   * Holds a media port and a lobby seat for a caller who will key in `room`'s PIN:
   * at most policy.roomPin.lobbyPerRoom per room and lobbyTotal in all, so a flood
   * of calls cannot hold every port. Undefined (with why) when none is left.
   */
  holdLobby(room: string, source: string): { hold: LobbyHold } | { refused: string } {
    const { lobbyPerRoom, lobbyTotal } = this.opts.policies.current.roomPin;
    const inRoom = this.#lobbies.get(room) ?? 0;
    if (this.#closing) return { refused: "shutting down" };
    if (inRoom >= lobbyPerRoom) return { refused: `room ${room}'s PIN lobby is full` };
    if (this.#lobbyTotal >= lobbyTotal) return { refused: "the PIN lobbies are full" };
    const port = this.#ports.take((p) => this.#portsInUse.pairBusy(p));
    if (port === undefined) return { refused: "no media ports left" };
    this.#lobbies.set(room, inRoom + 1);
    this.#lobbyTotal++;
    return {
      hold: {
        id: crypto.randomUUID(),
        room,
        source,
        media: { host: this.opts.media.host, port },
        adopted: false,
        released: false,
      },
    };
  }

  /** Gives a lobby's port and seat back, unless an admitted session took the port. */
  releaseLobby(hold: LobbyHold): void {
    if (hold.released) return;
    if (!hold.adopted) {
      this.#ports.release(hold.media.port);
      this.#leaveLobby(hold);
    }
    hold.released = true;
  }

  /** Callers in PIN lobbies now (per room, and in all). */
  lobbyCount(room?: string): number {
    return room === undefined ? this.#lobbyTotal : this.#lobbies.get(room) ?? 0;
  }

  /**
   * A caller refused the PIN path before keying anything (the room's call type, a
   * full lobby): witnessed through the reject ledger, per room, source network and why.
   */
  async refusePin(
    room: string,
    source: string,
    claimedIdentity: string,
    why: "call-type" | "lobby-full" | "encryption",
    message: string,
  ): Promise<void> {
    await this.#rejects.record(
      "guard.pin",
      `refused ${why} ${room} from ${sourceNetwork(source)}`,
      {
        room,
        outcome: "refused",
        why,
        message,
        source,
        claimedIdentity,
        method: "room-pin",
      },
    ).catch((err) => this.opts.log.warn("PIN refusal not witnessed", { err }));
  }

  #leaveLobby(hold: LobbyHold): void {
    const n = (this.#lobbies.get(hold.room) ?? 1) - 1;
    if (n > 0) this.#lobbies.set(hold.room, n);
    else this.#lobbies.delete(hold.room);
    this.#lobbyTotal = Math.max(0, this.#lobbyTotal - 1);
  }

  /**
   * One PIN entry of a lobby caller. Before any hashing, the entry takes a token from
   * its source network's and its room's wrong-PIN buckets (policy.roomPin); with
   * either empty it is "limited" and `verify` never runs. A right PIN gives the
   * tokens back. Wrong and limited entries are witnessed through the reject ledger
   * ("guard.pin": the first per room, source network and outcome in an interval at
   * once, repeats as one counted entry).
   */
  async checkPin(
    hold: LobbyHold,
    claimedIdentity: string,
    verify: () => Promise<boolean>,
  ): Promise<PinOutcome> {
    const net = sourceNetwork(hold.source);
    const now = performance.now();
    const limits = this.opts.policies.current.roomPin;
    if (limits !== this.#pinLimits) {
      this.#pinLimits = limits;
      this.#pinWrongBySource.update(limits.wrongPerSource, now);
      this.#pinWrongByRoom.update(limits.wrongPerRoom, now);
    }
    const note = (outcome: "wrong" | "limited", message: string) =>
      this.#rejects.record("guard.pin", `${outcome} ${hold.room} from ${net}`, {
        room: hold.room,
        outcome,
        message,
        source: hold.source,
        claimedIdentity,
        method: "room-pin",
      }).catch((err) => this.opts.log.warn("PIN attempt not witnessed", { err }));
    const bySource = this.#pinWrongBySource.take(net, now);
    const byRoom = bySource.ok ? this.#pinWrongByRoom.take(hold.room, now) : bySource;
    if (!bySource.ok || !byRoom.ok) {
      if (bySource.ok) this.#pinWrongBySource.give(net, now);
      await note(
        "limited",
        bySource.ok
          ? `too many wrong PINs for room ${hold.room}`
          : `too many wrong PINs from ${net}`,
      );
      return "limited";
    }
    let right: boolean;
    try {
      right = await verify();
    } catch (err) {
      // Saturated (PinBusy) or a bad stored hash: no answer is not a right answer.
      this.#pinWrongBySource.give(net, now);
      this.#pinWrongByRoom.give(hold.room, now);
      await note("limited", `the PIN could not be checked: ${(err as Error).message}`);
      return "limited";
    }
    if (right) {
      this.#pinWrongBySource.give(net, now);
      this.#pinWrongByRoom.give(hold.room, now);
      return "right";
    }
    await note("wrong", "wrong PIN");
    return "wrong";
  }

  #free(session: Session): void {
    const room = this.#rooms.get(session.room);
    if (room) {
      room.members--;
      room.bandwidthKbps -= session.bandwidthKbps;
      if (room.members <= 0) this.#rooms.delete(session.room);
    }
    const used = (this.#guardianUse.get(session.guardianId) ?? 0) - session.bandwidthKbps;
    if (used > 0) this.#guardianUse.set(session.guardianId, used);
    else this.#guardianUse.delete(session.guardianId);
    this.#ports.release(session.media.port);
  }

  #applyLimits(policy: Policy): void {
    for (const t of CALL_TYPES) this.#typeBuckets[t].update(policy.rateLimits[t]);
    this.#sourceFailures.update(policy.rateLimits.authFailuresPerSource);
    this.#pinWrongBySource.update(policy.roomPin.wrongPerSource);
    this.#pinWrongByRoom.update(policy.roomPin.wrongPerRoom);
    this.#rejects.intervalMs = policy.rejectAggregationSec * 1000;
    for (const [id, bucket] of this.#guardianBuckets) {
      if (bucket.idle()) this.#guardianBuckets.delete(id);
      else bucket.update(policy.rateLimits.perGuardian);
    }
  }

  #reject(reason: RejectReason, message: string, policy: Policy, retryAfter?: number): Reject {
    return {
      decision: "reject",
      reason,
      message,
      policyVersion: policy.version,
      ...(retryAfter ? { retryAfter } : {}),
    };
  }

  #count(outcome: RejectReason | "ADMIT", started: number): void {
    this.#metrics.decisions.inc({ outcome });
    this.#metrics.latency.observe((performance.now() - started) / 1000);
  }

  ready(): boolean {
    return !this.#closing;
  }

  /** Refuses new admissions and lets those in flight finish (and be witnessed). */
  async close(): Promise<void> {
    this.#closing = true;
    await Promise.allSettled([...this.#inFlight]);
    await this.#rejects.close();
  }

  /** Witnesses the reject counts pending now (tests, and operators' drills). */
  flushRejects(): Promise<void> {
    return this.#rejects.flush();
  }
}

function guardMetrics(registry?: Registry) {
  const registers = registry ? [registry] : [];
  return {
    decisions: new Counter({
      name: "council_guard_decisions_total",
      help: "Admission decisions by outcome (ADMIT or a reject reason).",
      labelNames: ["outcome"],
      registers,
    }),
    latency: new Histogram({
      name: "council_guard_decision_seconds",
      help: "Time from request to witnessed decision.",
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5],
      registers,
    }),
  };
}

// The room PIN lobby (issue 23): a caller who cannot authenticate otherwise (a SIP
// phone without an account here, an H.323 terminal without a gatekeeper admission
// or token) dials a room that has a PIN. Its call is answered, its media leg opened
// in the room deaf and muted (rooms.openLobby), and it hears a spoken prompt. Digits
// (RFC 4733, SIP INFO, H.245 UserInputIndication, Q.931 keypad) come here instead of
// the keypad commands: '#' ends an entry, '*' clears it. Each entry goes through
// guard.checkPin (wrong-PIN limits per source network and per room, before any
// hashing); a right one is admitted by guard as a guest ("room-pin") on the media
// port the call already has, and the leg joins the mix. Three wrong entries, a
// limited one, or 60 s in the lobby: a goodbye prompt, then the stack hangs up. No
// entry for 20 s: the prompt again.

import { type AuthenticatedRequest, type Codec, type Guard, newGuestId } from "../guard/mod.ts";
import type { LobbyHold, PinOutcome } from "../guard/guard.ts";
import type { Session } from "../guard/types.ts";
import { prompt, type PromptName } from "../media/prompts.ts";
import type { Logger } from "../telemetry/mod.ts";
import type { Rooms } from "./mod.ts";

export const LOBBY_LIMITS = {
  /** Wrong entries before the goodbye. */
  maxAttempts: 3,
  /** Silence after a prompt before it is played again. */
  entryTimeoutMs: 20_000,
  /** The whole time a caller may spend in the lobby. */
  totalMs: 60_000,
  /** Longest entry kept (a PIN is 4-12 digits; more is simply wrong). */
  maxDigits: 16,
};

export interface LobbyClock {
  setTimeout(fn: () => void, ms: number): number;
  clearTimeout(id: number): void;
}

const realClock: LobbyClock = {
  setTimeout: (fn, ms) => setTimeout(fn, ms) as unknown as number,
  clearTimeout: (id) => clearTimeout(id),
};

/** What the lobby needs of the world: prompts, the PIN check, admission, hanging up. */
export interface LobbyIO {
  /** Plays a prompt; resolves with its length in ms. */
  play(name: PromptName): Promise<number>;
  check(pin: string): Promise<PinOutcome>;
  /** Admits the caller; why not when refused. */
  admit(): Promise<{ ok: true } | { ok: false; why: string }>;
  hangup(reason: string): void;
}

export type LobbyState = "entering" | "checking" | "admitting" | "admitted" | "leaving" | "ended";

/** The lobby's state machine for one caller (timers through an injectable clock). */
export class PinLobby {
  state: LobbyState = "entering";
  #digits = "";
  #ahead = "";
  #wrong = 0;
  #entryTimer?: number;
  #totalTimer?: number;
  #endTimer?: number;
  readonly #limits: typeof LOBBY_LIMITS;

  constructor(
    private readonly io: LobbyIO,
    private readonly clock: LobbyClock = realClock,
    limits: Partial<typeof LOBBY_LIMITS> = {},
  ) {
    this.#limits = { ...LOBBY_LIMITS, ...limits };
  }

  /** Wrong entries so far. */
  get wrong(): number {
    return this.#wrong;
  }

  /** Digits keyed since the last '#' or '*'. */
  get entry(): string {
    return this.#digits;
  }

  start(): void {
    this.#totalTimer = this.clock.setTimeout(
      () => this.#leave("goodbye", "pin-lobby-timeout"),
      this.#limits.totalMs,
    );
    this.#prompt("welcome");
  }

  /**
   * Keyed digits (0-9, *, #; others are ignored). Digits keyed while an entry is
   * being checked wait for its outcome (a caller may key ahead).
   */
  digit(d: string): void {
    if (this.state === "checking") {
      this.#ahead = (this.#ahead + d).slice(0, 64);
      return;
    }
    if (this.state !== "entering") return;
    for (let i = 0; i < d.length; i++) {
      const c = d[i];
      if (c === "*") this.#digits = "";
      else if (c === "#") {
        this.#ahead = d.slice(i + 1);
        this.#submit();
        return;
      } else if (/[0-9]/.test(c) && this.#digits.length < this.#limits.maxDigits) {
        this.#digits += c;
      }
    }
    this.#armEntry(0);
  }

  /** The call ended (either side): no more timers, prompts or admission. */
  stop(): void {
    this.state = "ended";
    this.#clear();
    if (this.#endTimer !== undefined) this.clock.clearTimeout(this.#endTimer);
  }

  #clear(): void {
    if (this.#entryTimer !== undefined) this.clock.clearTimeout(this.#entryTimer);
    if (this.#totalTimer !== undefined) this.clock.clearTimeout(this.#totalTimer);
    this.#entryTimer = this.#totalTimer = undefined;
  }

  /** Plays a prompt and gives the caller entryTimeoutMs after it to key something. */
  #prompt(name: PromptName): void {
    this.#armEntry(0);
    this.io.play(name).then((ms) => {
      if (this.state === "entering" && this.#digits === "") this.#armEntry(ms);
    }, () => {});
  }

  #armEntry(extraMs: number): void {
    if (this.#entryTimer !== undefined) this.clock.clearTimeout(this.#entryTimer);
    this.#entryTimer = this.clock.setTimeout(() => {
      this.#entryTimer = undefined;
      if (this.state !== "entering") return;
      this.#digits = "";
      this.#prompt("again");
    }, this.#limits.entryTimeoutMs + extraMs);
  }

  async #submit(): Promise<void> {
    const pin = this.#digits;
    this.#digits = "";
    if (pin === "") {
      this.#prompt("again");
      return;
    }
    this.state = "checking";
    if (this.#entryTimer !== undefined) this.clock.clearTimeout(this.#entryTimer);
    let outcome: PinOutcome;
    try {
      outcome = await this.io.check(pin);
    } catch {
      outcome = "limited";
    }
    if (this.state !== "checking") return; // ended meanwhile
    if (outcome === "limited") return this.#leave("goodbye", "pin-limited");
    if (outcome === "wrong") {
      this.#wrong++;
      if (this.#wrong >= this.#limits.maxAttempts) return this.#leave("goodbye", "pin-wrong");
      this.state = "entering";
      this.#prompt("wrong");
      const ahead = this.#ahead;
      this.#ahead = "";
      if (ahead) this.digit(ahead);
      return;
    }
    this.state = "admitting";
    let admitted: { ok: true } | { ok: false; why: string };
    try {
      admitted = await this.io.admit();
    } catch (err) {
      admitted = { ok: false, why: (err as Error).message };
    }
    if (this.state !== "admitting") return;
    if (!admitted.ok) return this.#leave("refused", `pin-refused: ${admitted.why}`);
    this.state = "admitted";
    this.#clear();
    this.io.play("joining").catch(() => {});
  }

  /** A last prompt, then the hang-up once it has played. */
  #leave(name: PromptName, reason: string): void {
    if (this.state === "leaving" || this.state === "ended") return;
    this.state = "leaving";
    this.#clear();
    const end = () => {
      if (this.state !== "leaving") return;
      this.state = "ended";
      this.io.hangup(reason);
    };
    this.io.play(name).then(
      (ms) => {
        if (this.state === "leaving") this.#endTimer = this.clock.setTimeout(end, ms + 250);
      },
      end,
    );
  }
}

export interface LobbyCallOptions {
  guard: Guard;
  rooms: Rooms;
  log: Logger;
  room: string;
  legId: string;
  hold: LobbyHold;
  /** Who the caller says it is (SIP From, H.323 sourceAddress): witnessed, unverified. */
  claimedIdentity: string;
  /** The call type the guest is admitted under (the room's). */
  callType: AuthenticatedRequest["callType"];
  /** The codecs the call can use, the agreed one first. */
  codecs: Codec[];
  bandwidthKbps: number;
  /** Guard admitted the guest: the stack takes the session over (the leg is a member). */
  admitted(session: Session): Promise<void> | void;
  hangup(reason: string): void;
  clock?: LobbyClock;
}

/** A lobby for one call, wired to guard (limits, admission), the room's PIN and prompts. */
export function lobbyCall(o: LobbyCallOptions): PinLobby {
  const lobby = new PinLobby({
    play: async (name) => {
      const p = await prompt(name, o.room);
      return await o.rooms.play(o.legId, p.pcm, p.rate).catch((err) => {
        o.log.warn("prompt not played", { err, legId: o.legId, prompt: name });
        return 0;
      });
    },
    check: (pin) =>
      o.guard.checkPin(o.hold, o.claimedIdentity, () => o.rooms.verifyPin(o.room, pin)),
    admit: async () => {
      const decision = await o.guard.admit({
        guardianId: newGuestId(),
        room: o.room,
        callType: o.callType,
        bandwidthKbps: o.bandwidthKbps,
        codecs: o.codecs,
        pii: false,
        authentication: "room-pin",
        claimedIdentity: o.claimedIdentity,
      }, { source: o.hold.source, hold: o.hold });
      if (decision.decision === "reject") {
        return { ok: false, why: `${decision.reason}: ${decision.message}` };
      }
      const session = o.guard.session(decision.sessionId);
      if (!session) return { ok: false, why: "the admission ended at once" };
      await o.rooms.admitFromLobby(o.legId, {
        guardianId: session.guardianId,
        displayName: `${o.claimedIdentity} (unverified)`,
      });
      await o.admitted(session);
      return { ok: true };
    },
    hangup: (reason) => o.hangup(reason),
  }, o.clock);
  return lobby;
}

/** The identity a caller claims, cut to something safe to witness and show. */
export function claimed(text: string | undefined): string {
  const clean = (text ?? "").replace(/[^\x20-\x7e]/g, "").trim().slice(0, 64);
  return clean || "unknown";
}

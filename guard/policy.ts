// Admission policy: a versioned JSON document with defaults and per-room overrides.
// Loaded from guard.policyFile (or the embedded defaults), reloaded when the file
// changes or on SIGHUP; an invalid file is refused with the reason and the policy
// in force stays. Admissions in flight keep the policy they started with.

import { watchFile } from "../lifecycle/watch_file.ts";
import { CALL_TYPES, type CallType, type Codec, CODECS } from "./types.ts";
import type { Logger } from "../telemetry/mod.ts";

export interface RateLimit {
  perSecond: number;
  burst: number;
}

export interface RoomPolicy {
  capacity: number;
  bandwidthKbps: number;
  allowedCodecs: Codec[];
  /**
   * The room's call type: an ESCALATE room applies the ESCALATE rules (no PII) to
   * every request, whatever call type the request names.
   */
  callType?: CallType;
  /**
   * "required": SIP legs must come over TLS and carry SRTP (SDES), RFC 3261 26.2 and
   * RFC 4568; other stacks' legs are held to their own secure channel.
   */
  encryption?: Encryption;
  /** The room's E.164 number (digits only): phones and terminals may dial it. */
  number?: string;
}

/** An E.164 number as rooms carry it: 1-15 digits (ITU-T E.164 6.1). */
export const ROOM_NUMBER_RE = /^[0-9]{1,15}$/;

export const ENCRYPTION = ["optional", "required"] as const;
export type Encryption = typeof ENCRYPTION[number];

export interface Policy {
  version: string;
  freshnessWindowSec: number;
  /** Repeats of one reject within this many seconds are witnessed as one counted entry. */
  rejectAggregationSec: number;
  allowUnknownRooms: boolean;
  room: RoomPolicy;
  rateLimits: Record<CallType, RateLimit> & {
    perGuardian: RateLimit;
    /** Failed authentications (bad signature, unknown guardian, replay) per source address. */
    authFailuresPerSource: RateLimit;
  };
  rooms: Record<string, Partial<RoomPolicy>>;
  /** Call types whose legs must be encrypted in every room (see RoomPolicy.encryption). */
  encryptionByCallType: Partial<Record<CallType, Encryption>>;
  /**
   * Call types a password alone (SIP digest, H.235.1) may join; a signed request or
   * a key-signed registration joins any.
   */
  passwordCallTypes: CallType[];
  /** Callers admitted by a room's PIN (guests, not guardians). */
  guests: {
    /** Each guest's bandwidth quota (its one session). */
    bandwidthKbps: number;
  };
  /** Room PINs keyed in after connecting (rooms/pin_lobby.ts). */
  roomPin: {
    /** Wrong PINs per source network (IPv4 /24, IPv6 /64), checked before any hashing. */
    wrongPerSource: RateLimit;
    /** Wrong PINs per room, whatever the source. */
    wrongPerRoom: RateLimit;
    /** Callers in a room's PIN lobby at once, and in all lobbies. */
    lobbyPerRoom: number;
    lobbyTotal: number;
  };
  /** Recordings of a room's mix (docs/provenance.md): off unless an operator starts one. */
  recording: {
    /** Rooms of these call types may not be recorded (e.g. ["ESCALATE"]). */
    forbidCallTypes: CallType[];
    /** Every member must consent before recording starts, and each who joins it. */
    requireConsent: boolean;
  };
  /** Members' own signed streams (docs/provenance.md, "Browsers"). */
  provenance: {
    /**
     * What a broken chain does besides the alert (the member stays in the call):
     * "alert" only, or "mute" too (the room stops hearing the member until it rejoins).
     */
    onBreak: ProvenanceOnBreak;
  };
}

export const PROVENANCE_ON_BREAK = ["alert", "mute"] as const;
export type ProvenanceOnBreak = typeof PROVENANCE_ON_BREAK[number];

export const DEFAULT_POLICY: Policy = {
  version: "builtin-1",
  freshnessWindowSec: 30,
  rejectAggregationSec: 10,
  allowUnknownRooms: true,
  room: { capacity: 25, bandwidthKbps: 25 * 512, allowedCodecs: [...CODECS] },
  rateLimits: {
    ROUTINE: { perSecond: 500, burst: 1000 },
    ESCALATE: { perSecond: 50, burst: 50 },
    EMERGENCY: { perSecond: 200, burst: 200 },
    perGuardian: { perSecond: 10, burst: 20 },
    authFailuresPerSource: { perSecond: 1, burst: 20 },
  },
  rooms: {},
  encryptionByCallType: {},
  passwordCallTypes: ["ROUTINE"],
  guests: { bandwidthKbps: 128 },
  roomPin: {
    wrongPerSource: { perSecond: 5 / 600, burst: 5 },
    wrongPerRoom: { perSecond: 30 / 600, burst: 30 },
    lobbyPerRoom: 10,
    lobbyTotal: 100,
  },
  recording: { forbidCallTypes: [], requireConsent: false },
  provenance: { onBreak: "alert" },
};

export class PolicyError extends Error {
  override name = "PolicyError";
}

export const ROOM_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const MAX_POLICY_BYTES = 256 * 1024;

/**
 * Calls between two endpoints (the SIP <-> H.323 gateway) each get a private media
 * room "gateway/<id>", which no dial-in can name (ROOM_RE has no "/"). Guard admits
 * and counts their legs as room "gateway", so policy.rooms.gateway caps them.
 */
export const GATEWAY_ROOM = "gateway";

/** The room whose policy applies to `room` (a gateway call's room is "gateway"'s). */
export function policyRoomOf(room: string): string {
  return room.startsWith(`${GATEWAY_ROOM}/`) ? GATEWAY_ROOM : room;
}

/** The effective policy for one room. */
export function roomPolicy(policy: Policy, room: string): RoomPolicy | undefined {
  const override = policy.rooms[policyRoomOf(room)];
  if (!override && !policy.allowUnknownRooms) return undefined;
  return { ...policy.room, ...override };
}

/** Validates a parsed policy document; every error names the field. */
export function parsePolicy(doc: unknown): Policy {
  const root = object(doc, "policy");
  known(root, "policy", [
    "version",
    "freshnessWindowSec",
    "rejectAggregationSec",
    "allowUnknownRooms",
    "room",
    "rateLimits",
    "rooms",
    "encryptionByCallType",
    "passwordCallTypes",
    "guests",
    "roomPin",
    "recording",
    "provenance",
  ]);
  const version = root.version;
  if (typeof version !== "string" || !/^[\x21-\x7e]{1,64}$/.test(version)) {
    throw new PolicyError("version: expected 1-64 printable characters");
  }
  const policy: Policy = structuredClone({ ...DEFAULT_POLICY, version });
  if (root.freshnessWindowSec !== undefined) {
    policy.freshnessWindowSec = int(root.freshnessWindowSec, "freshnessWindowSec", 1, 3600);
  }
  if (root.rejectAggregationSec !== undefined) {
    policy.rejectAggregationSec = int(root.rejectAggregationSec, "rejectAggregationSec", 1, 3600);
  }
  if (root.allowUnknownRooms !== undefined) {
    if (typeof root.allowUnknownRooms !== "boolean") {
      throw new PolicyError("allowUnknownRooms: expected true or false");
    }
    policy.allowUnknownRooms = root.allowUnknownRooms;
  }
  if (root.room !== undefined) policy.room = { ...policy.room, ...roomFields(root.room, "room") };
  if (root.rateLimits !== undefined) {
    const limits = object(root.rateLimits, "rateLimits");
    known(limits, "rateLimits", [...CALL_TYPES, "perGuardian", "authFailuresPerSource"]);
    for (const [name, value] of Object.entries(limits)) {
      const at = `rateLimits.${name}`;
      const limit = object(value, at);
      known(limit, at, ["perSecond", "burst"]);
      policy.rateLimits[name as keyof Policy["rateLimits"]] = {
        perSecond: num(limit.perSecond, `${at}.perSecond`, 0, 1_000_000),
        burst: int(limit.burst, `${at}.burst`, 1, 1_000_000),
      };
    }
  }
  if (root.encryptionByCallType !== undefined) {
    const byType = object(root.encryptionByCallType, "encryptionByCallType");
    known(byType, "encryptionByCallType", CALL_TYPES);
    for (const [type, value] of Object.entries(byType)) {
      policy.encryptionByCallType[type as CallType] = encryption(
        value,
        `encryptionByCallType.${type}`,
      );
    }
  }
  if (root.passwordCallTypes !== undefined) {
    const list = root.passwordCallTypes;
    if (!Array.isArray(list) || list.some((t) => !(CALL_TYPES as readonly unknown[]).includes(t))) {
      throw new PolicyError(`passwordCallTypes: expected a list of ${CALL_TYPES.join(", ")}`);
    }
    policy.passwordCallTypes = [...new Set(list as CallType[])];
  }
  if (root.recording !== undefined) {
    const rec = object(root.recording, "recording");
    known(rec, "recording", ["forbidCallTypes", "requireConsent"]);
    if (rec.requireConsent !== undefined && typeof rec.requireConsent !== "boolean") {
      throw new PolicyError("recording.requireConsent: expected true or false");
    }
    policy.recording.requireConsent = rec.requireConsent === true;
    const list = rec.forbidCallTypes ?? [];
    if (!Array.isArray(list) || list.some((t) => !(CALL_TYPES as readonly unknown[]).includes(t))) {
      throw new PolicyError(
        `recording.forbidCallTypes: expected a list of ${CALL_TYPES.join(", ")}`,
      );
    }
    policy.recording.forbidCallTypes = [...new Set(list as CallType[])];
  }
  if (root.provenance !== undefined) {
    const prov = object(root.provenance, "provenance");
    known(prov, "provenance", ["onBreak"]);
    if (prov.onBreak !== undefined) {
      if (!(PROVENANCE_ON_BREAK as readonly unknown[]).includes(prov.onBreak)) {
        throw new PolicyError(
          `provenance.onBreak: expected ${PROVENANCE_ON_BREAK.map((v) => `"${v}"`).join(" or ")}`,
        );
      }
      policy.provenance.onBreak = prov.onBreak as ProvenanceOnBreak;
    }
  }
  if (root.guests !== undefined) {
    const guests = object(root.guests, "guests");
    known(guests, "guests", ["bandwidthKbps"]);
    if (guests.bandwidthKbps !== undefined) {
      policy.guests.bandwidthKbps = int(guests.bandwidthKbps, "guests.bandwidthKbps", 1, 100_000);
    }
  }
  if (root.roomPin !== undefined) {
    const pin = object(root.roomPin, "roomPin");
    known(pin, "roomPin", ["wrongPerSource", "wrongPerRoom", "lobbyPerRoom", "lobbyTotal"]);
    for (const name of ["wrongPerSource", "wrongPerRoom"] as const) {
      if (pin[name] === undefined) continue;
      const at = `roomPin.${name}`;
      const limit = object(pin[name], at);
      known(limit, at, ["perSecond", "burst"]);
      policy.roomPin[name] = {
        perSecond: num(limit.perSecond, `${at}.perSecond`, 0, 1_000),
        burst: int(limit.burst, `${at}.burst`, 1, 10_000),
      };
    }
    if (pin.lobbyPerRoom !== undefined) {
      policy.roomPin.lobbyPerRoom = int(pin.lobbyPerRoom, "roomPin.lobbyPerRoom", 0, 1000);
    }
    if (pin.lobbyTotal !== undefined) {
      policy.roomPin.lobbyTotal = int(pin.lobbyTotal, "roomPin.lobbyTotal", 0, 10_000);
    }
  }
  if (root.rooms !== undefined) {
    const rooms = object(root.rooms, "rooms");
    for (const [name, value] of Object.entries(rooms)) {
      if (!ROOM_RE.test(name)) {
        throw new PolicyError(`rooms.${name}: room names are [a-z0-9._-], 1-64 characters`);
      }
      policy.rooms[name] = roomFields(value, `rooms.${name}`);
    }
    const numbered = new Map<string, string>();
    for (const [name, room] of Object.entries(policy.rooms)) {
      if (room.number === undefined) continue;
      const other = numbered.get(room.number);
      if (other) {
        throw new PolicyError(`rooms.${name}.number: ${room.number} is room ${other}'s already`);
      }
      numbered.set(room.number, name);
    }
  }
  return policy;
}

function roomFields(value: unknown, at: string): Partial<RoomPolicy> {
  const room = object(value, at);
  known(room, at, [
    "capacity",
    "bandwidthKbps",
    "allowedCodecs",
    "callType",
    "encryption",
    "number",
  ]);
  const out: Partial<RoomPolicy> = {};
  if (room.number !== undefined) {
    if (typeof room.number !== "string" || !ROOM_NUMBER_RE.test(room.number)) {
      throw new PolicyError(`${at}.number: expected 1-15 digits (E.164)`);
    }
    out.number = room.number;
  }
  if (room.encryption !== undefined) {
    out.encryption = encryption(room.encryption, `${at}.encryption`);
  }
  if (room.callType !== undefined) {
    if (!(CALL_TYPES as readonly unknown[]).includes(room.callType)) {
      throw new PolicyError(`${at}.callType: expected one of ${CALL_TYPES.join(", ")}`);
    }
    out.callType = room.callType as CallType;
  }
  if (room.capacity !== undefined) out.capacity = int(room.capacity, `${at}.capacity`, 1, 1000);
  if (room.bandwidthKbps !== undefined) {
    out.bandwidthKbps = int(room.bandwidthKbps, `${at}.bandwidthKbps`, 1, 10_000_000);
  }
  if (room.allowedCodecs !== undefined) {
    out.allowedCodecs = codecList(room.allowedCodecs, `${at}.allowedCodecs`);
  }
  return out;
}

function encryption(value: unknown, at: string): Encryption {
  if (!(ENCRYPTION as readonly unknown[]).includes(value)) {
    throw new PolicyError(`${at}: expected one of ${ENCRYPTION.join(", ")}`);
  }
  return value as Encryption;
}

/** The room whose E.164 number is `digits`, if any. */
export function roomOfNumber(policy: Policy, digits: string): string | undefined {
  if (!ROOM_NUMBER_RE.test(digits)) return undefined;
  for (const [name, room] of Object.entries(policy.rooms)) {
    if (room.number === digits) return name;
  }
  return undefined;
}

/** Whether a leg of this call type in this room must be encrypted. */
export function encryptionRequired(policy: Policy, room: string, callType: CallType): boolean {
  return roomPolicy(policy, room)?.encryption === "required" ||
    policy.encryptionByCallType[callType] === "required";
}

/** A non-empty list of known codecs, duplicates dropped (policy files and the rooms API). */
export function codecList(value: unknown, at: string): Codec[] {
  if (
    !Array.isArray(value) || value.length === 0 ||
    value.some((c) => !(CODECS as readonly unknown[]).includes(c))
  ) {
    throw new PolicyError(`${at}: expected a non-empty list of ${CODECS.join(", ")}`);
  }
  return [...new Set(value as Codec[])];
}

function object(value: unknown, at: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new PolicyError(`${at}: expected an object`);
  }
  return value as Record<string, unknown>;
}

function known(obj: Record<string, unknown>, at: string, names: readonly string[]): void {
  for (const key of Object.keys(obj)) {
    if (!names.includes(key)) {
      throw new PolicyError(`${at}.${key}: unknown field (known: ${names.join(", ")})`);
    }
  }
}

function int(value: unknown, at: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new PolicyError(`${at}: expected an integer from ${min} to ${max}`);
  }
  return value;
}

function num(value: unknown, at: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
    throw new PolicyError(`${at}: expected a number from ${min} to ${max}`);
  }
  return value;
}

export function readPolicyFile(path: string): Policy {
  let text: string;
  try {
    const info = Deno.statSync(path);
    if (info.size > MAX_POLICY_BYTES) {
      throw new PolicyError(`larger than ${MAX_POLICY_BYTES} bytes`);
    }
    text = Deno.readTextFileSync(path);
  } catch (err) {
    if (err instanceof PolicyError) throw err;
    throw new PolicyError(`cannot read: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new PolicyError(`not valid JSON: ${(err as Error).message}`);
  }
  return parsePolicy(doc);
}

/**
 * The policy in force, swapped atomically on a valid reload. Rooms defined through
 * the rooms API (`setRooms`) lie over the file's: an operator's explicit room wins.
 */
export class PolicyStore {
  #file: Policy;
  #current: Policy;
  #apiRooms: Record<string, Partial<RoomPolicy>> = {};
  #unwatch?: () => void;
  readonly #listeners: Array<(p: Policy) => void> = [];

  constructor(readonly path: string | undefined, private readonly log: Logger) {
    this.#file = path ? readPolicyFile(path) : DEFAULT_POLICY;
    this.#current = this.#file;
  }

  #merge(): void {
    this.#current = Object.keys(this.#apiRooms).length === 0
      ? this.#file
      : { ...this.#file, rooms: { ...this.#file.rooms, ...this.#apiRooms } };
  }

  /** Replaces the rooms defined through the API (rooms/registry.ts). */
  setRooms(rooms: Record<string, Partial<RoomPolicy>>): void {
    this.#apiRooms = { ...rooms };
    this.#merge();
    for (const listener of this.#listeners) listener(this.#current);
  }

  get current(): Policy {
    return this.#current;
  }

  onChange(listener: (p: Policy) => void): void {
    this.#listeners.push(listener);
  }

  /** Re-reads the file; on error keeps the policy in force and says why. */
  reload(cause: string): boolean {
    if (!this.path) return false;
    try {
      const next = readPolicyFile(this.path);
      const previous = this.#current.version;
      this.#file = next;
      this.#merge();
      for (const listener of this.#listeners) listener(this.#current);
      this.log.info("policy reloaded", { cause, path: this.path, version: next.version, previous });
      return true;
    } catch (err) {
      this.log.error("policy refused; keeping the policy in force", {
        cause,
        path: this.path,
        error: (err as Error).message,
        version: this.#current.version,
      });
      return false;
    }
  }

  /** Reloads on file change (debounced) and on SIGHUP. */
  watch(): void {
    if (this.path && !this.#unwatch) this.#unwatch = watchFile(this.path, (c) => this.reload(c));
  }

  close(): void {
    this.#unwatch?.();
    this.#unwatch = undefined;
  }
}

// Rooms an operator created through the API: their settings, kept in KV so a
// restart keeps them, and handed to the policy so guard admits by them (capacity,
// codecs, call type). Rooms nobody created still work when the policy allows
// unknown rooms; they simply have the policy's defaults.

import { CALL_TYPES, type CallType, type Codec, CODECS } from "../guard/types.ts";
import {
  codecList,
  ENCRYPTION,
  type Encryption,
  GATEWAY_ROOM,
  type PolicyStore,
  ROOM_NUMBER_RE,
  ROOM_RE,
  roomOfNumber,
  type RoomPolicy,
} from "../guard/policy.ts";
import type { Store } from "../store/mod.ts";
import { RoomPins } from "./pins.ts";

/** "all": everyone hears everyone but themselves; "moderated": members join muted
 * and speak when an operator gives them the floor (unmutes them). */
export const MIXING_MODES = ["all", "moderated"] as const;
export type MixingMode = typeof MIXING_MODES[number];

/** How browsers lay out video (a hint; the page decides). */
export const VIDEO_LAYOUTS = ["grid", "speaker", "presentation"] as const;
export type VideoLayout = typeof VIDEO_LAYOUTS[number];

export interface RoomDefinition {
  name: string;
  mixing: MixingMode;
  allowedCodecs: Codec[];
  capacity: number;
  callType: CallType;
  videoLayout: VideoLayout;
  /** "required": SIP legs only over TLS with SRTP (RoomPolicy.encryption). */
  encryption?: Encryption;
  /** E.164 number phones and terminals may dial instead of council-<name>. */
  number?: string;
  createdAt: string;
}

export class RoomDefinitionError extends Error {
  override name = "RoomDefinitionError";
}

const PREFIX = ["rooms", "v1"];
/** A council is at most 25 members (the design); the API allows no more. */
export const MAX_CAPACITY = 25;

const FIELDS = [
  "name",
  "mixing",
  "allowedCodecs",
  "capacity",
  "callType",
  "videoLayout",
  "encryption",
  "number",
];

/** Checks a create request; every error names its field. Unset fields take defaults. */
export function parseRoomDefinition(body: Record<string, unknown>, now: Date): RoomDefinition {
  for (const key of Object.keys(body)) {
    if (!FIELDS.includes(key)) throw new RoomDefinitionError(`${key}: unknown field`);
  }
  const name = body.name;
  if (typeof name !== "string" || !ROOM_RE.test(name)) {
    throw new RoomDefinitionError("name: expected 1-64 characters of [a-z0-9._-]");
  }
  if (name === GATEWAY_ROOM) throw new RoomDefinitionError("name: gateway is reserved");
  const pick = <T extends string>(field: string, choices: readonly T[], fallback: T): T => {
    const v = body[field];
    if (v === undefined) return fallback;
    if (!(choices as readonly unknown[]).includes(v)) {
      throw new RoomDefinitionError(`${field}: expected one of ${choices.join(", ")}`);
    }
    return v as T;
  };
  let allowedCodecs: Codec[] = [...CODECS];
  if (body.allowedCodecs !== undefined) {
    try {
      allowedCodecs = codecList(body.allowedCodecs, "allowedCodecs");
    } catch (err) {
      throw new RoomDefinitionError((err as Error).message);
    }
  }
  let capacity = MAX_CAPACITY;
  if (body.capacity !== undefined) {
    const n = body.capacity;
    if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > MAX_CAPACITY) {
      throw new RoomDefinitionError(`capacity: expected an integer from 1 to ${MAX_CAPACITY}`);
    }
    capacity = n;
  }
  const number = body.number;
  if (number !== undefined && (typeof number !== "string" || !ROOM_NUMBER_RE.test(number))) {
    throw new RoomDefinitionError("number: expected 1-15 digits (E.164)");
  }
  return {
    name,
    ...(number !== undefined ? { number } : {}),
    mixing: pick("mixing", MIXING_MODES, "all"),
    allowedCodecs,
    capacity,
    callType: pick("callType", CALL_TYPES, "ROUTINE"),
    videoLayout: pick("videoLayout", VIDEO_LAYOUTS, "grid"),
    encryption: pick("encryption", ENCRYPTION, "optional"),
    createdAt: now.toISOString(),
  };
}

export class RoomRegistry {
  #rooms = new Map<string, RoomDefinition>();

  private constructor(
    private readonly store: Store,
    private readonly policies: PolicyStore,
    /** The rooms' PINs (hashes only; rooms/pins.ts). */
    readonly pins: RoomPins,
  ) {}

  static async open(store: Store, policies: PolicyStore): Promise<RoomRegistry> {
    const r = new RoomRegistry(store, policies, await RoomPins.open(store));
    for await (const { value } of store.kv.list<RoomDefinition>({ prefix: PREFIX })) {
      r.#rooms.set(value.name, value);
    }
    r.#publish();
    return r;
  }

  get(name: string): RoomDefinition | undefined {
    return this.#rooms.get(name);
  }

  list(): RoomDefinition[] {
    return [...this.#rooms.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Stores a new room; false when the name is taken. A number in use is an error. */
  async create(def: RoomDefinition): Promise<boolean> {
    if (def.number !== undefined) {
      const holder = roomOfNumber(this.policies.current, def.number);
      if (holder !== undefined && holder !== def.name) {
        throw new RoomDefinitionError(`number: ${def.number} is room ${holder}'s already`);
      }
    }
    const key = [...PREFIX, def.name];
    const res = await this.store.kv.atomic().check({ key, versionstamp: null }).set(key, def)
      .commit();
    if (!res.ok) return false;
    this.#rooms.set(def.name, def);
    this.#publish();
    return true;
  }

  async delete(name: string): Promise<boolean> {
    if (!this.#rooms.has(name)) return false;
    await this.store.kv.delete([...PREFIX, name]);
    await this.pins.clear(name);
    this.#rooms.delete(name);
    this.#publish();
    return true;
  }

  /** Guard admits by these: seats, codecs and call type per room. */
  #publish(): void {
    const rooms: Record<string, Partial<RoomPolicy>> = {};
    for (const d of this.#rooms.values()) {
      rooms[d.name] = {
        capacity: d.capacity,
        allowedCodecs: d.allowedCodecs,
        callType: d.callType,
        ...(d.encryption ? { encryption: d.encryption } : {}),
        ...(d.number ? { number: d.number } : {}),
      };
    }
    this.policies.setRooms(rooms);
  }
}

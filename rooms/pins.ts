// Room PINs (issue 23): a room may have a 4-12 digit PIN that callers who cannot
// authenticate otherwise key in after connecting (rooms/pin_lobby.ts). Only a
// salted scrypt hash is kept (KV ["rooms","pin",<room>]); a check runs scrypt off
// the main thread (node:crypto's async scrypt) with bounded parameters, at most
// MAX_CONCURRENT at a time and MAX_QUEUED waiting, and compares in constant time.
// Nothing here ever returns a PIN or its hash to a caller outside this module.

import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import type { Store } from "../store/mod.ts";

export const PIN_RE = /^[0-9]{4,12}$/;

/** scrypt cost: N=2^14, r=8 is 16 MiB and ~30-60 ms here; parameters read back are bounded. */
export const PIN_SCRYPT = { N: 16384, r: 8, p: 1 } as const;
const MAX_N = 1 << 16;
const MAX_R = 16;
const MAX_P = 2;
const KEY_LENGTH = 32;
const MAX_CONCURRENT = 2;
const MAX_QUEUED = 64;

export class PinError extends Error {
  override name = "PinError";
}

/** Too many PIN checks are waiting: refused without hashing. */
export class PinBusy extends Error {
  override name = "PinBusy";
}

export interface PinRecord {
  v: 1;
  salt: string;
  hash: string;
  N: number;
  r: number;
  p: number;
  setAt: string;
}

const b64 = (u: Uint8Array) => btoa(String.fromCharCode(...u));
const unb64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

/** Checks a PIN's form; the message names the rule, never the PIN. */
export function checkPinForm(pin: unknown): string {
  if (typeof pin !== "string" || !PIN_RE.test(pin)) {
    throw new PinError("pin: expected 4-12 digits");
  }
  return pin;
}

let running = 0;
const waiting: (() => void)[] = [];

async function slot<T>(work: () => Promise<T>): Promise<T> {
  if (running >= MAX_CONCURRENT) {
    if (waiting.length >= MAX_QUEUED) throw new PinBusy("too many PIN checks waiting");
    await new Promise<void>((resolve) => waiting.push(resolve));
  }
  running++;
  try {
    return await work();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

function derive(pin: string, salt: Uint8Array, N: number, r: number, p: number) {
  return slot(() =>
    new Promise<Uint8Array>((resolve, reject) => {
      scrypt(pin, salt, KEY_LENGTH, { N, r, p, maxmem: 64 * 1024 * 1024 }, (err, key) => {
        if (err) reject(err);
        else resolve(new Uint8Array(key));
      });
    })
  );
}

/** Hashes a PIN with a fresh 16-byte salt. */
export async function hashPin(
  pin: string,
  params: { N: number; r: number; p: number } = PIN_SCRYPT,
  now = new Date(),
): Promise<PinRecord> {
  checkPinForm(pin);
  const salt = new Uint8Array(randomBytes(16));
  const hash = await derive(pin, salt, params.N, params.r, params.p);
  return { v: 1, salt: b64(salt), hash: b64(hash), ...params, setAt: now.toISOString() };
}

/** Whether `pin` is the one `record` was made from (constant-time compare). */
export async function verifyPin(record: PinRecord, pin: string): Promise<boolean> {
  const { N, r, p } = record;
  // A record whose cost is out of bounds (a corrupted store) is refused, not computed.
  if (
    !Number.isInteger(N) || N < 2 || N > MAX_N || (N & (N - 1)) !== 0 ||
    !Number.isInteger(r) || r < 1 || r > MAX_R || !Number.isInteger(p) || p < 1 || p > MAX_P
  ) {
    throw new PinError("stored PIN hash has out-of-bounds parameters");
  }
  // A malformed entry is compared like any other, so its cost does not depend on it.
  const candidate = PIN_RE.test(pin) ? pin : "\u0000";
  const expected = unb64(record.hash);
  const got = await derive(candidate, unb64(record.salt), N, r, p);
  return got.length === expected.length && timingSafeEqual(got, expected) &&
    candidate === pin;
}

const PREFIX = ["rooms", "pin"];

/** The PINs of rooms, by room name; only whether one is set is ever shown. */
export class RoomPins {
  #pins = new Map<string, PinRecord>();

  private constructor(private readonly store: Store) {}

  static async open(store: Store): Promise<RoomPins> {
    const pins = new RoomPins(store);
    for await (const { key, value } of store.kv.list<PinRecord>({ prefix: PREFIX })) {
      pins.#pins.set(String(key[PREFIX.length]), value);
    }
    return pins;
  }

  has(room: string): boolean {
    return this.#pins.has(room);
  }

  /** When the room's PIN was set, if it has one. */
  setAt(room: string): string | undefined {
    return this.#pins.get(room)?.setAt;
  }

  async set(room: string, pin: string): Promise<void> {
    const record = await hashPin(checkPinForm(pin));
    await this.store.kv.set([...PREFIX, room], record);
    this.#pins.set(room, record);
  }

  /** False when the room had no PIN. */
  async clear(room: string): Promise<boolean> {
    if (!this.#pins.has(room)) return false;
    await this.store.kv.delete([...PREFIX, room]);
    this.#pins.delete(room);
    return true;
  }

  /** Whether `pin` is the room's PIN; false when it has none. Throws PinBusy when saturated. */
  async verify(room: string, pin: string): Promise<boolean> {
    const record = this.#pins.get(room);
    if (!record) return false;
    return await verifyPin(record, pin);
  }
}

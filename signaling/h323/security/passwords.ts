// Per-guardian H.323 passwords (H.235.1). Only the derived key, SHA-1 of the
// password, is kept: it is all procedure I needs, and the password itself cannot be
// read back (it is still a secret: the KV that holds it is 0600). Set and cleared
// by the operator; each change is witnessed without the secret.

import type { Store } from "../../../store/mod.ts";
import { fromBase64, type JsonValue, toBase64 } from "../../../witness/mod.ts";
import { h235Key } from "./h235_1.ts";

const PREFIX = ["h323", "v1", "h235-key"] as const;

interface Stored {
  key: string;
  setAt: string;
}

export class PasswordError extends Error {
  override name = "PasswordError";
}

/** What a password must be: 8-128 characters, no control characters. */
export function checkPassword(password: unknown): string {
  if (typeof password !== "string") throw new PasswordError("password: expected a string");
  const n = [...password].length;
  if (n < 8 || n > 128) throw new PasswordError("password: expected 8-128 characters");
  // deno-lint-ignore no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(password)) {
    throw new PasswordError("password: control characters are not allowed");
  }
  return password;
}

export class H323Passwords {
  #keys = new Map<string, { key: Uint8Array; setAt: string }>();

  private constructor(
    private readonly store: Store,
    private readonly witness: {
      append(type: string, p: Record<string, JsonValue>): Promise<unknown>;
    },
  ) {}

  static async open(
    store: Store,
    witness: { append(type: string, p: Record<string, JsonValue>): Promise<unknown> },
  ): Promise<H323Passwords> {
    const p = new H323Passwords(store, witness);
    for await (const e of store.kv.list<Stored>({ prefix: [...PREFIX] })) {
      const key = fromBase64(e.value.key);
      if (key?.length === 20) p.#keys.set(String(e.key[3]), { key, setAt: e.value.setAt });
    }
    return p;
  }

  /** The H.235.1 key of a guardian's password, if one is set. */
  keyOf(guardianId: string): Uint8Array | undefined {
    return this.#keys.get(guardianId)?.key;
  }

  /** Which guardians have a password, and since when (never the key). */
  list(): { guardianId: string; setAt: string }[] {
    return [...this.#keys].map(([guardianId, v]) => ({ guardianId, setAt: v.setAt })).sort((a, b) =>
      a.guardianId < b.guardianId ? -1 : 1
    );
  }

  async set(guardianId: string, password: string, by: string): Promise<void> {
    const key = h235Key(checkPassword(password));
    const setAt = new Date().toISOString();
    const res = await this.store.commit(
      this.store.kv.atomic().set([...PREFIX, guardianId], { key: toBase64(key), setAt }),
    );
    if (!res.ok) throw new Error("the password could not be stored");
    this.#keys.set(guardianId, { key, setAt });
    await this.witness.append("h323.password_set", { guardianId, by });
  }

  /** Removes a guardian's password; false when it had none. */
  async clear(guardianId: string, by: string): Promise<boolean> {
    if (!this.#keys.has(guardianId)) return false;
    await this.store.commit(this.store.kv.atomic().delete([...PREFIX, guardianId]));
    this.#keys.delete(guardianId);
    await this.witness.append("h323.password_cleared", { guardianId, by });
    return true;
  }
}

// The guardian registry: KV is the record, an in-memory map the hot path. One
// server owns it (like the witness), so the map is refreshed on every write.

import { fromBase64 } from "../witness/mod.ts";
import type { Store } from "../store/mod.ts";
import { type Guardian, GUARDIAN_STATUSES, type GuardianStatus } from "./types.ts";

const PREFIX = ["guard", "v1", "guardian"] as const;
export const GUARDIAN_ID_RE = /^if:\/\/guardian\/[a-z0-9][a-z0-9._-]{0,63}$/;

export class RegistryError extends Error {
  override name = "RegistryError";
  constructor(
    message: string,
    readonly code: "BAD_REQUEST" | "NOT_FOUND" | "CONFLICT" = "BAD_REQUEST",
  ) {
    super(message);
  }
}

export interface GuardianInput {
  id: string;
  displayName: string;
  role: string;
  publicKey: string;
  bandwidthKbps: number;
}

export type GuardianUpdate = Partial<Omit<GuardianInput, "id"> & { status: GuardianStatus }>;

export class GuardianRegistry {
  #cache = new Map<string, Guardian & { key: Uint8Array }>();

  private constructor(private readonly store: Store) {}

  static async open(store: Store): Promise<GuardianRegistry> {
    const registry = new GuardianRegistry(store);
    for await (const { value } of store.kv.list<Guardian>({ prefix: PREFIX })) {
      registry.#remember(value);
    }
    return registry;
  }

  /** The guardian and its decoded key, from memory. */
  get(id: string): (Guardian & { key: Uint8Array }) | undefined {
    return this.#cache.get(id);
  }

  /** The stored record, without the decoded key. */
  record(id: string): Guardian | undefined {
    const g = this.#cache.get(id);
    if (!g) return undefined;
    const { key: _key, ...record } = g;
    return record;
  }

  list(): Guardian[] {
    return [...this.#cache.keys()].sort().map((id) => this.record(id)!);
  }

  async add(input: GuardianInput, now = new Date()): Promise<Guardian> {
    checkInput(input);
    const record: Guardian = {
      ...input,
      status: "active",
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
    };
    const key = [...PREFIX, input.id];
    const res = await this.store.commit(
      this.store.kv.atomic().check({ key, versionstamp: null }).set(key, record),
    );
    if (!res.ok) throw new RegistryError(`guardian ${input.id} already exists`, "CONFLICT");
    this.#remember(record);
    return record;
  }

  async update(id: string, change: GuardianUpdate, now = new Date()): Promise<Guardian> {
    const key = [...PREFIX, id];
    const current = await this.store.kv.get<Guardian>(key);
    if (!current.value) throw new RegistryError(`no guardian ${id}`, "NOT_FOUND");
    const next: Guardian = { ...current.value, ...change, id, updatedAt: now.toISOString() };
    checkInput(next);
    if (!(GUARDIAN_STATUSES as readonly string[]).includes(next.status)) {
      throw new RegistryError(`status: expected one of ${GUARDIAN_STATUSES.join(", ")}`);
    }
    if (current.value.status === "revoked" && next.status !== "revoked") {
      throw new RegistryError(`guardian ${id} is revoked; revocation is final`, "CONFLICT");
    }
    const res = await this.store.commit(this.store.kv.atomic().check(current).set(key, next));
    if (!res.ok) throw new RegistryError(`guardian ${id} changed concurrently; retry`, "CONFLICT");
    this.#remember(next);
    return next;
  }

  async remove(id: string): Promise<void> {
    const key = [...PREFIX, id];
    const current = await this.store.kv.get<Guardian>(key);
    if (!current.value) throw new RegistryError(`no guardian ${id}`, "NOT_FOUND");
    await this.store.commit(this.store.kv.atomic().check(current).delete(key));
    this.#cache.delete(id);
  }

  #remember(g: Guardian): void {
    this.#cache.set(g.id, { ...g, key: fromBase64(g.publicKey)! });
  }
}

function checkInput(g: GuardianInput): void {
  if (typeof g.id !== "string" || !GUARDIAN_ID_RE.test(g.id)) {
    throw new RegistryError(
      "id: expected if://guardian/<name> with a name of [a-z0-9._-], 1-64 characters",
    );
  }
  if (
    typeof g.displayName !== "string" || g.displayName.trim() === "" || g.displayName.length > 128
  ) {
    throw new RegistryError("displayName: expected 1-128 characters");
  }
  if (typeof g.role !== "string" || !/^[a-z0-9][a-z0-9._-]{0,63}$/.test(g.role)) {
    throw new RegistryError("role: expected [a-z0-9._-], 1-64 characters");
  }
  const key = typeof g.publicKey === "string" ? fromBase64(g.publicKey) : undefined;
  if (!key || key.length !== 32) {
    throw new RegistryError("publicKey: expected a base64 32-byte Ed25519 public key");
  }
  if (!Number.isInteger(g.bandwidthKbps) || g.bandwidthKbps < 1 || g.bandwidthKbps > 100_000) {
    throw new RegistryError("bandwidthKbps: expected an integer from 1 to 100000");
  }
}

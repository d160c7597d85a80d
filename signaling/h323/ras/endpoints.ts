// Registered H.323 endpoints (H.225.0 7.2): in memory for the RAS hot path, and in
// KV with an expiry so a restart keeps them. A registration lapses when its
// time-to-live passes without a (lightweight) re-registration.

import type { Store } from "../../../store/mod.ts";
import type { HostPort } from "../h225/address.ts";

const PREFIX = ["h323", "v1", "endpoint"] as const;

export interface Endpoint {
  id: string;
  guardianId: string;
  /** "h323-ID:alice", "dialledDigits:1001", ... */
  aliases: string[];
  ras: HostPort;
  /** Where its full registration came from (its RAS address behind NAT may differ). */
  source?: HostPort;
  callSignal: HostPort[];
  timeToLive: number;
  expiresAt: number;
  vendor?: string;
  /** How the registration was proven (older records: undefined, treated as unproven). */
  proof?: "h235.1" | "council-token";
}

export class Endpoints {
  #byId = new Map<string, Endpoint>();
  #byAlias = new Map<string, string>();
  #sweeper: ReturnType<typeof setInterval>;

  private constructor(
    private readonly store: Store,
    private readonly onExpired: (e: Endpoint) => void,
    private readonly now: () => number,
  ) {
    this.#sweeper = setInterval(() => this.#sweep(), 5_000);
  }

  static async load(
    store: Store,
    onExpired: (e: Endpoint) => void,
    now = Date.now,
  ): Promise<Endpoints> {
    const e = new Endpoints(store, onExpired, now);
    for await (const entry of store.kv.list<Endpoint>({ prefix: [...PREFIX] })) {
      // Registrations from before proof was required are not carried over.
      if (!entry.value.proof) await store.kv.delete(entry.key);
      else if (entry.value.expiresAt > now()) e.#index(entry.value);
    }
    return e;
  }

  get size(): number {
    return this.#byId.size;
  }

  get(id: string): Endpoint | undefined {
    const e = this.#byId.get(id);
    return e && e.expiresAt > this.now() ? e : undefined;
  }

  byAlias(alias: string): Endpoint | undefined {
    const id = this.#byAlias.get(alias);
    return id ? this.get(id) : undefined;
  }

  list(): Endpoint[] {
    const now = this.now();
    return [...this.#byId.values()].filter((e) => e.expiresAt > now);
  }

  /** Stores (or replaces) a registration; durable before it resolves. */
  async put(e: Endpoint): Promise<void> {
    await this.store.kv.set([...PREFIX, e.id], e, {
      expireIn: Math.max(1000, e.expiresAt - this.now()),
    });
    const old = this.#byId.get(e.id);
    if (old) { for (const a of old.aliases) this.#byAlias.delete(a); }
    this.#index(e);
  }

  async remove(id: string): Promise<Endpoint | undefined> {
    const e = this.#byId.get(id);
    if (!e) return undefined;
    await this.store.kv.delete([...PREFIX, id]);
    this.#unindex(e);
    return e;
  }

  close(): void {
    clearInterval(this.#sweeper);
  }

  #index(e: Endpoint): void {
    this.#byId.set(e.id, e);
    for (const a of e.aliases) this.#byAlias.set(a, e.id);
  }

  #unindex(e: Endpoint): void {
    this.#byId.delete(e.id);
    for (const a of e.aliases) if (this.#byAlias.get(a) === e.id) this.#byAlias.delete(a);
  }

  #sweep(): void {
    const now = this.now();
    for (const e of [...this.#byId.values()]) {
      if (e.expiresAt > now) continue;
      this.#unindex(e);
      this.onExpired(e);
    }
  }
}

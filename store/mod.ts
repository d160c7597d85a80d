// The one Deno KV every subsystem shares. Writes that must not be lost go through
// commit(), which tracks them so close() waits for every acknowledged-in-progress
// write before the database closes.

import type { Subsystem } from "../lifecycle/mod.ts";

/** Key spaces are versioned; this one holds the server's own bookkeeping. */
export const META_PREFIX = ["council", "v1", "meta"] as const;

export class StoreError extends Error {
  override name = "StoreError";
}

export interface InstanceRecord {
  firstStartedAt: string;
  lastStartedAt: string;
  /** How many times a server has started on this database. */
  starts: number;
}

export class Store implements Subsystem {
  readonly name = "kv";
  #pending = new Set<Promise<unknown>>();
  #closing = false;
  #closed = false;

  private constructor(readonly kv: Deno.Kv, readonly path: string) {}

  /** Opens (creating if needed) the database at path, or in memory for ":memory:". */
  static async open(path: string): Promise<Store> {
    if (path !== ":memory:") {
      const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "";
      if (dir) {
        try {
          await Deno.mkdir(dir, { recursive: true });
        } catch (err) {
          throw new StoreError(
            `kv.path: cannot create directory ${dir}: ${(err as Error).message}`,
          );
        }
      }
    }
    let kv: Deno.Kv;
    try {
      kv = await Deno.openKv(path);
    } catch (err) {
      throw new StoreError(`kv.path: cannot open ${path}: ${(err as Error).message}`);
    }
    return new Store(kv, path);
  }

  /** Number of writes in flight. */
  get pending(): number {
    return this.#pending.size;
  }

  /** Commits an atomic operation; close() will not finish before it settles. */
  commit(op: Deno.AtomicOperation): Promise<Deno.KvCommitResult | Deno.KvCommitError> {
    if (this.#closing) return Promise.reject(new StoreError("store is closing; write refused"));
    const p = op.commit();
    this.#pending.add(p);
    const forget = () => this.#pending.delete(p);
    p.then(forget, forget);
    return p;
  }

  /** Records this start in the instance record and returns it. Retries on contention. */
  async recordStart(now = new Date()): Promise<InstanceRecord> {
    const key = [...META_PREFIX, "instance"];
    for (let attempt = 0; attempt < 10; attempt++) {
      const current = await this.kv.get<InstanceRecord>(key);
      const next: InstanceRecord = {
        firstStartedAt: current.value?.firstStartedAt ?? now.toISOString(),
        lastStartedAt: now.toISOString(),
        starts: (current.value?.starts ?? 0) + 1,
      };
      const res = await this.commit(this.kv.atomic().check(current).set(key, next));
      if (res.ok) return next;
    }
    throw new StoreError("could not record the instance start: KV contention");
  }

  async ready(): Promise<boolean> {
    if (this.#closing) return false;
    await this.kv.get([...META_PREFIX, "instance"]);
    return true;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closing = true;
    await Promise.allSettled([...this.#pending]);
    this.#closed = true;
    this.kv.close();
  }
}

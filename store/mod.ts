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

  private constructor(
    readonly kv: Deno.Kv,
    readonly path: string,
    /** Paths whose group/other permissions were removed at open. */
    readonly permissionsFixed: readonly string[] = [],
  ) {}

  /**
   * Opens (creating if needed) the database at path, or in memory for ":memory:".
   * The KV holds the operator token, SIP HA1s and the witness signing key, so its
   * directory is made 0700 and its files 0600, also when an older version left them
   * readable (what was corrected is in `permissionsFixed`, for the log).
   */
  static async open(path: string): Promise<Store> {
    let fixed: string[] = [];
    if (path !== ":memory:") fixed = await protectDataFiles(path, "before");
    let kv: Deno.Kv;
    try {
      kv = await Deno.openKv(path);
    } catch (err) {
      throw new StoreError(`kv.path: cannot open ${path}: ${(err as Error).message}`);
    }
    // SQLite makes -wal and -shm with the database file's mode; older ones may differ.
    if (path !== ":memory:") fixed.push(...await protectDataFiles(path, "after"));
    return new Store(kv, path, fixed);
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

/** Modes Council keeps its data at: nobody but the server's user reads a secret. */
export const DATA_DIR_MODE = 0o700;
export const DATA_FILE_MODE = 0o600;

/** The directory a KV path lives in, or undefined when it is the working directory. */
function dataDirOf(path: string): string | undefined {
  const cut = path.lastIndexOf("/");
  return cut > 0 ? path.slice(0, cut) : undefined;
}

/**
 * The data directory of a KV path: the folder holding the database, the operator
 * token, the SIP TLS identity and the lock (`.` for a bare file name); undefined
 * for ":memory:".
 */
export function dataDirectory(kvPath: string): string | undefined {
  if (kvPath === ":memory:") return undefined;
  const cut = kvPath.lastIndexOf("/");
  return cut > 0 ? kvPath.slice(0, cut) : cut === 0 ? "/" : ".";
}

/**
 * Before open: the directory exists with 0700, and a new database file is created
 * 0600 (SQLite gives its -wal and -shm the same mode). After open: the database
 * and its -wal/-shm are 0600 whatever made them. Returns the paths corrected.
 */
async function protectDataFiles(path: string, when: "before" | "after"): Promise<string[]> {
  const fixed: string[] = [];
  const tighten = async (file: string, mode: number) => {
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(file);
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return;
      throw new StoreError(`kv.path: cannot inspect ${file}: ${(err as Error).message}`);
    }
    if (info.mode === null || (info.mode & 0o777 & ~mode) === 0) return;
    try {
      await Deno.chmod(file, (info.mode & 0o777) & mode);
    } catch (err) {
      throw new StoreError(
        `kv.path: ${file} is readable by others and cannot be made private: ${
          (err as Error).message
        }`,
      );
    }
    fixed.push(file);
  };
  if (when === "after") {
    for (const file of [path, `${path}-wal`, `${path}-shm`]) await tighten(file, DATA_FILE_MODE);
    return fixed;
  }
  const dir = dataDirOf(path);
  if (dir) {
    try {
      await Deno.mkdir(dir, { recursive: true, mode: DATA_DIR_MODE });
    } catch (err) {
      throw new StoreError(`kv.path: cannot create directory ${dir}: ${(err as Error).message}`);
    }
    // A shared directory such as /tmp (sticky, or another user's) is left alone: the
    // files' own 0600 protects them there, and chmod would break other programs.
    const info = await Deno.stat(dir);
    if ((info.mode ?? 0) & 0o1000 || info.uid !== Deno.uid()) {
      // not ours to change
    } else await tighten(dir, DATA_DIR_MODE);
  }
  try {
    (await Deno.open(path, { createNew: true, write: true, mode: DATA_FILE_MODE })).close();
  } catch (err) {
    if (!(err instanceof Deno.errors.AlreadyExists)) {
      throw new StoreError(`kv.path: cannot create ${path}: ${(err as Error).message}`);
    }
  }
  await tighten(path, DATA_FILE_MODE);
  return fixed;
}

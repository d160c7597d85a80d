// One server per data directory. A second Council on the same KV would write to the
// witness under the first one's feet (its next append finds the log changed and it
// stops admitting), so the server takes an exclusive lock on `council.lock` in the
// data directory before it opens anything there, and holds it until it exits.
//
// The lock is flock(2) on an open file description (FsFile.tryLock): the kernel
// drops it when the process ends however it ends, so a crashed server leaves its
// file but never a stale lock. The file holds the holder's pid, for the refusal.
// It is never deleted: unlinking a lock file others may have open lets two
// processes each lock a different inode.

import { DATA_DIR_MODE, DATA_FILE_MODE, dataDirectory, StoreError } from "./mod.ts";

export const LOCK_FILE = "council.lock";

/** Another process holds the data directory. */
export class DataDirInUse extends StoreError {
  override name = "DataDirInUse";
  constructor(readonly dir: string, readonly pid: number | undefined) {
    super(
      `kv.path: data directory ${dir} is in use by another Council (${
        pid ? `pid ${pid}` : `its pid is not in ${dir}/${LOCK_FILE}`
      })`,
    );
  }
}

export interface DataLock {
  readonly dir: string;
  readonly file: string;
  /** Empties the file and releases the lock; safe to call more than once. */
  release(): void;
}

/**
 * Takes the data directory of `kvPath` for this process, creating the directory
 * (0700) when absent. Undefined for ":memory:" (nothing on disk to share).
 * Throws DataDirInUse when another process holds it, StoreError when the
 * directory or the lock file cannot be made.
 */
export async function lockDataDir(kvPath: string): Promise<DataLock | undefined> {
  const dir = dataDirectory(kvPath);
  if (dir === undefined) return undefined;
  try {
    await Deno.mkdir(dir, { recursive: true, mode: DATA_DIR_MODE });
  } catch (err) {
    throw new StoreError(`kv.path: cannot create directory ${dir}: ${(err as Error).message}`);
  }
  const file = `${dir}/${LOCK_FILE}`;
  let handle: Deno.FsFile;
  try {
    // Opened without truncating: the holder's pid stays readable until we hold it.
    handle = await Deno.open(file, { read: true, write: true, create: true, mode: DATA_FILE_MODE });
  } catch (err) {
    throw new StoreError(`kv.path: cannot open the lock ${file}: ${(err as Error).message}`);
  }
  let locked: boolean;
  try {
    locked = await handle.tryLock(true);
  } catch (err) {
    handle.close();
    throw new StoreError(`kv.path: cannot lock ${file}: ${(err as Error).message}`);
  }
  if (!locked) {
    handle.close();
    throw new DataDirInUse(shown(dir), holderPid(file));
  }
  try {
    await handle.truncate(0);
    await handle.write(new TextEncoder().encode(`${Deno.pid}\n`));
  } catch (err) {
    handle.close();
    throw new StoreError(`kv.path: cannot write the lock ${file}: ${(err as Error).message}`);
  }
  let held = true;
  return {
    dir,
    file,
    release() {
      if (!held) return;
      held = false;
      try {
        handle.truncateSync(0);
      } catch { /* the lock goes with the descriptor either way */ }
      handle.close();
    },
  };
}

/** The pid a lock file names, when it names one. */
export function holderPid(file: string): number | undefined {
  try {
    const pid = Number(Deno.readTextFileSync(file).trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** A relative directory as an operator would type it: `./data`, not `data`. */
function shown(dir: string): string {
  return dir.startsWith("/") || dir.startsWith(".") ? dir : `./${dir}`;
}

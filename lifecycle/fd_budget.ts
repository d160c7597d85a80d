// The file-descriptor budget, settled at start: RLIMIT_NOFILE's soft limit raised to
// the hard one where allowed (setrlimit(2) through libc), the descriptors already in
// use, a reserve for what opens later (KV, media sockets, worker pipes, outbound
// connections), and the connection caps scaled down to fit what is left. Accepting
// more connections than descriptors is what made a flood fatal.

/** RLIMIT_NOFILE on Linux (<sys/resource.h>). */
const RLIMIT_NOFILE = 7;
const RLIM_INFINITY = 0xffff_ffff_ffff_ffffn;

export interface FdLimit {
  soft: number;
  hard: number;
  /** The soft limit before start raised it (equal to soft when it was not raised). */
  before: number;
  /** Why the limit could not be read or raised, when it could not. */
  note?: string;
}

function toNumber(v: bigint): number {
  return v >= RLIM_INFINITY || v > BigInt(Number.MAX_SAFE_INTEGER)
    ? Number.MAX_SAFE_INTEGER
    : Number(v);
}

/** Reads the limit, and raises the soft limit to the hard one when `raise` is set. */
export function settleFdLimit(raise = true): FdLimit {
  let libc: Deno.DynamicLibrary<{
    getrlimit: { parameters: ["i32", "buffer"]; result: "i32" };
    setrlimit: { parameters: ["i32", "buffer"]; result: "i32" };
  }>;
  try {
    libc = Deno.dlopen("libc.so.6", {
      getrlimit: { parameters: ["i32", "buffer"], result: "i32" },
      setrlimit: { parameters: ["i32", "buffer"], result: "i32" },
    });
  } catch (err) {
    // Without FFI (no --allow-ffi) the limit is still readable from /proc.
    const read = readProcLimit();
    return { ...read, before: read.soft, note: `not raised: ${(err as Error).message}` };
  }
  try {
    // struct rlimit { rlim_t rlim_cur; rlim_t rlim_max; }: two 64-bit words.
    const buf = new BigUint64Array(2);
    if (libc.symbols.getrlimit(RLIMIT_NOFILE, buf) !== 0) {
      const read = readProcLimit();
      return { ...read, before: read.soft, note: "getrlimit failed" };
    }
    const before = toNumber(buf[0]);
    const hard = toNumber(buf[1]);
    if (!raise || buf[0] >= buf[1]) return { soft: before, hard, before };
    const want = new BigUint64Array([buf[1], buf[1]]);
    if (libc.symbols.setrlimit(RLIMIT_NOFILE, want) !== 0) {
      return { soft: before, hard, before, note: "setrlimit refused" };
    }
    libc.symbols.getrlimit(RLIMIT_NOFILE, buf);
    return { soft: toNumber(buf[0]), hard, before };
  } finally {
    libc.close();
  }
}

function readProcLimit(): { soft: number; hard: number } {
  try {
    const text = Deno.readTextFileSync("/proc/self/limits");
    const m = /^Max open files\s+(\S+)\s+(\S+)/m.exec(text);
    if (m) {
      const n = (s: string) => s === "unlimited" ? Number.MAX_SAFE_INTEGER : Number(s);
      return { soft: n(m[1]), hard: n(m[2]) };
    }
  } catch { /* not Linux, or /proc is hidden */ }
  return { soft: 1024, hard: 1024 };
}

/** Descriptors the process holds now, or undefined where /proc is unavailable. */
export function openFdCount(): number | undefined {
  try {
    let n = 0;
    for (const _ of Deno.readDirSync("/proc/self/fd")) n++;
    return n;
  } catch {
    return undefined;
  }
}

export interface CapDemand {
  readonly name: string;
  readonly maxTotal: number;
  readonly maxPerSource: number;
  /** Descriptors per connection. */
  readonly fds: number;
}

export interface Budget {
  limit: FdLimit;
  /** Open at start (before any listener accepted anything). */
  inUse: number;
  reserve: number;
  /** What the listeners may hold together: soft - inUse - reserve. */
  pool: number;
  /** The caps as configured, or scaled down to fit the pool. */
  caps: Map<string, { maxTotal: number; maxPerSource: number; fds: number }>;
  /** True when the configured caps did not fit and were scaled down. */
  scaled: boolean;
}

/**
 * Sizes the caps from the budget: when the configured caps would need more
 * descriptors than the pool holds, each is scaled by the same factor (at least 1
 * connection each), and per-source caps never exceed their totals.
 */
export function sizeCaps(
  limit: FdLimit,
  inUse: number,
  reserve: number,
  demands: readonly CapDemand[],
): Budget {
  const pool = Math.max(0, limit.soft - inUse - reserve);
  const need = demands.reduce((sum, d) => sum + d.maxTotal * d.fds, 0);
  const factor = need > pool ? pool / need : 1;
  const caps = new Map<string, { maxTotal: number; maxPerSource: number; fds: number }>();
  for (const d of demands) {
    const maxTotal = Math.max(1, Math.floor(d.maxTotal * factor));
    caps.set(d.name, { maxTotal, maxPerSource: Math.min(d.maxPerSource, maxTotal), fds: d.fds });
  }
  return { limit, inUse, reserve, pool, caps, scaled: factor < 1 };
}

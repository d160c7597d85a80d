// The shared libraries a single-file build carries: everything the server maps when
// it opens its codecs, and everything the mediasoup worker links, less the C runtime
// that every glibc system has (bundling libc or ld.so would break the loader).

/** Sonames that come with glibc and GCC's runtime, never bundled. */
const SYSTEM = new RegExp(
  "^(ld-linux[^/]*|linux-vdso|libc|libm|libdl|libpthread|librt|libresolv|libutil|libanl|" +
    "libnsl|libnss_[a-z0-9]+|libmvec|libBrokenLocale|libthread_db|libc_malloc_debug|" +
    "libgcc_s)\\.so(\\.|$)",
);

export interface Library {
  /** The name the loader looks for (a file of this name goes into lib/). */
  readonly soname: string;
  /** Where it is on the build machine. */
  readonly path: string;
}

export function isSystemLibrary(soname: string): boolean {
  return SYSTEM.test(soname);
}

/** `ldconfig -p` lines ("\tlibopus.so.0 (libc6,x86-64) => /lib/.../libopus.so.0"). */
export function parseLdconfig(text: string): Library[] {
  const out: Library[] = [];
  for (const line of text.split("\n")) {
    const m = /^\s+(\S+) \(([^)]*)\) => (\/\S+)$/.exec(line);
    if (m && m[2].includes("x86-64") === (Deno.build.arch === "x86_64")) {
      out.push({ soname: m[1], path: m[3] });
    }
  }
  return out;
}

/** `ldd FILE` lines ("\tlibuv.so.1 => /lib/.../libuv.so.1 (0x...)"); throws on "not found". */
export function parseLdd(text: string, what: string): Library[] {
  const out: Library[] = [];
  for (const line of text.split("\n")) {
    const missing = /^\s+(\S+) => not found$/.exec(line);
    if (missing) throw new Error(`${what} needs ${missing[1]}, which this machine lacks`);
    const m = /^\s+(\S+) => (\/\S+) \(0x[0-9a-f]+\)$/.exec(line);
    if (m) out.push({ soname: m[1], path: m[2] });
  }
  return out;
}

/** Shared objects mapped into this process (paths from /proc/self/maps). */
export function mappedObjects(maps: string): string[] {
  const paths = new Set<string>();
  for (const line of maps.split("\n")) {
    const path = line.split(/\s+/).slice(5).join(" ");
    if (/\.so(\.[0-9.]+)?$/.test(path)) paths.add(path);
  }
  return [...paths];
}

/**
 * Names each mapped object by the soname the loader's cache gives its file, keeping
 * only those that are not system libraries and not the project's own (`exclude`).
 */
export function nameMapped(
  mapped: readonly string[],
  cache: readonly Library[],
  realPath: (p: string) => string,
  exclude: (path: string) => boolean,
): Library[] {
  // A file is listed under its soname and often under a development link too
  // ("libopus.so"); the loader asks for the versioned name, so that one wins.
  const byFile = new Map<string, string>();
  for (const lib of cache) {
    let file: string;
    try {
      file = realPath(lib.path);
    } catch {
      continue; // a stale cache entry
    }
    const known = byFile.get(file);
    if (known === undefined || (known.endsWith(".so") && !lib.soname.endsWith(".so"))) {
      byFile.set(file, lib.soname);
    }
  }
  const out: Library[] = [];
  for (const path of mapped) {
    if (exclude(path)) continue;
    const soname = byFile.get(realPath(path));
    if (soname === undefined) {
      throw new Error(`${path} is loaded but not in the loader's cache (ldconfig -p)`);
    }
    if (!isSystemLibrary(soname)) out.push({ soname, path });
  }
  return out;
}

/** One entry per soname, sorted, system libraries dropped. */
export function bundleSet(libs: Iterable<Library>): Library[] {
  const bySoname = new Map<string, Library>();
  for (const lib of libs) {
    if (!isSystemLibrary(lib.soname) && !bySoname.has(lib.soname)) bySoname.set(lib.soname, lib);
  }
  return [...bySoname.values()].sort((a, b) => a.soname.localeCompare(b.soname));
}

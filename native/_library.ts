// Opens a shared library for FFI, naming the Debian package (or the setup step)
// that provides it when it cannot be loaded, so a missing codec is one clear line.

export class NativeLibraryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NativeLibraryError";
  }
}

export interface LibrarySource {
  /** What the library is for, e.g. "G.729 (bcg729)". */
  readonly purpose: string;
  /** File names or paths tried in order. */
  readonly files: readonly string[];
  /** How to get it: a Debian package name or a setup step. */
  readonly provider: string;
}

export function openLibrary<S extends Deno.ForeignLibraryInterface>(
  source: LibrarySource,
  symbols: S,
): Deno.DynamicLibrary<S> {
  let last = "";
  for (const file of source.files) {
    try {
      return Deno.dlopen(file, symbols);
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
  }
  throw new NativeLibraryError(
    `${source.purpose} needs ${source.files[0]} from ${source.provider}; ` +
      `run scripts/setup (${last})`,
  );
}

/** A lazily opened library shared by every codec instance in one worker. */
export function lazyLibrary<S extends Deno.ForeignLibraryInterface>(
  source: LibrarySource,
  symbols: S,
): () => Deno.DynamicLibrary<S>["symbols"] {
  let lib: Deno.DynamicLibrary<S> | undefined;
  return () => (lib ??= openLibrary(source, symbols)).symbols;
}

/** Throws when a native constructor returned NULL. */
export function nonNull(ptr: Deno.PointerValue, what: string): Deno.PointerObject {
  if (ptr === null) throw new NativeLibraryError(`${what} returned NULL (out of memory?)`);
  return ptr;
}

/** A native object freed exactly once; use after close throws instead of touching freed memory. */
export class NativeHandle {
  #ptr: Deno.PointerObject | null;

  constructor(
    ptr: Deno.PointerValue,
    what: string,
    private readonly free: (p: Deno.PointerObject) => void,
  ) {
    this.#ptr = nonNull(ptr, what);
  }

  get live(): Deno.PointerObject {
    if (!this.#ptr) throw new Error("native state is closed");
    return this.#ptr;
  }

  close(): void {
    if (this.#ptr) this.free(this.#ptr);
    this.#ptr = null;
  }
}

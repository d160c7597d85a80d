// The NDI runtime (NewTek/Vizrt's libndi), for broadcast feeds over NDI. It is not
// free software and no Debian package provides it, so Council never needs it: it is
// looked for only when an operator asks for an NDI feed, where NDI's installer puts
// it (NDI_RUNTIME_DIR_V6 / _V5, then the loader's path), and its absence is said in
// one sentence naming what to install.

import { NativeLibraryError, openLibrary } from "./_library.ts";

const NAMES = ["libndi.so.6", "libndi.so.5"];

/** Where the runtime may be: its installer's variables first, then the loader's path. */
export function ndiCandidates(env: (name: string) => string | undefined = Deno.env.get): string[] {
  const dirs = ["NDI_RUNTIME_DIR_V6", "NDI_RUNTIME_DIR_V5"].map((v) => env(v)).filter(Boolean);
  return [...dirs.flatMap((d) => NAMES.map((n) => `${d}/${n}`)), ...NAMES];
}

export class NdiUnavailable extends Error {
  override name = "NdiUnavailable";
}

const SYMBOLS = {
  NDIlib_initialize: { parameters: [], result: "bool" },
  NDIlib_version: { parameters: [], result: "pointer" },
} as const;

/** The runtime's version string; throws NdiUnavailable saying what is missing. */
export function loadNdi(env?: (name: string) => string | undefined): string {
  const files = ndiCandidates(env);
  let lib;
  try {
    lib = openLibrary({
      purpose: "NDI feeds",
      files,
      provider: "NDI's runtime installer (ndi.video; not packaged by Debian)",
    }, SYMBOLS);
  } catch (err) {
    if (!(err instanceof NativeLibraryError)) throw err;
    throw new NdiUnavailable(
      `the NDI runtime is not installed on this host (looked for ${files.join(", ")}): ` +
        "install NDI's runtime (ndi.video) and set NDI_RUNTIME_DIR_V6 to its directory",
    );
  }
  if (!lib.symbols.NDIlib_initialize()) {
    lib.close();
    throw new NdiUnavailable("the NDI runtime is installed but this CPU is not supported by it");
  }
  const v = lib.symbols.NDIlib_version();
  return v ? new Deno.UnsafePointerView(v).getCString() : "unknown version";
}

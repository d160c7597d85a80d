// Where the mediasoup worker binary is. `scripts/setup` builds it from the npm
// tarball against Debian's libraries (scripts/mediasoup/build-worker) and caches it
// outside the checkout, keyed by mediasoup's version; these rules must match it.

import { version as mediasoupVersion } from "mediasoup";

export class WorkerBinError extends Error {
  override name = "WorkerBinError";
}

/** The configured path, else MEDIASOUP_WORKER_BIN, else the build cache. */
export function workerBinPath(configured = ""): string {
  if (configured) return configured;
  const env = Deno.env.get("MEDIASOUP_WORKER_BIN");
  if (env) return env;
  const cacheRoot = Deno.env.get("COUNCIL_CACHE_DIR") ??
    `${Deno.env.get("XDG_CACHE_HOME") ?? `${Deno.env.get("HOME") ?? "/tmp"}/.cache`}/council`;
  return `${cacheRoot}/mediasoup-${mediasoupVersion}/mediasoup-worker`;
}

/** Fails with what to do when the binary is missing or not executable. */
export function checkWorkerBin(path: string): void {
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(path);
  } catch {
    throw new WorkerBinError(
      `mediasoup worker not found at ${path}; run \`deno task setup\` to build it ` +
        `(or set MEDIASOUP_WORKER_BIN / webrtc.workerBin)`,
    );
  }
  if (!info.isFile || ((info.mode ?? 0o755) & 0o111) === 0) {
    throw new WorkerBinError(`mediasoup worker at ${path} is not an executable file`);
  }
}

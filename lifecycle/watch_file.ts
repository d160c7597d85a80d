// Following a configuration file: a change to it (debounced, as editors write in
// several steps) or SIGHUP calls `reload`. The guard's policy and the talent
// pipeline's approval policy both reload this way; each keeps what is in force when
// the new file is refused.

/** How long after the last change event the file is read. */
const DEBOUNCE_MS = 100;

/**
 * Calls `reload(cause)` when the file at `path` changes ("file changed") or the
 * process gets SIGHUP ("SIGHUP"). Returns what stops it.
 */
export function watchFile(path: string, reload: (cause: string) => void): () => void {
  const onHup = () => reload("SIGHUP");
  Deno.addSignalListener("SIGHUP", onHup);
  const cut = path.lastIndexOf("/");
  const dir = cut >= 0 ? path.slice(0, cut) || "/" : ".";
  const name = path.slice(cut + 1);
  // The directory is watched, not the file: an editor that replaces the file (write a
  // copy, rename it over) would leave a watch on the old one.
  const watcher = Deno.watchFs(dir, { recursive: false });
  let debounce: ReturnType<typeof setTimeout> | undefined;
  (async () => {
    for await (const event of watcher) {
      if (!event.paths.some((p) => p.endsWith(`/${name}`) || p === name)) continue;
      clearTimeout(debounce);
      debounce = setTimeout(() => reload("file changed"), DEBOUNCE_MS);
    }
  })().catch(() => {});
  return () => {
    clearTimeout(debounce);
    try {
      Deno.removeSignalListener("SIGHUP", onHup);
    } catch { /* removed already */ }
    try {
      watcher.close();
    } catch { /* closed already */ }
  };
}

// Scratch space for tests, removed when the test process exits (passed or failed),
// so a run leaves nothing behind in the system's temp directory.

const made: string[] = [];

globalThis.addEventListener("unload", () => {
  for (const path of made) {
    try {
      Deno.removeSync(path, { recursive: true });
    } catch {
      // already gone, or removed by the test itself
    }
  }
});

/** A new empty directory, removed at exit. */
export function tempDir(prefix = "council-test-"): string {
  const dir = Deno.makeTempDirSync({ prefix });
  made.push(dir);
  return dir;
}

/** A new empty file (in its own directory), removed at exit. */
export function tempFile(name = "file"): string {
  const path = `${tempDir()}/${name}`;
  Deno.writeFileSync(path, new Uint8Array(0));
  return path;
}

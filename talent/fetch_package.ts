// Fetching a scouted package: a release tarball (GitHub's tarball_url) downloaded with
// a size bound and unpacked by GNU tar under an output-size limit (prlimit --fsize), so
// a hostile archive can neither fill the disk nor write outside its directory (tar
// drops leading "/" and "../"; links are refused later by package_digest.ts). The
// package is the directory holding council-agent.json: the archive's root, or its one
// top-level directory (GitHub's owner-repo-sha/).

import { MANIFEST_FILE } from "./manifest.ts";
import { PACKAGE_LIMITS, PackageError } from "./package_digest.ts";

const TIMEOUT_MS = 30_000;

async function download(url: string, file: string): Promise<void> {
  let res: Response;
  try {
    res = await fetch(url, {
      headers: { "user-agent": "council-talent-scout/1" },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (err) {
    throw new PackageError(`${url}: ${(err as Error).message}`);
  }
  if (res.status !== 200 || !res.body) {
    await res.body?.cancel();
    throw new PackageError(`${url}: answered ${res.status}`);
  }
  let size = 0;
  const counted = res.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, out) {
        size += chunk.byteLength;
        if (size > PACKAGE_LIMITS.bytes) {
          out.error(new PackageError(`${url}: more than ${PACKAGE_LIMITS.bytes} bytes`));
        } else out.enqueue(chunk);
      },
    }),
  );
  await Deno.writeFile(file, counted, { mode: 0o600 });
}

/** Downloads and unpacks `url` under `dir` (created); returns the package directory. */
export async function fetchPackage(url: string, dir: string): Promise<string> {
  if (!/^https?:\/\//.test(url)) throw new PackageError(`${url}: not an http(s) URL`);
  await Deno.mkdir(`${dir}/unpacked`, { recursive: true, mode: 0o700 });
  const archive = `${dir}/package.tar.gz`;
  await download(url, archive);
  const tar = await new Deno.Command("prlimit", {
    args: [
      `--fsize=${PACKAGE_LIMITS.bytes}`,
      "tar",
      "-xzf",
      archive,
      "-C",
      `${dir}/unpacked`,
      "--no-same-owner",
      "--no-same-permissions",
    ],
    stdout: "null",
    stderr: "piped",
  }).output();
  await Deno.remove(archive).catch(() => {});
  if (!tar.success) {
    const why = new TextDecoder().decode(tar.stderr).trim().split("\n").pop() ?? "";
    throw new PackageError(`${url}: not an unpackable tar.gz (${why.slice(0, 200)})`);
  }
  const root = `${dir}/unpacked`;
  const exists = (p: string) => Deno.lstat(p).then((s) => s.isFile, () => false);
  if (await exists(`${root}/${MANIFEST_FILE}`)) return root;
  const tops: string[] = [];
  for await (const e of Deno.readDir(root)) tops.push(e.name);
  if (tops.length === 1 && await exists(`${root}/${tops[0]}/${MANIFEST_FILE}`)) {
    return `${root}/${tops[0]}`;
  }
  throw new PackageError(`${url}: no ${MANIFEST_FILE} at the archive's root or top directory`);
}

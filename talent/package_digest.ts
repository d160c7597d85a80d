// The digest of an agent package: SHA-256 over every file but the manifest, in one
// canonical order, so the same files give the same digest on any machine and a
// manifest (or a scout's listing) that names another digest is caught lying.
//
// For each file, sorted by its relative path's UTF-8 bytes:
//   path (UTF-8, "/" separators) || 0x00 || length (8 bytes, big-endian) || content
// Symbolic links and special files are refused rather than followed: a link could
// point the sandbox at files outside the package.

import { createHash } from "node:crypto";
import { MANIFEST_FILE } from "./manifest.ts";

/** Bounds that keep digesting a hostile package cheap. */
export const PACKAGE_LIMITS = { files: 1000, bytes: 20 * 1024 * 1024, depth: 16 };

export class PackageError extends Error {
  override name = "PackageError";
}

export interface PackageFile {
  path: string;
  size: number;
}

/** Every regular file of the package, sorted canonically; refuses links and excess. */
export async function packageFiles(dir: string): Promise<PackageFile[]> {
  const out: PackageFile[] = [];
  let bytes = 0;
  const walk = async (rel: string, depth: number): Promise<void> => {
    if (depth > PACKAGE_LIMITS.depth) {
      throw new PackageError(`${rel}: deeper than ${PACKAGE_LIMITS.depth} directories`);
    }
    for await (const e of Deno.readDir(rel ? `${dir}/${rel}` : dir)) {
      const path = rel ? `${rel}/${e.name}` : e.name;
      if (e.isSymlink) throw new PackageError(`${path}: symbolic links are not allowed`);
      if (e.isDirectory) {
        await walk(path, depth + 1);
        continue;
      }
      if (!e.isFile) throw new PackageError(`${path}: not a regular file`);
      const size = (await Deno.lstat(`${dir}/${path}`)).size;
      bytes += size;
      out.push({ path, size });
      if (out.length > PACKAGE_LIMITS.files) {
        throw new PackageError(`more than ${PACKAGE_LIMITS.files} files`);
      }
      if (bytes > PACKAGE_LIMITS.bytes) {
        throw new PackageError(`more than ${PACKAGE_LIMITS.bytes} bytes`);
      }
    }
  };
  await walk("", 0);
  return out.sort((a, b) => compareBytes(a.path, b.path));
}

const encoder = new TextEncoder();

function compareBytes(a: string, b: string): number {
  const x = encoder.encode(a), y = encoder.encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

/** "sha256:<hex>" over the package's files (the manifest excluded). */
export async function packageDigest(dir: string): Promise<string> {
  const hash = createHash("sha256");
  for (const f of await packageFiles(dir)) {
    if (f.path === MANIFEST_FILE) continue;
    const content = await Deno.readFile(`${dir}/${f.path}`);
    const length = new Uint8Array(8);
    new DataView(length.buffer).setBigUint64(0, BigInt(content.byteLength));
    hash.update(encoder.encode(f.path));
    hash.update(new Uint8Array([0]));
    hash.update(length);
    hash.update(content);
  }
  return `sha256:${hash.digest("hex")}`;
}

// A candidate package on disk, inspected before anything of it runs: its manifest
// parses, its entry point is a file inside it, and its digest is the one it claims.

import { type AgentManifest, MANIFEST_FILE, ManifestError, parseManifest } from "./manifest.ts";
import { packageDigest, PackageError, packageFiles } from "./package_digest.ts";

export interface InspectedPackage {
  dir: string;
  manifest: AgentManifest;
  /** Computed here, whatever the manifest claims. */
  digest: string;
}

/**
 * Refuses with a PackageError or ManifestError naming the lie: no manifest, a bad
 * field, an entry point that is not in the package, a digest that does not match.
 * `expectDigest`: what a scout's listing or an operator said the package is.
 */
export async function inspectPackage(
  dir: string,
  expectDigest?: string,
): Promise<InspectedPackage> {
  const files = await packageFiles(dir).catch((err) => {
    if (err instanceof PackageError) throw err;
    throw new PackageError(`${dir}: cannot be read (${(err as Error).message})`);
  });
  const manifestFile = files.find((f) => f.path === MANIFEST_FILE);
  if (!manifestFile) throw new ManifestError(`${MANIFEST_FILE}: missing from the package`);
  const manifest = parseManifest(await Deno.readFile(`${dir}/${MANIFEST_FILE}`));
  if (!files.some((f) => f.path === manifest.entry)) {
    throw new ManifestError(`entry: ${manifest.entry} is not a file in the package`);
  }
  const digest = await packageDigest(dir);
  if (manifest.digest && manifest.digest !== digest) {
    throw new ManifestError(
      `digest: the manifest says ${manifest.digest}, the files are ${digest}`,
    );
  }
  if (expectDigest && expectDigest !== digest) {
    throw new PackageError(`digest: expected ${expectDigest}, the files are ${digest}`);
  }
  return { dir, manifest, digest };
}

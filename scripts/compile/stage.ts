// What goes into a single-file build, laid out as the launcher expects:
//
//   app/        the server's modules, web pages and bundles, native/build/*.so,
//               node_modules/ and a deno.json trimmed to what the server imports
//   bin/deno    the Deno runtime that ran the build
//   bin/mediasoup-worker
//   lib/        shared libraries (libraries.ts)
//   build.json  what was bundled, for `council version` and for support

import { join } from "node:path";
import type { Library } from "./libraries.ts";

/** Top-level entries of the checkout that a running server never reads. */
const NOT_SHIPPED = new Set([
  ".ci",
  ".git",
  ".gitignore",
  "bench",
  "data",
  "dist",
  "docs",
  "node_modules",
  "scripts",
  "test-artifacts",
  "tests",
]);
/** Inside shipped folders: sources that setup already bundled or compiled, and logs. */
const SKIPPED = [/^web\/src(\/|$)/, /^native\/build\/.*\.(log|tmp)$/, /\.kv(-shm|-wal)?$/];

export interface DenoConfig {
  imports?: Record<string, string>;
  [key: string]: unknown;
}

/**
 * The build's deno.json: the checkout's, less tasks and tooling settings, with only
 * the imports some shipped module uses, and node_modules taken as it is (no install
 * step at run time, so the build starts with no network).
 */
export function trimConfig(
  config: DenoConfig,
  uses: (specifier: string) => boolean,
): { config: DenoConfig; dropped: string[] } {
  const imports: Record<string, string> = {};
  const dropped: string[] = [];
  for (const [key, target] of Object.entries(config.imports ?? {})) {
    // "hono/" maps subpaths; it is used when "hono/..." is imported.
    if (uses(key)) imports[key] = target;
    else dropped.push(key);
  }
  const { tasks: _t, fmt: _f, lint: _l, exclude: _e, ...rest } = config;
  return { config: { ...rest, nodeModulesDir: "manual", imports }, dropped };
}

/** True when `source` imports the bare specifier `key` (or, for "x/", a subpath of x). */
export function importsSpecifier(source: string, key: string): boolean {
  const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const tail = key.endsWith("/") ? "" : `(["']|/)`;
  return new RegExp(`(from|import)\\s*\\(?\\s*["']${escaped}${tail}`).test(source);
}

async function* walk(dir: string, rel = ""): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(join(dir, rel))) {
    const path = rel ? `${rel}/${entry.name}` : entry.name;
    if (!rel && NOT_SHIPPED.has(entry.name)) continue;
    if (SKIPPED.some((re) => re.test(path))) continue;
    if (entry.isDirectory) yield* walk(dir, path);
    else if (entry.isFile) yield path;
  }
}

/** npm package folder names ("name@version", scope "/" as "+") for dropped imports. */
function droppedPackages(config: DenoConfig, dropped: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const key of dropped) {
    const m = /^npm:\/?(@?[^@]+)@([^/]+)/.exec(config.imports?.[key] ?? "");
    if (!m) continue;
    out.add(m[1]); // the top-level link
    out.add(`${m[1].replace("/", "+")}@${m[2]}`); // its folder under .deno/
  }
  return out;
}

async function copyTree(from: string, to: string, skip: (name: string) => boolean) {
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    if (skip(entry.name)) continue;
    const src = join(from, entry.name), dst = join(to, entry.name);
    if (entry.isSymlink) await Deno.symlink(await Deno.readLink(src), dst);
    else if (entry.isDirectory) await copyTree(src, dst, () => false);
    else await Deno.copyFile(src, dst);
  }
}

export interface StageInput {
  /** The checkout (with setup done: native/build, web/build, node_modules). */
  readonly root: string;
  readonly stage: string;
  readonly deno: string;
  readonly mediasoupWorker: string;
  readonly libraries: readonly Library[];
  readonly info: Record<string, unknown>;
}

export interface StageResult {
  readonly files: number;
  readonly droppedImports: string[];
}

export async function stage(input: StageInput): Promise<StageResult> {
  const app = join(input.stage, "app");
  let files = 0;
  const sources: string[] = [];
  for await (const rel of walk(input.root)) {
    if (rel === "deno.json") continue;
    const dst = join(app, rel);
    await Deno.mkdir(join(dst, ".."), { recursive: true });
    await Deno.copyFile(join(input.root, rel), dst);
    if (rel.endsWith(".ts")) sources.push(await Deno.readTextFile(dst));
    files++;
  }

  const original = JSON.parse(await Deno.readTextFile(join(input.root, "deno.json"))) as DenoConfig;
  const { config, dropped } = trimConfig(
    original,
    (key) => sources.some((s) => importsSpecifier(s, key)),
  );
  await Deno.writeTextFile(join(app, "deno.json"), JSON.stringify(config, null, 2) + "\n");

  // node_modules as Deno laid it out, less the packages only tests and pages use.
  const gone = droppedPackages(original, dropped);
  const modules = join(input.root, "node_modules");
  await copyTree(modules, join(app, "node_modules"), (name) => name === ".deno" || gone.has(name));
  await copyTree(join(modules, ".deno"), join(app, "node_modules", ".deno"), (n) => gone.has(n));

  const bin = join(input.stage, "bin");
  await Deno.mkdir(bin, { recursive: true });
  await Deno.copyFile(input.deno, join(bin, "deno"));
  await Deno.copyFile(input.mediasoupWorker, join(bin, "mediasoup-worker"));
  await Deno.chmod(join(bin, "deno"), 0o755);
  await Deno.chmod(join(bin, "mediasoup-worker"), 0o755);

  const lib = join(input.stage, "lib");
  await Deno.mkdir(lib, { recursive: true });
  for (const l of input.libraries) await Deno.copyFile(l.path, join(lib, l.soname));

  await Deno.writeTextFile(
    join(input.stage, "build.json"),
    JSON.stringify(
      { ...input.info, libraries: input.libraries.map((l) => l.soname), droppedImports: dropped },
      null,
      2,
    ) + "\n",
  );
  return { files, droppedImports: dropped };
}

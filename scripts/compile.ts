// `deno task compile`: one executable file that runs Council on a Linux machine
// with neither Deno nor the codec packages installed.
//
//   deno run -A scripts/compile.ts [--output dist/council] [--no-setup]
//
// It carries the Deno runtime, the server's modules, node_modules, the mediasoup
// worker and every shared library they load (scripts/compile/*.ts say how).

import { parseArgs } from "node:util";
import { createHash } from "node:crypto";
import { dirname, join, resolve } from "node:path";
import { loadAll } from "../native/mod.ts";
import { checkWorkerBin, workerBinPath } from "../signaling/webrtc/mod.ts";
import { VERSION } from "../config/version.ts";
import {
  bundleSet,
  type Library,
  mappedObjects,
  nameMapped,
  parseLdconfig,
  parseLdd,
} from "./compile/libraries.ts";
import { stage } from "./compile/stage.ts";
import { launcher } from "./compile/launcher.ts";

const ROOT = resolve(new URL("..", import.meta.url).pathname);
const USAGE = "usage: deno task compile [--output FILE] [--no-setup]";

async function run(cmd: string, args: string[], opts: { cwd?: string } = {}): Promise<string> {
  const out = await new Deno.Command(cmd, { args, cwd: opts.cwd, stderr: "piped" }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    throw new Error(`${cmd} ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return text;
}

/** Libraries the codecs and the mediasoup worker load, found as the loader finds them. */
async function libraries(worker: string): Promise<Library[]> {
  loadAll(); // the same libraries, by the same names, as a media worker opens
  const cache = parseLdconfig(await run("/sbin/ldconfig", ["-p"]));
  const own = join(ROOT, "native", "build");
  const mapped = nameMapped(
    mappedObjects(await Deno.readTextFile("/proc/self/maps")),
    cache,
    (p) => Deno.realPathSync(p),
    (path) => path.startsWith(own),
  );
  const linked = parseLdd(await run("ldd", [worker]), "the mediasoup worker");
  const native = parseLdd(
    await run("ldd", [join(own, "libcouncil_native.so")]),
    "libcouncil_native.so",
  );
  return bundleSet([...mapped, ...linked, ...native]);
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  using file = await Deno.open(path);
  for await (const chunk of file.readable) hash.update(chunk);
  return hash.digest("hex");
}

export async function compile(output: string, opts: { setup: boolean }): Promise<void> {
  if (Deno.build.os !== "linux") throw new Error("single-file builds are for Linux");
  if (opts.setup) await run("bash", [join(ROOT, "scripts", "setup")]);
  const worker = workerBinPath();
  checkWorkerBin(worker);

  const started = performance.now();
  const dir = await Deno.makeTempDir({ prefix: "council-compile-" });
  try {
    const tree = join(dir, "tree");
    const libs = await libraries(worker);
    const staged = await stage({
      root: ROOT,
      stage: tree,
      deno: Deno.execPath(),
      mediasoupWorker: worker,
      libraries: libs,
      info: {
        council: VERSION,
        deno: Deno.version.deno,
        arch: Deno.build.arch,
        builtAt: new Date().toISOString(),
      },
    });

    // Sorted names, fixed owners and gzip without a timestamp: the same tree gives
    // the same payload, so the launcher's cache key is stable.
    const payload = join(dir, "payload.tar.gz");
    await run("sh", [
      "-c",
      `tar --sort=name --owner=0 --group=0 --numeric-owner -C "$1" -cf - . | gzip -n -6 >"$2"`,
      "sh",
      tree,
      payload,
    ]);
    const sum = await sha256File(payload);

    await Deno.mkdir(dirname(output), { recursive: true });
    const partial = `${output}.partial`;
    await Deno.writeTextFile(partial, launcher({ version: VERSION, sha256: sum }));
    {
      using out = await Deno.open(partial, { append: true });
      using src = await Deno.open(payload);
      await src.readable.pipeTo(out.writable, { preventClose: true });
    }
    await Deno.chmod(partial, 0o755);
    await Deno.rename(partial, output);

    const size = (await Deno.stat(output)).size;
    console.error(
      `compile: ${output}: ${(size / 1048576).toFixed(1)} MiB, council ${VERSION}, ` +
        `deno ${Deno.version.deno}, ${staged.files} files, ${libs.length} libraries ` +
        `(${libs.map((l) => l.soname).join(" ")}); left out: ${
          staged.droppedImports.join(", ")
        }; ` +
        `${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) {
  let values;
  try {
    ({ values } = parseArgs({
      // `deno task compile -- --output F` passes the "--" through.
      args: Deno.args[0] === "--" ? Deno.args.slice(1) : Deno.args,
      options: {
        output: { type: "string", default: join(ROOT, "dist", "council") },
        "no-setup": { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (err) {
    console.error(`compile: ${(err as Error).message}\n${USAGE}`);
    Deno.exit(2);
  }
  if (values.help) {
    console.log(USAGE);
    Deno.exit(0);
  }
  try {
    await compile(resolve(values.output), { setup: !values["no-setup"] });
  } catch (err) {
    console.error(`compile: ${(err as Error).message}`);
    Deno.exit(1);
  }
}

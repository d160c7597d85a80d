import { VERSION } from "../config/version.ts";
import { type Command, parseFlags } from "./_command.ts";

/** What a single-file build says of itself (scripts/compile writes build.json). */
function singleFileBuild(): Record<string, unknown> | null {
  const dist = Deno.env.get("COUNCIL_DIST");
  if (!dist) return null;
  try {
    const info = JSON.parse(Deno.readTextFileSync(`${dist}/build.json`));
    return { dist, builtAt: info.builtAt, libraries: info.libraries?.length ?? 0 };
  } catch {
    return { dist };
  }
}

export const versionCommand: Command = {
  name: "version",
  summary: "print the Council, Deno and V8 versions",
  help: `council version [--json]

  --json  also names the Deno runtime in use and, for a single-file build
          (deno task compile), the folder it runs from`,
  run(args) {
    const { values } = parseFlags(args, { json: { type: "boolean" } });
    if (values.help) return Promise.resolve((console.log(this.help), 0));
    const build = singleFileBuild();
    const info = {
      council: VERSION,
      deno: Deno.version.deno,
      v8: Deno.version.v8,
      runtime: Deno.execPath(),
      build,
    };
    console.log(
      values.json
        ? JSON.stringify(info)
        : `council ${info.council} (deno ${info.deno}, v8 ${info.v8}` +
          `${build ? ", single-file build" : ""})`,
    );
    return Promise.resolve(0);
  },
};

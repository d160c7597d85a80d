import { VERSION } from "../config/version.ts";
import { type Command, parseFlags } from "./_command.ts";

export const versionCommand: Command = {
  name: "version",
  summary: "print the Council, Deno and V8 versions",
  help: `council version [--json]`,
  run(args) {
    const { values } = parseFlags(args, { json: { type: "boolean" } });
    if (values.help) return Promise.resolve((console.log(this.help), 0));
    const info = { council: VERSION, deno: Deno.version.deno, v8: Deno.version.v8 };
    console.log(
      values.json
        ? JSON.stringify(info)
        : `council ${info.council} (deno ${info.deno}, v8 ${info.v8})`,
    );
    return Promise.resolve(0);
  },
};

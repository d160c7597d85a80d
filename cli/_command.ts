// What every `council` subcommand provides, and the shared argument parsing.

import { parseArgs, type ParseArgsConfig } from "node:util";

export interface Command {
  readonly name: string;
  readonly summary: string;
  /** Full help text printed by `council <name> --help`. */
  readonly help: string;
  /** Runs with the arguments after the command name; returns the exit code. */
  run(args: string[]): Promise<number>;
}

export class UsageError extends Error {
  override name = "UsageError";
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/** Strict parsing: an unknown flag or a stray argument is a UsageError. */
export function parseFlags<T extends Options>(args: string[], options: T, positionals = false) {
  try {
    return parseArgs({
      args,
      options: { ...options, help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals: positionals,
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/**
 * For commands with subcommands (`council guardian add ...`): parses flags, prints
 * the help for --help or a missing subcommand and returns the exit code (0 or 2),
 * otherwise returns the subcommand and its arguments.
 */
export function parseSubcommand<T extends Options>(args: string[], options: T, help: string) {
  const { values, positionals } = parseFlags(args, options, true);
  const wantsHelp = (values as { help?: boolean }).help === true;
  if (wantsHelp || positionals.length === 0) {
    console.log(help);
    return wantsHelp ? 0 : 2;
  }
  const [sub, ...rest] = positionals;
  return { values, sub, rest } as const;
}

// The `council` command. Subcommands are thin: they call the modules the server uses.

import { ConfigError } from "../config/mod.ts";
import { VERSION } from "../config/version.ts";
import { type Command, UsageError } from "./_command.ts";
import { agentCommand } from "./agent.ts";
import { KeyFileError } from "./_keyfile.ts";
import { callsCommand } from "./calls.ts";
import { configCommand } from "./config.ts";
import { costCommand } from "./cost.ts";
import { escalationsCommand } from "./escalations.ts";
import { eventsCommand } from "./events.ts";
import { evidenceCommand } from "./evidence.ts";
import { guardianCommand } from "./guardian.ts";
import { h323Command } from "./h323.ts";
import { healthCommand } from "./health.ts";
import { mediaCommand } from "./media.ts";
import { feedsCommand } from "./feeds.ts";
import { provenanceCommand, recordingsCommand } from "./recordings.ts";
import { roomsCommand } from "./rooms.ts";
import { serveCommand } from "./serve.ts";
import { sessionsCommand } from "./sessions.ts";
import { sipCommand } from "./sip.ts";
import { talentCommand } from "./talent.ts";
import { topCommand } from "./top.ts";
import { versionCommand } from "./version.ts";
import { votesCommand } from "./votes.ts";
import { witnessCommand } from "./witness.ts";

const COMMANDS: readonly Command[] = [
  serveCommand,
  guardianCommand,
  roomsCommand,
  evidenceCommand,
  votesCommand,
  escalationsCommand,
  callsCommand,
  sessionsCommand,
  sipCommand,
  h323Command,
  costCommand,
  topCommand,
  eventsCommand,
  mediaCommand,
  healthCommand,
  recordingsCommand,
  feedsCommand,
  agentCommand,
  talentCommand,
  provenanceCommand,
  witnessCommand,
  configCommand,
  versionCommand,
];

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    `council ${VERSION}: a real-time conferencing gateway (SIP, H.323, WebRTC)`,
    "",
    "usage: council <command> [options]      (council <command> --help for details)",
    "",
    "commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "exit codes: 0 success, 1 failure, 2 usage or configuration error",
  ].join("\n");
}

export async function main(args: string[]): Promise<number> {
  // `deno task cli -- guardian list` passes the "--" through: it separates the
  // task's arguments, it is not one of ours. So does `deno task start -- --config F`
  // (main.ts runs `serve` with them).
  if (args[0] === "--") args = args.slice(1);
  const [name, ...given] = args;
  const rest = given[0] === "--" ? given.slice(1) : given;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    console.log(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === "--version") return versionCommand.run([]);
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    console.error(`council: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`council ${command.name}: ${err.message} (try --help)`);
      return 2;
    }
    // The server's config (read to find it and its token) is wrong, or a key file is
    // unusable: one line, as serve says it, with no "try --help" (the file is the problem).
    if (err instanceof ConfigError || err instanceof KeyFileError) {
      console.error(`council ${command.name}: ${err.message}`);
      return 2;
    }
    throw err;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));

// `council agent run FILE`: runs an agent (docs/agent.md) in a room with a guardian's
// key file. The file is a module whose default export takes the connected Agent
// (agent/mod.ts) and sets it to work; it runs until SIGINT/SIGTERM or until Council
// ends its membership, then leaves the room.

import { type Command, parseSubcommand, UsageError } from "./_command.ts";
import { serverUrl } from "./_api.ts";
import { guardianId } from "./_ids.ts";
import { readKeyFile } from "./_keyfile.ts";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { type Agent, AgentError, connectAgent } from "../agent/mod.ts";

const HELP = `council agent run FILE --guardian ID --key-file KEY --room ROOM [options]

  run FILE                          joins ROOM as the guardian over the agent leg and
                                    hands the agent to FILE's default export, a
                                    function (agent) => void | Promise<void>; runs until
                                    SIGINT/SIGTERM or the membership ends, then leaves
                                    (example: agent/examples/namecaller.ts)

options:
  --guardian ID     the guardian (alice for if://guardian/alice), registered with the key
  --key-file KEY    its key file (guardian keygen --out KEY)
  --room ROOM       the room to join
  --codec C         L16 (16 kHz PCM, default) or opus
  --url URL         server (default from config: http://<http.host>:<http.port>)
  --config FILE     the server's config file, to find it

exit codes: 0 left when asked, 1 refused or ended by Council, 2 usage error or
unusable key file or agent file`;

const FLAGS = {
  guardian: { type: "string" },
  "key-file": { type: "string" },
  room: { type: "string" },
  codec: { type: "string" },
  url: { type: "string" },
  config: { type: "string" },
} as const;

type AgentMain = (agent: Agent) => void | Promise<void>;

async function loadAgentFile(file: string): Promise<AgentMain> {
  let mod: { default?: unknown };
  try {
    mod = await import(pathToFileURL(resolve(file)).href);
  } catch (err) {
    throw new UsageError(`agent file ${file}: cannot be loaded (${(err as Error).message})`);
  }
  if (typeof mod.default !== "function") {
    throw new UsageError(
      `agent file ${file}: its default export must be a function (agent) => ...`,
    );
  }
  return mod.default as AgentMain;
}

async function run(file: string, values: Record<string, string | undefined>): Promise<number> {
  for (const flag of ["guardian", "key-file", "room"]) {
    if (!values[flag]) throw new UsageError(`run needs --${flag}`);
  }
  const codec = values.codec ?? "L16";
  if (codec !== "L16" && codec !== "opus") throw new UsageError("--codec: L16 or opus");
  const key = await readKeyFile(values["key-file"]!, "secret");
  const main = await loadAgentFile(file);
  const url = serverUrl(values.url, values.config);
  let agent: Agent;
  try {
    agent = await connectAgent({
      url,
      guardianId: guardianId(values.guardian!),
      secretKey: key.secretKey!,
      room: values.room!,
      codecs: [codec],
      log: (msg, data) => console.error(`agent: ${msg}${data ? ` ${JSON.stringify(data)}` : ""}`),
    });
  } catch (err) {
    if (err instanceof AgentError || err instanceof TypeError) {
      console.error(`council: agent: ${(err as Error).message} (${url})`);
      return 1;
    }
    throw err;
  }
  console.log(`agent ${agent.memberId} in ${agent.room} (${agent.codec})`);
  const ended = new Promise<number>((done) => {
    agent.onState((state, detail) => {
      if (state === "ended") {
        console.error(`council: agent: the membership ended (${detail})`);
        done(1);
      }
    });
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      Deno.addSignalListener(signal, () => done(0));
    }
  });
  await main(agent);
  const code = await ended;
  await agent.close();
  return code;
}

export const agentCommand: Command = {
  name: "agent",
  summary: "run an AI guardian's agent file in a room (agent leg, docs/agent.md)",
  help: HELP,
  async run(args) {
    const parsed = parseSubcommand(args, FLAGS, HELP);
    if (typeof parsed === "number") return parsed;
    const { values, sub, rest } = parsed;
    if (sub !== "run") throw new UsageError(`unknown agent command '${sub}'; try run`);
    if (rest.length !== 1) throw new UsageError("run takes one agent file");
    return await run(rest[0], values as Record<string, string | undefined>);
  },
};

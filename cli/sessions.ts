// `council sessions list|end`: the sessions IF.guard has admitted (any protocol),
// and ending one (its seat, bandwidth and port are freed, its stack hangs up).

import { OPERATOR_FLAGS, OPERATOR_OPTIONS, operatorCommand } from "./_api.ts";
import { type Command, UsageError } from "./_command.ts";
import { output, outputList, path, positionals } from "./_output.ts";
import type { Session } from "../guard/mod.ts";

const HELP = `council sessions <command> [options]

  list                              admitted sessions: guardian, room, call type,
                                    kbps, codec, media address, since when
  end SESSION                       end one (witnessed; its leg is torn down)

options:
${OPERATOR_OPTIONS}

exit codes: 0 ok, 1 refused by the server or no such session, 2 usage error`;

function line(s: Session): string {
  return `${s.id}  ${s.guardianId}  ${s.room}  ${s.callType}  ${s.bandwidthKbps} kbps  ${s.codec}  ` +
    `media ${s.media.host}:${s.media.port}  since ${s.createdAt}`;
}

export const sessionsCommand: Command = operatorCommand({
  name: "sessions",
  summary: "guard's admitted sessions: list, end one",
  help: HELP,
  flags: OPERATOR_FLAGS,
}, async ({ values, sub, rest, api }) => {
  switch (sub) {
    case "list": {
      positionals(sub, rest, []);
      const { sessions } = await api.request<{ sessions: Session[] }>(
        "GET",
        "/api/v1/admission/sessions",
      );
      outputList(values.json, sessions, line, "no sessions");
      return 0;
    }
    case "end": {
      const [id] = positionals(sub, rest, ["SESSION"]);
      await api.request("DELETE", path("/api/v1/admission/sessions", id));
      output(values.json, { ended: id }, () => `ended ${id}`);
      return 0;
    }
    default:
      throw new UsageError(`unknown sessions command '${sub}'`);
  }
});

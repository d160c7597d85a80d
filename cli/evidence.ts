// `council evidence list|show|post`: what a room looks at together (docs/API.md,
// "Evidence and votes"): citations, dossiers and text, shown at once to the room's
// browsers and witnessed by their SHA-256.

import { OPERATOR_FLAGS, OPERATOR_OPTIONS, operatorCommand } from "./_api.ts";
import { type Command, UsageError } from "./_command.ts";
import { output, outputList, path, positionals } from "./_output.ts";
import type { Evidence } from "../rooms/mod.ts";

const HELP = `council evidence <command> [options]

  list ROOM                         the room's evidence, oldest first
  show ROOM ID                      one item, with its body
  post ROOM --kind citation|dossier|text --title TITLE
        (--body TEXT | --body-file FILE) [--link URL]
                                    show an item to the room (witnessed by its
                                    SHA-256); --link is the item's url (a citation
                                    needs a body or a link)

options:
  --kind K, --title T, --body TEXT, --body-file FILE, --link URL   for post
${OPERATOR_OPTIONS}

exit codes: 0 ok, 1 refused by the server (or not found), 2 usage error`;

const FLAGS = {
  ...OPERATOR_FLAGS,
  kind: { type: "string" },
  title: { type: "string" },
  body: { type: "string" },
  "body-file": { type: "string" },
  link: { type: "string" },
} as const;

function line(e: Evidence): string {
  return `${e.id}  ${e.postedAt}  ${e.kind}  "${e.title}"  by ${e.postedBy}${
    e.url ? `  ${e.url}` : ""
  }  sha256 ${e.sha256.slice(0, 16)}…`;
}

export const evidenceCommand: Command = operatorCommand({
  name: "evidence",
  summary: "a room's evidence: list, show, post",
  help: HELP,
  flags: FLAGS,
}, async ({ values, sub, rest, api }) => {
  const base = (room: string) => path("/api/v1/rooms", room, "evidence");
  switch (sub) {
    case "list": {
      const [room] = positionals(sub, rest, ["ROOM"]);
      const { evidence } = await api.request<{ evidence: Evidence[] }>("GET", base(room));
      outputList(values.json, evidence, line, "no evidence");
      return 0;
    }
    case "show": {
      const [room, id] = positionals(sub, rest, ["ROOM", "ID"]);
      const e = await api.request<Evidence>("GET", path(base(room), id));
      output(values.json, e, () => `${line(e)}\nsha256 ${e.sha256}\n\n${e.body}`);
      return 0;
    }
    case "post": {
      const [room] = positionals(sub, rest, ["ROOM"]);
      if (!values.kind || !values.title) throw new UsageError("post needs --kind and --title");
      if (values.body !== undefined && values["body-file"] !== undefined) {
        throw new UsageError("give --body or --body-file, not both");
      }
      let body = values.body ?? "";
      if (values["body-file"] !== undefined) {
        try {
          body = await Deno.readTextFile(values["body-file"]);
        } catch (err) {
          throw new UsageError(`--body-file ${values["body-file"]}: ${(err as Error).message}`);
        }
      }
      const e = await api.request<Evidence>("POST", base(room), {
        kind: values.kind,
        title: values.title,
        body,
        ...(values.link !== undefined ? { url: values.link } : {}),
      });
      output(values.json, e, () => `posted ${e.id} to ${e.room}`);
      return 0;
    }
    default:
      throw new UsageError(`unknown evidence command '${sub}'`);
  }
});

// `council events [--room ROOM]`: follow the operator event stream (every room's
// events, cost alerts and reports) or one room's, as lines, until interrupted or
// --count events have arrived.

import { againstServer, OPERATOR_FLAGS, OPERATOR_OPTIONS, operatorApi } from "./_api.ts";
import { type Command, parseFlags, UsageError } from "./_command.ts";
import { path } from "./_output.ts";

const HELP = `council events [--room ROOM] [--after N] [--count N] [options]

  Follows /api/v1/events (every room's events, cost.alert, cost.report) or, with
  --room, /api/v1/rooms/ROOM/events; one line per event: number, name, data.

  --room ROOM    one room's events only
  --after N      first replay what followed event N (as far as it is still held)
  --count N      stop after N events (default: until interrupted)
${
  OPERATOR_OPTIONS.replace("machine-readable output", "one JSON object per line: {seq, name, data}")
}

exit codes: 0 done (--count reached), 1 refused or the stream ended, 2 usage error`;

/** One server-sent event: its fields ("event", "id", "data"), lines joined. */
function sseFields(block: string): (name: string) => string {
  return (name) =>
    block.split("\n").filter((l) => l.startsWith(`${name}:`)).map((l) =>
      l.slice(name.length + 1).replace(/^ /, "")
    ).join("\n");
}

export const eventsCommand: Command = {
  name: "events",
  summary: "follow the operator event stream, or one room's",
  help: HELP,
  async run(args): Promise<number> {
    const { values, positionals } = parseFlags(args, {
      ...OPERATOR_FLAGS,
      room: { type: "string" },
      after: { type: "string" },
      count: { type: "string" },
    }, true);
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    if (positionals.length) throw new UsageError("events takes only options");
    for (const flag of ["after", "count"] as const) {
      if (values[flag] !== undefined && !/^[0-9]{1,15}$/.test(values[flag]!)) {
        throw new UsageError(`--${flag} must be a whole number`);
      }
    }
    const count = values.count === undefined ? Infinity : Number(values.count);
    const api = operatorApi(values);
    const stream = values.room ? path("/api/v1/rooms", values.room, "events") : "/api/v1/events";
    const query = values.after !== undefined ? `?after=${values.after}` : "";
    return await againstServer("events", async () => {
      const res = await api.stream(`${stream}${query}`);
      if (count === 0) {
        await res.body?.cancel();
        return 0;
      }
      let seen = 0;
      let buffered = "";
      const decoder = new TextDecoder();
      const reader = res.body!.getReader();
      try {
        while (true) {
          const { done, value } = await reader.read();
          if (done) break;
          buffered += decoder.decode(value, { stream: true });
          let end;
          while ((end = buffered.indexOf("\n\n")) >= 0) {
            const field = sseFields(buffered.slice(0, end));
            buffered = buffered.slice(end + 2);
            const name = field("event");
            if (!name) continue; // a keepalive comment
            const id = field("id");
            const seq = id === "" ? null : Number(id);
            const raw = field("data");
            let data: unknown = raw;
            try {
              data = JSON.parse(raw);
            } catch { /* shown as sent */ }
            console.log(
              values.json
                ? JSON.stringify({ seq, name, data })
                : `${seq ?? "-"}  ${name}  ${
                  typeof data === "string" ? data : JSON.stringify(data)
                }`,
            );
            if (++seen >= count) return 0;
          }
        }
      } finally {
        await reader.cancel().catch(() => {});
      }
      console.error("council events: the server ended the stream");
      return 1;
    });
  },
};

// `council feeds add|list|show|sdp|remove`: broadcast feeds (rooms/feeds.ts), a
// program ingest or output as RTP with SDP, or over SRT (raw 16 kHz PCM) or NDI,
// for production tools such as ffmpeg.

import { OPERATOR_FLAGS, OPERATOR_OPTIONS, operatorCommand } from "./_api.ts";
import { type Command, UsageError } from "./_command.ts";

const HELP = `council feeds <command> [options]

  add ROOM --name NAME (--in HOST:PORT | --out HOST:PORT) [--codec C] [--sdp FILE]
                                    an ingest (--in: the feed's RTP comes from
                                    HOST:PORT; only that host is heard) or a program
                                    output (--out: the room's mix goes to HOST:PORT);
                                    codec opus (default), PCMU, PCMA or G722; --sdp
                                    writes the far end's SDP (ffmpeg -i FILE);
                                    --transport srt: over SRT instead (raw s16le,
                                    16 kHz mono; the answer names the srt:// URL);
                                    --transport ndi: over NDI where its runtime is
                                    installed (it says so where it is not)
  list                              every feed: name, room, direction, codec, port
  show ID                           one feed, with its SDP
  sdp ID                            just its SDP
  remove ID                         take it out of its room

options:
  --name NAME    the feed's name (a-z 0-9 . _ -)
  --in HOST:PORT / --out HOST:PORT
  --codec C      opus, PCMU, PCMA, G722 (RTP only)
  --transport T  rtp (default), srt or ndi
  --sdp FILE     add: write the SDP there
${OPERATOR_OPTIONS}

exit codes: 0 ok, 1 refused by the server, 2 usage error`;

const FLAGS = {
  ...OPERATOR_FLAGS,
  name: { type: "string" },
  in: { type: "string" },
  out: { type: "string" },
  codec: { type: "string" },
  sdp: { type: "string" },
  transport: { type: "string" },
} as const;

interface Feed {
  id: string;
  room: string;
  name: string;
  direction: "in" | "out";
  transport: string;
  codec: string;
  port: number;
  source?: string;
  target?: string;
  sdp?: string;
  url?: string;
}

const line = (f: Feed) =>
  `${f.id}  ${f.name}  ${f.room}  ${f.direction}  ${f.transport} ${f.codec}  port ${f.port}  ` +
  (f.direction === "in" ? `from ${f.source}` : `to ${f.target}`) +
  (f.url ? `  ${f.url}` : "");

/** What the far end needs: its SDP (RTP) or its srt:// URL. */
const farEnd = (f: Feed) => f.sdp ?? f.url ?? "";

export const feedsCommand: Command = operatorCommand({
  name: "feeds",
  summary: "broadcast feeds: program ingest and output as RTP with SDP, SRT or NDI",
  help: HELP,
  flags: FLAGS,
}, async ({ values, sub, rest, api }) => {
  const one = () => {
    if (rest.length !== 1) throw new UsageError(`${sub} takes one feed id`);
    return encodeURIComponent(rest[0]);
  };
  switch (sub) {
    case "add": {
      if (rest.length !== 1) throw new UsageError("add takes one ROOM");
      if (!values.name) throw new UsageError("add needs --name NAME");
      if ((values.in === undefined) === (values.out === undefined)) {
        throw new UsageError("add needs --in HOST:PORT or --out HOST:PORT (one of them)");
      }
      const feed = await api.request<Feed>("POST", "/api/v1/feeds", {
        room: rest[0],
        name: values.name,
        direction: values.in !== undefined ? "in" : "out",
        ...(values.in !== undefined ? { source: values.in } : { target: values.out }),
        ...(values.codec ? { codec: values.codec } : {}),
        ...(values.transport ? { transport: values.transport } : {}),
      });
      if (values.sdp) {
        if (!feed.sdp) throw new UsageError(`--sdp: ${feed.id} has no SDP (${feed.url})`);
        await Deno.writeTextFile(values.sdp, feed.sdp);
      }
      console.log(values.json ? JSON.stringify(feed) : line(feed));
      return 0;
    }
    case "list": {
      const { feeds } = await api.request<{ feeds: Feed[] }>("GET", "/api/v1/feeds");
      console.log(values.json ? JSON.stringify(feeds) : feeds.map(line).join("\n") || "(no feeds)");
      return 0;
    }
    case "show": {
      const feed = await api.request<Feed>("GET", `/api/v1/feeds/${one()}`);
      console.log(values.json ? JSON.stringify(feed) : `${line(feed)}\n\n${farEnd(feed)}`);
      return 0;
    }
    case "sdp":
      console.log(farEnd(await api.request<Feed>("GET", `/api/v1/feeds/${one()}`)));
      return 0;
    case "remove":
      await api.request("DELETE", `/api/v1/feeds/${one()}`);
      return 0;
    default:
      throw new UsageError(`unknown feeds command '${sub}'`);
  }
});

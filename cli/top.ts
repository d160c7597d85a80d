// `council top`: a live view of a running server, redrawn every second: each room
// and its members (protocol, codec, loss, jitter, MOS, who speaks), and each worker
// with the share of a core it used since the last frame.

import { againstServer, type Api, operatorApi } from "./_api.ts";
import { type Command, parseFlags, UsageError } from "./_command.ts";
import { describeMember, type RoomStatus } from "./_rooms.ts";

const HELP = `council top [options]

  A live view, redrawn every --interval ms until Ctrl-C: rooms and their members
  (protocol, codec, loss, jitter, MOS, speaking), media and mediasoup workers (CPU
  since the last frame, rooms, late mix ticks).

options:
  --url URL        server (default from config: http://<http.host>:<http.port>)
  --token TOKEN    operator token (default: api.operatorToken, else operator.token)
  --interval MS    refresh period (default 1000, at least 200)
  --once           print one frame and exit (CPU over one interval)
  --json           with --once: the frame as JSON

exit codes: 0 ok, 1 server unreachable or refused, 2 usage error`;

const FLAGS = {
  url: { type: "string" },
  token: { type: "string" },
  interval: { type: "string" },
  once: { type: "boolean" },
  json: { type: "boolean" },
} as const;

interface MediaWorker {
  index: number;
  rooms: string[];
  legs: number;
  lateTicks: number;
  cpuMs: number | null;
  realtime: boolean;
}
interface SfuWorker {
  index: number;
  pid: number;
  routers: number;
  cpuMs: number;
}

export interface TopFrame {
  at: string;
  rooms: RoomStatus[];
  mediaWorkers: (MediaWorker & { cpuPct: number | null })[];
  webrtcWorkers: (SfuWorker & { cpuPct: number | null })[];
}

interface Sample {
  at: number;
  rooms: RoomStatus[];
  media: MediaWorker[];
  sfu: SfuWorker[];
}

async function sample(api: Api): Promise<Sample> {
  const at = performance.now();
  const list = await api.request<{ rooms: { room: string; members: number }[] }>(
    "GET",
    "/api/v1/rooms",
  );
  const rooms = await Promise.all(
    list.rooms.filter((r) => r.members > 0).map((r) =>
      api.request<RoomStatus>("GET", `/api/v1/rooms/${encodeURIComponent(r.room)}`)
    ),
  );
  const { workers: media } = await api.request<{ workers: MediaWorker[] }>(
    "GET",
    "/api/v1/media",
  );
  // WebRTC may be off (no mediasoup worker): then there are no such workers.
  const sfu = await api.request<{ workers: SfuWorker[] }>("GET", "/api/v1/webrtc")
    .then((w) => w.workers, () => []);
  return { at, rooms, media, sfu };
}

/** CPU as a share of one core between two samples, by worker index. */
function cpuPct(
  before: { index: number; cpuMs: number | null }[],
  now: { index: number; cpuMs: number | null },
  ms: number,
): number | null {
  const b = before.find((w) => w.index === now.index);
  if (b?.cpuMs == null || now.cpuMs == null || ms <= 0 || now.cpuMs < b.cpuMs) return null;
  return Math.round((1000 * (now.cpuMs - b.cpuMs)) / ms) / 10;
}

function frame(prev: Sample, cur: Sample): TopFrame {
  const ms = cur.at - prev.at;
  return {
    at: new Date().toISOString(),
    rooms: cur.rooms,
    mediaWorkers: cur.media.map((w) => ({ ...w, cpuPct: cpuPct(prev.media, w, ms) })),
    webrtcWorkers: cur.sfu.map((w) => ({ ...w, cpuPct: cpuPct(prev.sfu, w, ms) })),
  };
}

export function renderTop(f: TopFrame, url: string): string {
  const pct = (v: number | null) => (v === null ? "  -  " : `${v.toFixed(1).padStart(5)}%`);
  const lines = [`council top  ${url}  ${f.at}`, ""];
  const members = f.rooms.reduce((n, r) => n + r.members.length, 0);
  lines.push(`ROOMS ${f.rooms.length}  MEMBERS ${members}`);
  for (const r of f.rooms) {
    const call = r.definition ? ` ${r.definition.callType} ${r.definition.mixing}` : "";
    lines.push(`  ${r.room}${call}  (${r.members.length})`);
    for (const m of r.members) lines.push(`    ${describeMember(m)}`);
  }
  lines.push("", "MEDIA WORKERS");
  for (const w of f.mediaWorkers) {
    lines.push(
      `  #${w.index}  cpu ${pct(w.cpuPct)}  legs ${w.legs}  late ticks ${w.lateTicks}` +
        `${w.realtime ? "  realtime" : ""}  rooms ${w.rooms.join(", ") || "-"}`,
    );
  }
  if (f.webrtcWorkers.length) {
    lines.push("", "MEDIASOUP WORKERS");
    for (const w of f.webrtcWorkers) {
      lines.push(`  #${w.index}  pid ${w.pid}  cpu ${pct(w.cpuPct)}  routers ${w.routers}`);
    }
  }
  return lines.join("\n");
}

export const topCommand: Command = {
  name: "top",
  summary: "a live view of rooms, members and workers",
  help: HELP,
  async run(args): Promise<number> {
    const { values } = parseFlags(args, FLAGS);
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    const interval = values.interval === undefined ? 1000 : Number(values.interval);
    if (!Number.isInteger(interval) || interval < 200 || interval > 60_000) {
      throw new UsageError("--interval must be an integer from 200 to 60000");
    }
    if (values.json && !values.once) throw new UsageError("--json needs --once");
    const api = operatorApi(values);
    return await againstServer("top", async () => {
      let prev = await sample(api);
      if (values.once) {
        await new Promise((r) => setTimeout(r, Math.min(interval, 1000)));
        const f = frame(prev, await sample(api));
        console.log(values.json ? JSON.stringify(f) : renderTop(f, api.url));
        return 0;
      }
      let stop = false;
      const onSignal = () => (stop = true);
      Deno.addSignalListener("SIGINT", onSignal);
      try {
        while (!stop) {
          await new Promise((r) => setTimeout(r, interval));
          const cur = await sample(api);
          // Home, clear, draw: a whole frame at a time.
          await Deno.stdout.write(
            new TextEncoder().encode(`\x1b[H\x1b[2J${renderTop(frame(prev, cur), api.url)}\n`),
          );
          prev = cur;
        }
      } finally {
        Deno.removeSignalListener("SIGINT", onSignal);
      }
      return 0;
    });
  },
};

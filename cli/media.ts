// `council media workers|legs|drill|webrtc`: the media workers (which room each
// mixes, how busy), every leg's media addresses and counters, the failover drill
// that kills a worker as a crash would (docs/RUNBOOK.md, "A media worker ... died"),
// and the WebRTC side: mediasoup's workers, routers and browser members.

import { OPERATOR_FLAGS, OPERATOR_OPTIONS, operatorCommand } from "./_api.ts";
import { type Command, UsageError } from "./_command.ts";
import { output, outputList, positionals } from "./_output.ts";

const HELP = `council media <command> [options]

  workers                           each media worker: rooms, legs, real-time
                                    scheduling, mix tick time, late ticks, CPU
  legs                              each leg: port, where media comes from and goes
                                    to, latched, packets in and out, SRTP
  drill INDEX [--how kill|throw|hang]
                                    fail worker INDEX on purpose: killed as a crash
                                    would (the default), an uncaught error inside it,
                                    or its thread hung (found by missed heartbeats);
                                    its rooms move to a fresh worker and calls stay up
                                    (witnessed)
  webrtc                            browsers' media: mediasoup workers (pid, routers,
                                    CPU, memory), rooms, members and their producers

options:
  --how H        drill: kill (default), throw or hang
${OPERATOR_OPTIONS}

exit codes: 0 ok, 1 refused by the server (no such worker, not running), 2 usage error`;

const FLAGS = { ...OPERATOR_FLAGS, how: { type: "string" } } as const;

interface Worker {
  index: number;
  rooms: string[];
  realtime: boolean;
  legs: number;
  tickMs: number | null;
  tickMaxMs: number | null;
  lateTicks: number;
  skippedTicks: number;
  cpuMs: number | null;
}

interface Address {
  address: string;
  port: number;
}

interface Leg {
  legId: string;
  roomId: string;
  port: number;
  signalled: Address | null;
  source: Address | null;
  sendingTo: Address | null;
  latched: boolean;
  packetsIn: number;
  packetsOut: number;
  rejectedSource: number;
  srtp: boolean;
  srtpRefused: number;
}

interface WebRtcStats {
  connections: number;
  members: {
    memberId: string;
    guardianId: string;
    room: string;
    attached: boolean;
    transports: number;
    consumers: number;
    producers: { kind: string; type: string; paused: boolean }[];
    bridgePort: number;
  }[];
  rooms: { room: string; worker: number; members: number }[];
  workers: { index: number; pid: number; routers: number; cpuMs: number; maxRssKb: number }[];
  counters: Record<string, number>;
}

const ms = (v: number | null) => v === null ? "-" : `${v.toFixed(2)} ms`;
const at = (a: Address | null) => a ? `${a.address}:${a.port}` : "-";

function workerLine(w: Worker): string {
  return `worker ${w.index}  ${w.legs} leg(s)  rooms ${w.rooms.join(",") || "-"}  tick ${
    ms(w.tickMs)
  } (max ${ms(w.tickMaxMs)})  late ${w.lateTicks}  skipped ${w.skippedTicks}  cpu ${
    w.cpuMs ?? "-"
  } ms  ${w.realtime ? "SCHED_RR" : "normal scheduler"}`;
}

function legLine(l: Leg): string {
  return `${l.legId}  ${l.roomId}  port ${l.port}  from ${at(l.source ?? l.signalled)}${
    l.latched ? " (latched)" : ""
  }  to ${at(l.sendingTo)}  in ${l.packetsIn} out ${l.packetsOut}${
    l.rejectedSource ? `  rejected ${l.rejectedSource}` : ""
  }${l.srtp ? "  SRTP" : ""}${l.srtpRefused ? ` (${l.srtpRefused} refused)` : ""}`;
}

function webrtcText(s: WebRtcStats): string {
  const producers = (m: WebRtcStats["members"][number]) =>
    m.producers.map((p) => `${p.kind}${p.paused ? " (paused)" : ""}`).join(",") || "none";
  return [
    `${s.connections} connection(s); ` +
    Object.entries(s.counters).map(([name, n]) => `${name} ${n}`).join(", "),
    ...s.workers.map((w) =>
      `mediasoup worker ${w.index}  pid ${w.pid}  ${w.routers} router(s)  cpu ${w.cpuMs} ms  ` +
      `rss ${Math.round(w.maxRssKb / 1024)} MiB`
    ),
    ...s.rooms.map((r) => `room ${r.room}  on worker ${r.worker}  ${r.members} member(s)`),
    ...s.members.map((m) =>
      `member ${m.memberId}  ${m.guardianId}  ${m.room}  ${
        m.attached ? "attached" : "waiting to resume"
      }  producers ${producers(m)}  ${m.consumers} consumer(s)  bridge port ${m.bridgePort}`
    ),
  ].join("\n");
}

export const mediaCommand: Command = operatorCommand({
  name: "media",
  summary: "media workers and legs; the worker failover drill; WebRTC's workers",
  help: HELP,
  flags: FLAGS,
}, async ({ values, sub, rest, api }) => {
  switch (sub) {
    case "workers": {
      positionals(sub, rest, []);
      const { workers } = await api.request<{ workers: Worker[] }>("GET", "/api/v1/media");
      outputList(values.json, workers, workerLine, "no media workers");
      return 0;
    }
    case "legs": {
      positionals(sub, rest, []);
      const { legs } = await api.request<{ legs: Leg[] }>("GET", "/api/v1/media/legs");
      outputList(values.json, legs, legLine, "no legs");
      return 0;
    }
    case "drill": {
      const [index] = positionals(sub, rest, ["INDEX"]);
      if (!/^[0-9]{1,4}$/.test(index)) {
        throw new UsageError("drill takes one worker INDEX (council media workers lists them)");
      }
      const how = values.how ?? "kill";
      if (!["kill", "throw", "hang"].includes(how)) {
        throw new UsageError("--how must be kill, throw or hang");
      }
      const r = await api.request<{ worker: number; rooms: string[]; how: string }>(
        "POST",
        `/api/v1/media/workers/${index}/kill`,
        { how },
      );
      const done = { kill: "killed", throw: "made to throw in", hang: "hung" }[r.how] ?? r.how;
      output(
        values.json,
        r,
        () =>
          `${done} media worker ${r.worker}; its rooms (${
            r.rooms.join(", ") || "none"
          }) move to a fresh worker`,
      );
      return 0;
    }
    case "webrtc": {
      positionals(sub, rest, []);
      const s = await api.request<WebRtcStats>("GET", "/api/v1/webrtc");
      output(values.json, s, () => webrtcText(s));
      return 0;
    }
    default:
      throw new UsageError(`unknown media command '${sub}'`);
  }
});

// `council recordings start|stop|list|show|download` and `council provenance
// verify|cut`: recordings of a room's mix and their offline proof (docs/provenance.md).

import { OPERATOR_FLAGS, OPERATOR_OPTIONS, operatorCommand } from "./_api.ts";
import { type Command, parseSubcommand, UsageError } from "./_command.ts";
import { cutRecording, RecordingError, verifyRecording } from "../provenance/recording_file.ts";
import { WavError } from "../provenance/wav.ts";
import {
  PROVENANCE_SERVER_HELP,
  PROVENANCE_SERVER_SUBCOMMANDS,
  provenanceServerCommand,
} from "./provenance_health.ts";

const HELP = `council recordings <command> [options]

  start ROOM [--format wav|ogg]     record the room's mix (members are told); ogg:
                                    Ogg Opus (about 3 kB/s) instead of WAV (32 kB/s)
  stop ID                           end a recording
  list                              every recording: room, state, length
  show ID                           one recording
  download ID [--out FILE]          the provable file (default ID.wav or ID.opus); check it with
                                    council provenance verify FILE

options:
  --out FILE     where download writes
  --format F     start: wav (default) or ogg
${OPERATOR_OPTIONS}

exit codes: 0 ok, 1 refused by the server, 2 usage error`;

const FLAGS = {
  ...OPERATOR_FLAGS,
  out: { type: "string" },
  format: { type: "string" },
} as const;

interface Info {
  id: string;
  room: string;
  format?: string;
  state: string;
  startedAt: string;
  seconds?: number;
  reason?: string;
}

const line = (r: Info) =>
  `${r.id}  ${r.room}  ${r.state}  ${
    r.seconds !== undefined ? `${r.seconds.toFixed(1)} s` : "-"
  }  ` +
  `since ${r.startedAt}${r.reason ? `  (${r.reason})` : ""}`;

export const recordingsCommand: Command = operatorCommand({
  name: "recordings",
  summary: "record a room's mix; list and download provable recordings",
  help: HELP,
  flags: FLAGS,
}, async ({ values, sub, rest, api }) => {
  const one = (what: string) => {
    if (rest.length !== 1) throw new UsageError(`${sub} takes one ${what}`);
    return rest[0];
  };
  const show = (r: Info) => console.log(values.json ? JSON.stringify(r) : line(r));
  switch (sub) {
    case "start":
      show(
        await api.request<Info>("POST", "/api/v1/recordings", {
          room: one("room"),
          ...(values.format ? { format: values.format } : {}),
        }),
      );
      return 0;
    case "stop":
      show(await api.request<Info>("POST", `/api/v1/recordings/${one("recording id")}/stop`));
      return 0;
    case "show":
      show(await api.request<Info>("GET", `/api/v1/recordings/${one("recording id")}`));
      return 0;
    case "list": {
      const { recordings } = await api.request<{ recordings: Info[] }>("GET", "/api/v1/recordings");
      if (values.json) console.log(JSON.stringify(recordings));
      else console.log(recordings.map(line).join("\n") || "(no recordings)");
      return 0;
    }
    case "download": {
      const id = one("recording id");
      const info = await api.request<Info>("GET", `/api/v1/recordings/${encodeURIComponent(id)}`);
      const bytes = await api.bytes(`/api/v1/recordings/${encodeURIComponent(id)}/file`);
      const out = values.out ?? `${id}.${info.format === "ogg" ? "opus" : "wav"}`;
      await Deno.writeFile(out, bytes);
      console.log(`${out}: ${bytes.length} bytes`);
      return 0;
    }
    default:
      throw new UsageError(`unknown recordings command '${sub}'`);
  }
});

const PROVENANCE_HELP = `council provenance <command> [options]

  verify FILE [--key VKEY]          prove a recording offline: every frame against
                                    its signed checkpoints, the media key and the
                                    recording's end against the witness; names the
                                    first bad frame. VKEY is the witness's verifier
                                    key (council witness head, GET /api/v1/witness/key);
                                    without it the file's own key is used, and said so
  cut FILE --from S --to S --out F  a span that stays provable (rounded out to the
                                    checkpoints around it, 0.5 s by default)
${PROVENANCE_SERVER_HELP}

options:
  --key VKEY   the witness key to trust
  --json       the report as JSON
  health and audit take the operator options (council provenance health --help)

exit codes: 0 proven (health: ok; audit: passed), 1 not proven (the reason printed;
audit: failed, or refused by the server), 2 usage error or unreadable file`;

const PROVENANCE_FLAGS = {
  key: { type: "string" },
  from: { type: "string" },
  to: { type: "string" },
  out: { type: "string" },
  json: { type: "boolean" },
} as const;

function seconds(v: string | undefined, flag: string): number {
  const n = Number(v);
  if (v === undefined || !/^[0-9]+(\.[0-9]+)?$/.test(v) || !Number.isFinite(n)) {
    throw new UsageError(`${flag} needs a time in seconds`);
  }
  return n;
}

export const provenanceCommand: Command = {
  name: "provenance",
  summary: "prove recordings offline (verify), cut provable spans; chain health, witness audits",
  help: PROVENANCE_HELP,
  async run(args): Promise<number> {
    // health and audit ask the server; verify and cut work offline on a file.
    if (PROVENANCE_SERVER_SUBCOMMANDS.includes(args[0])) {
      return await provenanceServerCommand.run(args);
    }
    const parsed = parseSubcommand(args, PROVENANCE_FLAGS, PROVENANCE_HELP);
    if (typeof parsed === "number") return parsed;
    const { values, sub, rest } = parsed;
    if (rest.length !== 1) throw new UsageError(`${sub} takes one FILE`);
    let file: Uint8Array;
    try {
      file = await Deno.readFile(rest[0]);
    } catch (err) {
      console.error(`council provenance: ${rest[0]}: ${(err as Error).message}`);
      return 2;
    }
    switch (sub) {
      case "verify": {
        const r = await verifyRecording(file, values.key);
        if (values.json) console.log(JSON.stringify(r));
        else {
          const span = r.proven ? `frames ${r.proven[0]}-${r.proven[1]}` : "nothing";
          console.log(
            r.ok
              ? `${rest[0]}: PROVEN: ${r.recordingId} of room ${r.room}, ${
                r.seconds.toFixed(2)
              } s, ` +
                `${r.frames} frames, every one as recorded`
              : `${rest[0]}: NOT PROVEN: ${r.problems.join("; ")}` +
                (r.firstBadFrame !== undefined
                  ? ` (first bad frame ${r.firstBadFrame}, at ${r.firstBadAt!.toFixed(2)} s)`
                  : "") +
                `; proven: ${span}`,
          );
          if (!r.keyTrusted) {
            console.log(
              "note: checked against the file's own witness key; pass --key to trust one",
            );
          }
        }
        return r.ok ? 0 : 1;
      }
      case "cut": {
        if (!values.out) throw new UsageError("cut needs --out FILE");
        try {
          const cut = cutRecording(
            file,
            seconds(values.from, "--from"),
            seconds(values.to, "--to"),
          );
          await Deno.writeFile(values.out, cut);
          console.log(`${values.out}: ${cut.length} bytes`);
          return 0;
        } catch (err) {
          if (!(err instanceof RecordingError || err instanceof WavError)) throw err;
          console.error(`council provenance: ${err.message}`);
          return 2;
        }
      }
      default:
        throw new UsageError(`unknown provenance command '${sub}'`);
    }
  },
};

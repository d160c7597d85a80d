// `council rooms list|show|create|close|pin|mute|unmute|invite|remove`: the rooms API
// (docs/API.md, "Rooms") from a terminal. A room's PIN is read from a file or
// stdin, never from the command line (where other users of the host see it).

import { OPERATOR_FLAGS, OPERATOR_OPTIONS, operatorCommand } from "./_api.ts";
import { type Command, UsageError } from "./_command.ts";
import { guardianId } from "./_ids.ts";
import { readSecretLine } from "./_secret.ts";
import { describeMember, type RoomStatus } from "./_rooms.ts";

const HELP = `council rooms <command> [options]

  list                              rooms created or in use, with member counts
  show ROOM                         a room's members (protocol, codec, loss, jitter, MOS)
  create ROOM [--mixing all|moderated] [--codecs opus,PCMU,...] [--capacity N]
        [--call-type ROUTINE|ESCALATE|EMERGENCY] [--layout grid|speaker|presentation]
        [--encryption optional|required] [--pin-file FILE | --pin-stdin]
        [--number DIGITS]
                                    create a room with its settings (required: SIP
                                    phones only over TLS with SRTP; a PIN of 4-12
                                    digits for callers with no other proof; an E.164
                                    number phones and terminals may dial)
  pin ROOM (--pin-file FILE | --pin-stdin | --clear)
                                    set, change or remove the room's PIN
  close ROOM                        hang every member up and forget the room
  mute ROOM MEMBER | unmute ROOM MEMBER
                                    take a member out of (or back into) the mix
  invite ROOM GUARDIAN [--protocol sip|h323 | --target sip:USER@IPV4[:PORT]]
                                    call a guardian in where Council can reach them
                                    (its SIP, then its H.323 registration), or at a
                                    SIP address (a phone that does not register)
  remove ROOM MEMBER                end a member's leg

options:
${OPERATOR_OPTIONS}

exit codes: 0 ok, 1 refused by the server (or not found), 2 usage error`;

const FLAGS = {
  ...OPERATOR_FLAGS,
  mixing: { type: "string" },
  codecs: { type: "string" },
  capacity: { type: "string" },
  "call-type": { type: "string" },
  layout: { type: "string" },
  encryption: { type: "string" },
  number: { type: "string" },
  protocol: { type: "string" },
  target: { type: "string" },
  "pin-file": { type: "string" },
  "pin-stdin": { type: "boolean" },
  clear: { type: "boolean" },
} as const;

/** The PIN from a file or stdin: its first line, never an argument. */
async function readPin(o: { file?: string; stdin?: boolean }): Promise<string> {
  const line = (await readSecretLine(o, "PIN")).trim();
  if (!/^[0-9]{4,12}$/.test(line)) throw new UsageError("the PIN must be 4-12 digits");
  return line;
}

interface RoomList {
  rooms: {
    room: string;
    definition: { mixing: string; callType: string } | null;
    members: number;
  }[];
}

export const roomsCommand: Command = operatorCommand({
  name: "rooms",
  summary: "create, inspect and close rooms; mute, invite and remove members",
  help: HELP,
  flags: FLAGS,
}, async ({ values, sub, rest, api }) => {
  const take = (n: number, what: string) => {
    if (rest.length !== n) throw new UsageError(`${sub} takes ${what}`);
    return rest.map(encodeURIComponent);
  };
  const out = (data: unknown, text: () => string) =>
    console.log(values.json ? JSON.stringify(data ?? {}) : text());
  switch (sub) {
    case "list": {
      take(0, "no arguments");
      const { rooms } = await api.request<RoomList>("GET", "/api/v1/rooms");
      out(
        rooms,
        () =>
          rooms.map((r) =>
            `${r.room}  ${r.members} member(s)${
              r.definition ? `  ${r.definition.callType} ${r.definition.mixing}` : ""
            }`
          ).join("\n") || "(no rooms)",
      );
      return 0;
    }
    case "show": {
      const [room] = take(1, "one ROOM");
      const s = await api.request<RoomStatus>("GET", `/api/v1/rooms/${room}`);
      out(s, () =>
        [
          `${s.room}${s.definition ? `  ${JSON.stringify(s.definition)}` : ""}`,
          ...s.members.map((m) => `  ${describeMember(m)}`),
        ].join("\n"));
      return 0;
    }
    case "create": {
      const [room] = take(1, "one ROOM");
      const capacity = values.capacity === undefined ? undefined : Number(values.capacity);
      if (capacity !== undefined && !Number.isInteger(capacity)) {
        throw new UsageError("--capacity must be an integer");
      }
      const def = await api.request("POST", "/api/v1/rooms", {
        name: decodeURIComponent(room),
        ...(values.mixing ? { mixing: values.mixing } : {}),
        ...(values.codecs ? { allowedCodecs: values.codecs.split(",") } : {}),
        ...(capacity !== undefined ? { capacity } : {}),
        ...(values["call-type"] ? { callType: values["call-type"] } : {}),
        ...(values.layout ? { videoLayout: values.layout } : {}),
        ...(values.encryption ? { encryption: values.encryption } : {}),
        ...(values.number ? { number: values.number } : {}),
        ...(values["pin-file"] !== undefined || values["pin-stdin"]
          ? { pin: await readPin({ file: values["pin-file"], stdin: values["pin-stdin"] }) }
          : {}),
      });
      out(def, () => `created ${decodeURIComponent(room)}`);
      return 0;
    }
    case "pin": {
      const [room] = take(1, "one ROOM");
      const path = `/api/v1/rooms/${room}/pin`;
      const sources = [values["pin-file"] !== undefined, !!values["pin-stdin"]];
      if (values.clear) {
        if (sources.some(Boolean)) throw new UsageError("--clear takes no PIN");
        const r = await api.request("DELETE", path);
        out(r, () => `cleared the PIN of ${decodeURIComponent(room)}`);
        return 0;
      }
      if (sources.filter(Boolean).length !== 1) {
        throw new UsageError("give exactly one of --pin-file, --pin-stdin, --clear");
      }
      const pin = await readPin({ file: values["pin-file"], stdin: values["pin-stdin"] });
      const r = await api.request("PUT", path, { pin });
      out(r, () => `set the PIN of ${decodeURIComponent(room)}`);
      return 0;
    }
    case "close": {
      const [room] = take(1, "one ROOM");
      await api.request("DELETE", `/api/v1/rooms/${room}`);
      out({ closed: decodeURIComponent(room) }, () => `closed ${decodeURIComponent(room)}`);
      return 0;
    }
    case "mute":
    case "unmute": {
      const [room, member] = take(2, "ROOM MEMBER");
      const r = await api.request("POST", `/api/v1/rooms/${room}/members/${member}/mute`, {
        muted: sub === "mute",
      });
      out(r, () => `${sub}d ${decodeURIComponent(member)}`);
      return 0;
    }
    case "invite": {
      const [room, guardian] = take(2, "ROOM GUARDIAN");
      const id = guardianId(decodeURIComponent(guardian));
      if (values.target !== undefined) {
        if (values.protocol !== undefined && values.protocol !== "sip") {
          throw new UsageError("--target is a SIP address: it goes with --protocol sip or none");
        }
        const placed = await api.request<{ legId: string }>("POST", "/api/v1/sip/calls", {
          room: decodeURIComponent(room),
          guardianId: id,
          target: values.target,
        });
        out({ ...placed, protocol: "sip" }, () => `answered over sip: member ${placed.legId}`);
        return 0;
      }
      const placed = await api.request<{ legId: string; protocol: string }>(
        "POST",
        `/api/v1/rooms/${room}/members`,
        { guardianId: id, ...(values.protocol ? { protocol: values.protocol } : {}) },
      );
      out(placed, () => `answered over ${placed.protocol}: member ${placed.legId}`);
      return 0;
    }
    case "remove": {
      const [room, member] = take(2, "ROOM MEMBER");
      await api.request("DELETE", `/api/v1/rooms/${room}/members/${member}`);
      out(
        { removed: decodeURIComponent(member) },
        () => `removed ${decodeURIComponent(member)}`,
      );
      return 0;
    }
    default:
      throw new UsageError(`unknown rooms command '${sub}'`);
  }
});

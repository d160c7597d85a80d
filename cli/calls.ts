// `council calls list|hangup`: every leg in every room, whatever its protocol, and
// hanging one up (through its own stack: BYE, Release Complete, session end).

import { OPERATOR_FLAGS, OPERATOR_OPTIONS, operatorCommand } from "./_api.ts";
import { type Command, UsageError } from "./_command.ts";
import { outputList, positionals } from "./_output.ts";
import { describeMember, type RoomStatus } from "./_rooms.ts";
import type { MemberStatus } from "../rooms/mod.ts";

const HELP = `council calls <command> [options]

  list                              every member leg of every room: protocol, codec,
                                    guardian, loss, jitter, MOS
  hangup LEG                        end that leg (LEG is a member id from list)
  gateway                           calls between endpoints through the gateway
                                    (SIP <-> H.323): dialled, caller, callee, state

options:
${OPERATOR_OPTIONS}

exit codes: 0 ok, 1 refused by the server or no such leg, 2 usage error`;

const FLAGS = {
  ...OPERATOR_FLAGS,
} as const;

type Leg = MemberStatus & { room: string };

interface GatewayCall {
  room: string;
  dialled: string;
  caller: { protocol: string; guardianId?: string; legId?: string | null };
  callee: { protocol: string; guardianId?: string; legId?: string | null };
  state: "dialling" | "answered";
  openedAt: string;
}

export const callsCommand: Command = operatorCommand({
  name: "calls",
  summary: "list every leg in every room, hang one up; gateway calls",
  help: HELP,
  flags: FLAGS,
}, async ({ values, sub, rest, api }) => {
  const legs = async (): Promise<Leg[]> => {
    const { rooms } = await api.request<{ rooms: { room: string; members: number }[] }>(
      "GET",
      "/api/v1/rooms",
    );
    const out: Leg[] = [];
    // Gateway calls' private rooms are listed by /api/v1/gateway/calls instead.
    for (const r of rooms.filter((r) => r.members > 0 && !r.room.includes("/"))) {
      const s = await api.request<RoomStatus>(
        "GET",
        `/api/v1/rooms/${encodeURIComponent(r.room)}`,
      );
      out.push(...s.members.map((m) => ({ room: r.room, ...m })));
    }
    return out;
  };
  switch (sub) {
    case "list": {
      if (rest.length) throw new UsageError("list takes no arguments");
      const all = await legs();
      if (values.json) console.log(JSON.stringify(all));
      else if (all.length === 0) console.log("(no calls)");
      else {
        for (const l of all) console.log(describeMember(l, l.room));
      }
      return 0;
    }
    case "hangup": {
      if (rest.length !== 1) throw new UsageError("hangup takes one LEG");
      const leg = (await legs()).find((l) => l.memberId === rest[0]);
      if (!leg) {
        console.error(`council calls: no leg ${rest[0]}`);
        return 1;
      }
      await api.request(
        "DELETE",
        `/api/v1/rooms/${encodeURIComponent(leg.room)}/members/${encodeURIComponent(leg.memberId)}`,
      );
      console.log(
        values.json ? JSON.stringify({ hungUp: leg.memberId }) : `hung up ${leg.memberId}`,
      );
      return 0;
    }
    case "gateway": {
      positionals(sub, rest, []);
      const { calls } = await api.request<{ calls: GatewayCall[] }>("GET", "/api/v1/gateway/calls");
      const party = (p: GatewayCall["caller"]) =>
        `${p.guardianId ?? "?"} (${p.protocol}${p.legId ? ` ${p.legId}` : ""})`;
      outputList(
        values.json,
        calls,
        (c) =>
          `${c.room}  ${c.state}  dialled ${c.dialled}  ${party(c.caller)} -> ${
            party(c.callee)
          }  since ${c.openedAt}`,
        "no gateway calls",
      );
      return 0;
    }
    default:
      throw new UsageError(`unknown calls command '${sub}'`);
  }
});

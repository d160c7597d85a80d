// A room member over Council's WebSocket signalling without media (what a browser
// does before it sends anything): enough for tests of rooms, evidence and votes.

import assert from "node:assert/strict";
import type { CouncilProcess } from "./council_process.ts";
import type { TestGuardian } from "./council_api.ts";
import { until } from "./wait.ts";

export type Msg = Record<string, unknown> & { type: string; id?: number; name?: string };

export interface WsMember {
  msgs: Msg[];
  send(msg: unknown): void;
  /** The answer to request `id`. */
  answer(id: number): Promise<Msg>;
  events(name: string): Msg[];
  close(): Promise<void>;
}

/** Opens /ws and says hello (no join yet). */
export async function openWs(council: CouncilProcess): Promise<WsMember> {
  const ws = new WebSocket(`${council.url.replace("http", "ws")}/ws`);
  const msgs: Msg[] = [];
  ws.onmessage = (e) => msgs.push(JSON.parse(e.data));
  await new Promise((r) => (ws.onopen = r));
  const closed = new Promise((r) => (ws.onclose = r));
  const member: WsMember = {
    msgs,
    send: (msg) => ws.send(JSON.stringify(msg)),
    answer: (id) => until(`answer ${id}`, () => msgs.find((m) => m.id === id)),
    events: (name) => msgs.filter((m) => m.name === name),
    async close() {
      if (ws.readyState !== WebSocket.CLOSED) ws.close();
      await closed;
    },
  };
  member.send({ type: "hello", id: 1, version: 1 });
  return member;
}

/** Opens /ws and joins `room` with a signed request; asserts the join worked. */
export async function joinWs(
  council: CouncilProcess,
  g: TestGuardian,
  room: string,
): Promise<WsMember & { joined: Msg }> {
  const m = await openWs(council);
  m.send({
    type: "join",
    id: 2,
    room,
    admission: await g.request(room, { codecs: ["opus"], bandwidthKbps: 64 }),
  });
  const joined = await m.answer(2);
  assert.equal(joined.type, "result", JSON.stringify(joined));
  return { ...m, joined };
}

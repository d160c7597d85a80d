import assert from "node:assert/strict";
import { parseClientMessage, ProtocolError } from "../../../signaling/webrtc/protocol.ts";
import { EventLog } from "../../../rooms/event_log.ts";
import type { MemberEvent } from "../../../signaling/webrtc/protocol.ts";

function fails(text: string): ProtocolError {
  try {
    parseClientMessage(text);
  } catch (err) {
    assert.ok(err instanceof ProtocolError, String(err));
    return err;
  }
  assert.fail(`accepted ${text}`);
}

Deno.test("client messages parse into typed requests", () => {
  assert.deepEqual(parseClientMessage('{"type":"hello","id":1,"version":1}'), {
    type: "hello",
    id: 1,
    version: 1,
  });
  const id = crypto.randomUUID();
  assert.deepEqual(
    parseClientMessage(JSON.stringify({ type: "resumeConsumer", id: "a-1", consumerId: id })),
    { type: "resumeConsumer", id: "a-1", consumerId: id },
  );
  assert.equal(parseClientMessage('{"type":"mute","id":2,"muted":true}').type, "mute");
});

Deno.test("bad client messages fail with a code, a reason and the id when readable", () => {
  assert.equal(fails("{").code, "BAD_REQUEST");
  assert.equal(fails("[]").code, "BAD_REQUEST");
  assert.equal(fails('{"type":"hello"}').id, undefined);
  assert.equal(fails('{"type":"hello","id":-1,"version":1}').id, undefined);
  assert.equal(fails(`{"type":"hello","id":"${"x".repeat(65)}","version":1}`).id, undefined);
  const unknown = fails('{"type":"teleport","id":7}');
  assert.deepEqual([unknown.code, unknown.id], ["UNKNOWN_TYPE", 7]);
  const dir = fails('{"type":"createTransport","id":8,"direction":"sideways"}');
  assert.deepEqual([dir.code, dir.id], ["BAD_REQUEST", 8]);
  assert.match(dir.message, /direction/);
  assert.match(
    fails('{"type":"connectTransport","id":9,"transportId":"x"}').message,
    /transportId/,
  );
  assert.match(
    fails(`{"type":"produce","id":9,"transportId":"${crypto.randomUUID()}","kind":"data"}`)
      .message,
    /kind/,
  );
  assert.match(fails('{"type":"resume","id":1,"token":"short","lastSeq":0}').message, /token/);
  assert.match(
    fails(`{"type":"resume","id":1,"token":"${"a".repeat(43)}","lastSeq":-1}`).message,
    /lastSeq/,
  );
  assert.match(fails('{"type":"mute","id":1,"muted":"yes"}').message, /muted/);
});

Deno.test("the event log replays exactly what was missed, or says it cannot", () => {
  const log = new EventLog<MemberEvent>(3);
  assert.deepEqual(log.since(0), []);
  for (let i = 0; i < 5; i++) log.append({ name: "speaker", data: { memberId: `m${i}` } });
  assert.equal(log.seq, 5);
  assert.deepEqual(log.since(5), []);
  assert.deepEqual(log.since(3)!.map((e) => e.seq), [4, 5]);
  assert.deepEqual(log.since(2)!.map((e) => e.seq), [3, 4, 5]);
  assert.equal(log.since(1), undefined, "event 2 is no longer held");
  assert.equal(log.since(6), undefined, "a number from the future");
  assert.deepEqual(log.since(4)![0], {
    type: "event",
    seq: 5,
    name: "speaker",
    data: { memberId: "m4" },
  });
});

import assert from "node:assert/strict";
import { decodeEntry, encodeEntry, EntryError } from "../../../witness/mod.ts";
import { toHex } from "../../../witness/hash.ts";

Deno.test("entry bytes follow the documented layout with an RFC 8785 payload", () => {
  const bytes = encodeEntry({
    type: "guard.decision",
    timestamp: 1_700_000_000_123,
    payload: { z: 1, a: [true, null], m: "é" },
  });
  assert.equal(bytes[0], 1);
  assert.equal(toHex(bytes.subarray(1, 9)), "0000018bcfe5687b");
  assert.equal(bytes[9], "guard.decision".length);
  assert.equal(new TextDecoder().decode(bytes.subarray(10, 24)), "guard.decision");
  assert.equal(new TextDecoder().decode(bytes.subarray(24)), '{"a":[true,null],"m":"é","z":1}');
});

Deno.test("key order and number spelling do not change the bytes", () => {
  const a = encodeEntry({ type: "t", timestamp: 5, payload: { b: 1, a: { y: 2.50, x: 1e2 } } });
  const b = encodeEntry({ type: "t", timestamp: 5, payload: { a: { x: 100, y: 2.5 }, b: 1.0 } });
  assert.deepEqual(a, b);
});

Deno.test("decode round-trips and refuses every malformed form with a reason", () => {
  const good = encodeEntry({
    type: "call.start",
    timestamp: 42,
    payload: { room: "r1", n: [1, 2] },
  });
  assert.deepEqual(decodeEntry(good), {
    type: "call.start",
    timestamp: 42,
    payload: { room: "r1", n: [1, 2] },
  });

  const mutate = (f: (b: Uint8Array) => Uint8Array) => f(good.slice());
  const withPayload = (text: string) => {
    const head = good.subarray(0, 10 + good[9]);
    const body = new TextEncoder().encode(text);
    const out = new Uint8Array(head.length + body.length);
    out.set(head);
    out.set(body, head.length);
    return out;
  };
  const cases: Array<[Uint8Array, RegExp]> = [
    [new Uint8Array(5), /shorter than its fixed header/],
    [mutate((b) => ((b[0] = 2), b)), /unknown entry format version 2/],
    [mutate((b) => ((b[9] = 200), b)), /type runs past the end/],
    [mutate((b) => ((b[10] = 0x41), b)), /type must be/],
    [withPayload('{"n":[1,2], "room":"r1"}'), /not in RFC 8785 canonical form/],
    [withPayload('{"room":"r1","n":[1,2]}'), /not in RFC 8785 canonical form/],
    [withPayload('{"n":[1.0,2],"room":"r1"}'), /not in RFC 8785 canonical form/],
    [withPayload("{nope"), /payload is not JSON/],
    [withPayload(""), /shorter than its fixed header|payload is not JSON/],
    [mutate((b) => ((b[b.length - 3] = 0xff), b)), /not valid UTF-8/],
    [new Uint8Array(40_000), /longer than/],
  ];
  for (const [bytes, reason] of cases) {
    assert.throws(
      () => decodeEntry(bytes),
      (err: unknown) => err instanceof EntryError && reason.test(err.message),
      String(reason),
    );
  }
});

import assert from "node:assert/strict";
import { MAX_DATAGRAM, UdpError, UdpSocket } from "../../../native/mod.ts";

Deno.test("native UDP: datagrams arrive with their source and kernel arrival time", async () => {
  const a = new UdpSocket("127.0.0.1", 0), b = new UdpSocket("127.0.0.1", 0);
  try {
    const sentAt = performance.now();
    for (let i = 0; i < 50; i++) assert.ok(a.send(new Uint8Array([i, 1, 2]), "127.0.0.1", b.port));
    await new Promise((r) => setTimeout(r, 20));
    // Each datagram is read inside the loop: its bytes live in a buffer the next batch reuses.
    const got = [];
    for (const d of b.poll()) {
      got.push({ first: d.data[0], port: d.port, address: d.address, arrival: d.arrival });
    }
    assert.equal(got.length, 50, "more than one batch drained");
    assert.deepEqual(got.map((g) => g.first), Array.from({ length: 50 }, (_, i) => i));
    assert.ok(got.every((g) => g.port === a.port && g.address === "127.0.0.1"));
    assert.ok(got.every((g) => g.arrival >= sentAt - 2 && g.arrival <= performance.now()));
    assert.equal([...b.poll()].length, 0);
  } finally {
    a.close();
    b.close();
  }
});

Deno.test("native UDP: oversize datagrams are counted and dropped; bad binds fail with a reason", () => {
  const a = new UdpSocket("127.0.0.1", 0), b = new UdpSocket("127.0.0.1", 0);
  try {
    a.send(new Uint8Array(MAX_DATAGRAM + 100), "127.0.0.1", b.port);
    a.send(new Uint8Array(10), "127.0.0.1", b.port);
    const got = [...b.poll()];
    assert.equal(got.length, 1);
    assert.equal(got[0].data.length, 10);
    assert.equal(b.oversize, 1);
    assert.throws(
      () => new UdpSocket("127.0.0.1", b.port),
      (e: Error) => e instanceof UdpError && /in use/.test(e.message),
    );
    assert.throws(() => new UdpSocket("::1", 0), UdpError);
    assert.throws(() => new UdpSocket("256.1.1.1", 0), UdpError);
  } finally {
    a.close();
    b.close();
  }
  assert.equal(a.send(new Uint8Array(1), "127.0.0.1", 9), false, "a closed socket sends nothing");
});

// Media ports: even ports of the range, and a port another program holds is passed
// over (sent to the back of the line), not handed to a call that would then fail.

import assert from "node:assert/strict";
import { PortPool, udpPairBusy } from "../../../guard/limits.ts";

Deno.test("the port pool hands out even ports and skips ones another program holds", () => {
  const pool = new PortPool(41001, 41010);
  assert.equal(pool.available, 4);
  // 41002 is held elsewhere: the next even port comes instead.
  const taken = pool.take((p) => p === 41002);
  assert.equal(taken, 41004);
  assert.equal(pool.available, 3);
  assert.equal(pool.take(), 41006);
  pool.release(41004);
  // All busy (a minute on, so every port is asked again): no port rather than a bad one.
  assert.equal(pool.take(() => true, Date.now() + 61_000), undefined);
});

Deno.test("udpPairBusy sees a socket bound on the RTP or the RTCP port", () => {
  const held = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const port = (held.addr as Deno.NetAddr).port;
  try {
    assert.equal(udpPairBusy("127.0.0.1", port), true);
    assert.equal(udpPairBusy("127.0.0.1", port - 1), true);
  } finally {
    held.close();
  }
  assert.equal(udpPairBusy("127.0.0.1", port), false);
});

Deno.test("a port found free is not bind-checked again within a minute", () => {
  const pool = new PortPool(41100, 41103);
  let checks = 0;
  const busy = () => (checks++, false);
  const p = pool.take(busy, 0)!;
  pool.release(p);
  const q = pool.take(busy, 0)!; // the other port: checked
  pool.release(q);
  assert.equal(pool.take(busy, 30_000), p); // p again, checked 30 s ago: not asked
  assert.equal(checks, 2);
  pool.release(p);
  pool.take(busy, 30_000); // q
  pool.release(q);
  assert.equal(pool.take(busy, 61_000), p); // a minute on: asked again
  assert.equal(checks, 3);
});

// Media ports: even ports of the range, and a port another program holds is passed
// over (sent to the back of the line), not handed to a call that would then fail.

import assert from "node:assert/strict";
import { PortPool } from "../../../guard/limits.ts";
import { parseProcNetUdp, udpPairBusy, UdpPortsInUse } from "../../../guard/udp_ports.ts";

Deno.test("the port pool hands out even ports and skips ones another program holds", () => {
  const pool = new PortPool(41001, 41010, 0);
  assert.equal(pool.available, 4);
  // 41002 is held elsewhere: the next even port comes instead.
  const taken = pool.take((p) => p === 41002);
  assert.equal(taken, 41004);
  assert.equal(pool.available, 3);
  assert.equal(pool.take(), 41006);
  pool.release(41004);
  // All busy: no port rather than a bad one.
  assert.equal(pool.take(() => true), undefined);
});

Deno.test("the port pool finds a free port past a long busy block, and starts where it is told", () => {
  const pool = new PortPool(40000, 40999, 0);
  // Another server holds the bottom 300 pairs (more than the 32 tries it once made).
  const taken = pool.take((p) => p < 40600);
  assert.equal(taken, 40600);
  // A pool without a start begins somewhere in the range, each port once.
  const seen = new Set<number>();
  const random = new PortPool(40000, 40019);
  for (let p = random.take(); p !== undefined; p = random.take()) seen.add(p);
  assert.equal(seen.size, 10);
  assert.equal(new PortPool(40000, 40019, 3).take(), 40006);
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

Deno.test("/proc/net/udp rows give their local ports, IPv4 and IPv6", () => {
  const v4 = "   sl  local_address rem_address   st tx_queue rx_queue\n" +
    "    3: 0100007F:13C4 00000000:0000 07 00000000:00000000 00:00000000\n" +
    "   12: 00000000:A000 00000000:0000 07 00000000:00000000 00:00000000\n";
  const v6 = "  sl  local_address                         remote_address\n" +
    "    0: 00000000000000000000000000000000:9C41 00000000000000000000000000000000:0000 07\n";
  assert.deepEqual(parseProcNetUdp(v4), [5060, 40960]);
  assert.deepEqual(parseProcNetUdp(v6), [40001]);
  assert.deepEqual(parseProcNetUdp("garbage\n: :\n"), []);
});

Deno.test("ports in use: one table read answers every port until it is refreshed", () => {
  let reads = 0;
  let now = 0;
  let table = "    1: 0100007F:9C41 00000000:0000 07\n"; // 40001 held
  const ports = new UdpPortsInUse("127.0.0.1", {
    read: (path) => (reads++, path.endsWith("udp") ? table : undefined),
    now: () => now,
  });
  assert.equal(ports.pairBusy(40000), true, "RTCP port held");
  assert.equal(ports.pairBusy(40002), false);
  assert.equal(reads, 2); // udp and udp6, once
  table = "";
  assert.equal(ports.pairBusy(40000), true, "still the old table");
  now = 1001;
  assert.equal(ports.pairBusy(40000), false);
  assert.equal(reads, 4);
});

Deno.test("ports in use: this host's real sockets are seen; without /proc, a bind decides", () => {
  const held = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const port = (held.addr as Deno.NetAddr).port;
  try {
    assert.equal(new UdpPortsInUse("127.0.0.1").pairBusy(port), true);
    assert.equal(new UdpPortsInUse("127.0.0.1").pairBusy(port - 1), true);
    const noProc = new UdpPortsInUse("127.0.0.1", { read: () => undefined });
    assert.equal(noProc.pairBusy(port), true);
  } finally {
    held.close();
  }
  assert.equal(new UdpPortsInUse("127.0.0.1").pairBusy(port), false);
});

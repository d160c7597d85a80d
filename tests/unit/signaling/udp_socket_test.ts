// The worker-backed signalling UDP socket: datagrams both ways, a bounded queue
// when the main thread stalls (drops counted, never unbounded), clean close.

import assert from "node:assert/strict";
import { UdpSocket } from "../../../signaling/net/udp_socket.ts";

function client() {
  return Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
}

Deno.test("UdpSocket receives and sends datagrams through its worker", async () => {
  const got: [string, string, number][] = [];
  const sock = await UdpSocket.bind(
    { host: "127.0.0.1", port: 0 },
    (data, address, port) => got.push([new TextDecoder().decode(data), address, port]),
  );
  const peer = client();
  try {
    const peerPort = (peer.addr as Deno.NetAddr).port;
    const to = { transport: "udp" as const, hostname: "127.0.0.1", port: sock.port };
    await peer.send(new TextEncoder().encode("OPTIONS one"), to);
    await peer.send(new TextEncoder().encode("OPTIONS two"), to);
    for (let i = 0; i < 100 && got.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(got, [
      ["OPTIONS one", "127.0.0.1", peerPort],
      ["OPTIONS two", "127.0.0.1", peerPort],
    ]);
    const buf = new Uint8Array([1, 2, 3]);
    sock.send(buf, "127.0.0.1", peerPort);
    buf[0] = 9; // the socket copied it
    const [reply] = await peer.receive();
    assert.deepEqual([...reply], [1, 2, 3]);
  } finally {
    peer.close();
    await sock.close();
  }
  assert.throws(() => sock.send(new Uint8Array(1), "127.0.0.1", 9), /closed/);
});

Deno.test("UdpSocket drops (and counts) what exceeds its queue while the main thread stalls", async () => {
  let handled = 0;
  const sock = await UdpSocket.bind({ host: "127.0.0.1", port: 0, maxQueuedBytes: 1000 }, () => {
    handled++;
  });
  const peer = client();
  try {
    const to = { transport: "udp" as const, hostname: "127.0.0.1", port: sock.port };
    for (let i = 0; i < 20; i++) await peer.send(new Uint8Array(200), to);
    // Stall the main thread so nothing is handed over while the datagrams arrive.
    const until = performance.now() + 300;
    while (performance.now() < until) { /* busy */ }
    for (let i = 0; i < 150 && handled + sock.counters.dropped < 20; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    // 1000 bytes hold 5 datagrams of 200; the rest were refused, and all are accounted for.
    assert.equal(handled, 5);
    assert.equal(sock.counters.dropped, 15);
    // Once handled, the queue has room again.
    await peer.send(new Uint8Array(200), to);
    for (let i = 0; i < 100 && handled < 6; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(handled, 6);
  } finally {
    peer.close();
    await sock.close();
  }
});

Deno.test("UdpSocket.bind fails clearly on a port in use", async () => {
  const taken = client();
  try {
    await assert.rejects(
      UdpSocket.bind({ host: "127.0.0.1", port: (taken.addr as Deno.NetAddr).port }, () => {}),
      /in use/i,
    );
  } finally {
    taken.close();
  }
});

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

Deno.test("UdpSocket: sends made in one turn go out in order, to each their address, sizes intact", async () => {
  const sock = await UdpSocket.bind({ host: "127.0.0.1", port: 0 }, () => {});
  const a = client();
  const b = client();
  try {
    const port = (c: Deno.DatagramConn) => (c.addr as Deno.NetAddr).port;
    // More bytes than the staging buffer starts with, and one empty datagram.
    const sizes = [1, 300, 0, 9000, 9000, 5];
    sizes.forEach((n, i) => {
      sock.send(new Uint8Array(n).fill(i + 1), "127.0.0.1", port(i % 2 ? b : a));
    });
    const got = async (c: Deno.DatagramConn, n: number) => {
      const out: number[][] = [];
      for (let i = 0; i < n; i++) {
        const [d] = await c.receive();
        out.push([d.length, d[0] ?? 0, d[d.length - 1] ?? 0]);
      }
      return out;
    };
    assert.deepEqual(await got(a, 3), [[1, 1, 1], [0, 0, 0], [9000, 5, 5]]);
    assert.deepEqual(await got(b, 3), [[300, 2, 2], [9000, 4, 4], [5, 6, 6]]);
    // Sent, then closed at once: what was queued still goes.
    sock.send(new Uint8Array([42]), "127.0.0.1", port(a));
    await sock.close();
    assert.deepEqual(await got(a, 1), [[1, 42, 42]]);
  } finally {
    a.close();
    b.close();
    await sock.close();
  }
});

Deno.test("UdpSocket drops (and counts) what exceeds its queue while the main thread stalls", async () => {
  let handled = 0;
  const sock = await UdpSocket.bind({ host: "127.0.0.1", port: 0, maxQueuedBytes: 1000 }, () => {
    handled++;
  });
  // The burst comes from another thread while this one is stalled from before the
  // first datagram leaves, so none can be handed over early (sending from here
  // awaited between datagrams, and the first was sometimes handled: 6 !== 5).
  const sender = new Worker(new URL("./_udp_burst.ts", import.meta.url), { type: "module" });
  const sent = new Int32Array(new SharedArrayBuffer(4));
  const done = new Promise((r) => (sender.onmessage = r));
  const peer = client();
  try {
    sender.postMessage({ port: sock.port, count: 20, size: 200, sent });
    const deadline = performance.now() + 10_000;
    while (Atomics.load(sent, 0) < 20 && performance.now() < deadline) { /* stalled */ }
    assert.equal(Atomics.load(sent, 0), 20, "the burst left while the main thread stalled");
    // Time for the socket's worker to take the burst in while this thread stays stalled.
    const until = performance.now() + 1000;
    while (performance.now() < until) { /* stalled */ }
    await done;
    for (let i = 0; i < 150 && handled + sock.counters.dropped < 20; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    // 1000 bytes hold 5 datagrams of 200; the rest were refused, and all are accounted for.
    assert.equal(handled, 5);
    assert.equal(sock.counters.dropped, 15);
    // Once handled, the queue has room again.
    const to = { transport: "udp" as const, hostname: "127.0.0.1", port: sock.port };
    await peer.send(new Uint8Array(200), to);
    for (let i = 0; i < 100 && handled < 6; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(handled, 6);
  } finally {
    sender.terminate();
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

// The worker-backed signalling UDP socket: datagrams both ways, a bounded queue
// when the main thread stalls (drops counted, never unbounded), clean close.

import assert from "node:assert/strict";
import type { UdpEvent } from "../../../signaling/net/udp_protocol.ts";
import { type DatagramHandler, UdpSocket } from "../../../signaling/net/udp_socket.ts";

/** Resolves when `p` does, or fails after `ms` (a bound on a wait, not a stall). */
async function deadline<T>(p: Promise<T>, ms: number, why: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${why} within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `ok` until it holds, failing after `ms`. */
async function until(ok: () => boolean, ms: number, why: string): Promise<void> {
  const end = performance.now() + ms;
  while (!ok()) {
    if (performance.now() > end) throw new Error(`${why} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

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

/**
 * Binds a UdpSocket whose worker's messages can be held back from it: while held,
 * the socket's main-thread side handles nothing, exactly as when the main thread is
 * stalled (the worker's messages wait), yet this thread stays free to watch what the
 * worker posts. Released, they reach the socket in the order the worker posted them.
 */
async function heldSocket(opts: { maxQueuedBytes: number }, onDatagram: DatagramHandler) {
  const held: MessageEvent<UdpEvent>[] = [];
  const watchers: ((ev: UdpEvent) => void)[] = [];
  let holding = true;
  let deliver: ((e: MessageEvent<UdpEvent>) => void) | undefined;
  const RealWorker = globalThis.Worker;
  class HeldWorker extends RealWorker {
    override set onmessage(f: ((this: Worker, e: MessageEvent) => unknown) | null) {
      if (!f) {
        super.onmessage = null;
        return;
      }
      deliver = (e) => f.call(this, e);
      super.onmessage = (e: MessageEvent<UdpEvent>) => {
        for (const w of watchers) w(e.data);
        const passes = e.data.ev === "bound" || e.data.ev === "error" || e.data.ev === "closed";
        if (holding && !passes) held.push(e);
        else deliver!(e);
      };
    }
    override get onmessage() {
      return super.onmessage;
    }
  }
  globalThis.Worker = HeldWorker;
  let bound;
  try {
    bound = UdpSocket.bind({ host: "127.0.0.1", port: 0, ...opts }, onDatagram);
  } finally {
    globalThis.Worker = RealWorker; // bind created its worker synchronously
  }
  const sock = await bound;
  assert.ok(deliver, "UdpSocket no longer sets its worker's onmessage: heldSocket needs updating");
  return {
    sock,
    /** What the worker posts, as it posts it (held or not). */
    watch: (w: (ev: UdpEvent) => void) => watchers.push(w),
    /** Hands everything held to the socket, in order, and holds nothing more. */
    release() {
      holding = false;
      for (const e of held.splice(0)) deliver!(e);
    },
  };
}

Deno.test("UdpSocket drops (and counts) what exceeds its queue while the main thread stalls", async () => {
  // Datagram i is 300 bytes of value i; the queue holds 1000 bytes, so 3 fit while
  // nothing is handled. Then a 50-byte marker, which still fits (950 bytes): the worker
  // reads its socket in order, so once it posts the marker it has decided every
  // datagram before it. No clock is involved: nothing is handled until then.
  const handled: number[] = [];
  const { sock, watch, release } = await heldSocket(
    { maxQueuedBytes: 1000 },
    (data) => handled.push(data.length === 50 ? -1 : data[0]),
  );
  let markerPosted!: () => void;
  const marker = new Promise<void>((r) => (markerPosted = r));
  watch((ev) => {
    if (ev.ev === "in" && ev.datagrams.some(([d]) => d.length === 50)) markerPosted();
  });
  const peer = client();
  const to = { transport: "udp" as const, hostname: "127.0.0.1", port: sock.port };
  try {
    for (let i = 0; i < 20; i++) await peer.send(new Uint8Array(300).fill(i), to);
    await peer.send(new Uint8Array(50), to);
    await deadline(marker, 10_000, "the worker never posted the marker");
    assert.deepEqual(handled, [], "nothing is handled while the main thread is held");
    release();
    // The first three and the marker; the other 17 refused. Drops are reported about
    // once a second, so wait for the report rather than for a time.
    assert.deepEqual(handled, [0, 1, 2, -1]);
    await until(() => sock.counters.dropped >= 17, 10_000, "no drop report");
    assert.equal(sock.counters.dropped, 17);
    assert.equal(handled.length + sock.counters.dropped, 21, "every datagram accounted for");
    // Once handled, the queue has room again: a full 1000 bytes of it.
    for (let i = 0; i < 3; i++) await peer.send(new Uint8Array(300).fill(100 + i), to);
    await peer.send(new Uint8Array(100).fill(103), to);
    await until(() => handled.length === 8, 10_000, `handled ${handled}`);
    assert.deepEqual(handled.slice(4), [100, 101, 102, 103]);
    assert.equal(sock.counters.dropped, 17);
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

// Entry point of a signalling UDP worker: owns one socket, reads it continuously
// and hands datagrams to the main thread in batches, and sends what it is given.
// See signaling/net/udp_protocol.ts for why.

/// <reference lib="deno.worker" />

import type { BindCommand, UdpCommand, UdpEvent } from "../signaling/net/udp_protocol.ts";

const post = (e: UdpEvent, transfer: Transferable[] = []) => self.postMessage(e, transfer);

let sock: Deno.DatagramConn | undefined;
let handled: Int32Array | undefined;
let maxQueued = 0;
let posted = 0; // wrapping byte counter, compared with `handled`
let batch: [Uint8Array, string, number][] = [];
let flushing = false;
let dropped = 0;
let sendErrors = 0;

// The next turn of the event loop, ~10 us away: setTimeout(f, 0) is ~2 ms here, which
// every datagram paid (an ARQ's p50 round trip was 3.5 ms).
const nextTurn = new MessageChannel();
nextTurn.port1.onmessage = () => flush();

function flush(): void {
  flushing = false;
  if (batch.length === 0) return;
  const out = batch;
  batch = [];
  post({ ev: "in", datagrams: out }, out.map(([d]) => d.buffer as ArrayBuffer));
}

function report(): void {
  if (dropped || sendErrors) post({ ev: "counts", dropped, sendErrors });
  dropped = 0;
  sendErrors = 0;
}

async function receive(conn: Deno.DatagramConn): Promise<void> {
  const buf = new Uint8Array(65_536);
  try {
    for (;;) {
      const [data, addr] = await conn.receive(buf);
      const queued = (posted - Atomics.load(handled!, 0)) | 0;
      if (queued + data.length > maxQueued) {
        dropped++;
        continue;
      }
      posted = (posted + data.length) | 0;
      const a = addr as Deno.NetAddr;
      // buf is reused: copy out exactly the datagram, so it can be transferred.
      batch.push([data.slice(), a.hostname, a.port]);
      // Batch what arrives within one turn of the event loop.
      if (!flushing) {
        flushing = true;
        nextTurn.port2.postMessage(0);
      }
    }
  } catch (err) {
    if (sock) post({ ev: "error", message: (err as Error).message });
  }
}

function bind(cmd: BindCommand): void {
  try {
    sock = Deno.listenDatagram({ transport: "udp", hostname: cmd.host, port: cmd.port });
  } catch (err) {
    post({ ev: "error", message: (err as Error).message });
    return;
  }
  handled = new Int32Array(cmd.handled);
  maxQueued = cmd.maxQueuedBytes;
  setInterval(report, 1000);
  post({ ev: "bound", port: (sock.addr as Deno.NetAddr).port });
  receive(sock);
}

// Datagrams go out one after another: sends started together are not kept in
// order by Deno (denoland/deno#6128; three sends in one turn left 3, 2, 1), and a
// SIP response overtaken by the next request, or RTP reordered, costs the peer.
let outbox: [Uint8Array, string, number][] = [];
let draining: Promise<void> | undefined;

function drain(): Promise<void> {
  draining ??= (async () => {
    while (outbox.length && sock) {
      const batch = outbox;
      outbox = [];
      for (const [data, hostname, port] of batch) {
        try {
          await sock?.send(data, { transport: "udp", hostname, port });
        } catch {
          sendErrors++;
        }
      }
    }
    draining = undefined;
  })();
  return draining;
}

self.onmessage = async (e: MessageEvent<UdpCommand>) => {
  const cmd = e.data;
  if (cmd.op === "bind") bind(cmd);
  else if (cmd.op === "send") {
    let offset = 0;
    for (const [length, hostname, port] of cmd.to) {
      outbox.push([cmd.data.subarray(offset, offset += length), hostname, port]);
    }
    drain();
  } else if (cmd.op === "close") {
    // What was sent before close still goes.
    await drain();
    const s = sock;
    sock = undefined;
    try {
      s?.close();
    } catch { /* already closed */ }
    flush();
    report();
    nextTurn.port1.close();
    post({ ev: "closed" });
  }
};

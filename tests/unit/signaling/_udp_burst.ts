// Sends a burst of datagrams from its own thread, counting each in shared memory, so
// a test can keep its main thread stalled from before the first datagram leaves.
self.onmessage = async (
  e: MessageEvent<{ port: number; count: number; size: number; sent: Int32Array }>,
) => {
  const { port, count, size, sent } = e.data;
  const sock = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  for (let i = 0; i < count; i++) {
    await sock.send(new Uint8Array(size), { transport: "udp", hostname: "127.0.0.1", port });
    Atomics.add(sent, 0, 1);
  }
  sock.close();
  self.postMessage("done");
};

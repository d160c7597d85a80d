// Keeps a test server's media legs from their 30 s inactivity timeout while a slow
// test runs many CLI commands against it: browser members joined over /ws without
// media (and phones that send none) would otherwise be ended as "media-timeout",
// however busy the machine. Every second each leg gets an empty RTCP receiver
// report from 127.0.0.1, the signalled host: the leg counts it as heard from its
// peer and changes nothing else (no report block, no RTP, no source lock).
// Used by the integration tests of the CLI (tests/integration/cli_*_test.ts) and
// docs_api_test.ts.

/** An RTCP RR (RFC 3550 6.4.2) with no report blocks: 8 bytes. */
const EMPTY_RR = new Uint8Array([0x80, 201, 0, 1, 0x43, 0x4c, 0x49, 0x21]);

export function keepLegsAlive(url: string, token: string): { stop(): Promise<void> } {
  const sock = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  let stopped = false;
  let wake = () => {};
  let timer: ReturnType<typeof setTimeout> | undefined;
  const loop = (async () => {
    while (!stopped) {
      try {
        const res = await fetch(`${url}/api/v1/media/legs`, {
          headers: { authorization: `Bearer ${token}` },
        });
        const legs = res.ok ? ((await res.json()) as { legs: { port: number }[] }).legs : [];
        if (!res.ok) await res.body?.cancel();
        for (const { port } of legs) {
          // The RTP port (RTCP muxed, as the browsers' bridge legs are) and the RTCP one.
          for (const p of [port, port + 1]) {
            await sock.send(EMPTY_RR, { transport: "udp", hostname: "127.0.0.1", port: p })
              .catch(() => {});
          }
        }
      } catch { /* the server is stopping */ }
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, 1000);
      });
    }
  })();
  return {
    async stop() {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      wake();
      await loop;
      sock.close();
    },
  };
}

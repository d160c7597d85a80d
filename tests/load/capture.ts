// A packet capture on loopback (Wireshark's dumpcap) for the production test: what
// reached the baresip phones, with the kernel's arrival times. baresip records what
// it decoded but not when; the capture says when each frame came, for the phones'
// join and failover times, loss and jitter.

/** One UDP datagram of the capture. */
export interface Datagram {
  /** Wall-clock ms (the kernel's timestamp). */
  at: number;
  srcPort: number;
  dstPort: number;
  payload: Uint8Array;
}

export interface Capture {
  /** Stops capturing; resolves with the pcap file's bytes. */
  stop(): Promise<Uint8Array>;
}

/** Captures `filter` (BPF) on lo; resolves once dumpcap says it is capturing. */
export async function startCapture(filter: string): Promise<Capture> {
  const dir = await Deno.makeTempDir({ prefix: "council-capture-" });
  const file = `${dir}/lo.pcap`;
  const child = new Deno.Command("dumpcap", {
    args: ["-i", "lo", "-f", filter, "-s", "400", "-P", "-w", file],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const stderr: string[] = [];
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  const capturing = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`dumpcap exited: ${stderr.join("")}`);
      stderr.push(value);
      if (/Capturing on/.test(stderr.join(""))) return;
    }
  })();
  try {
    await capturing;
  } catch (err) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw err;
  }
  // Keep draining its stderr so it never blocks on a full pipe.
  const drained = (async () => {
    while (!(await reader.read()).done) { /* drain */ }
  })();
  return {
    async stop() {
      try {
        child.kill("SIGINT");
      } catch { /* gone */ }
      await child.status;
      await drained.catch(() => {});
      try {
        return await Deno.readFile(file);
      } finally {
        await Deno.remove(dir, { recursive: true }).catch(() => {});
      }
    },
  };
}

/** The IPv4 UDP datagrams of a pcap file (Ethernet or Linux cooked link layer). */
export function* udpDatagrams(pcap: Uint8Array): Iterable<Datagram> {
  const v = new DataView(pcap.buffer, pcap.byteOffset, pcap.byteLength);
  if (pcap.length < 24) return;
  const magic = v.getUint32(0, true);
  const little = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  const nanos = magic === 0xa1b23c4d || magic === 0x4d3cb2a1;
  if (!little && magic !== 0xd4c3b2a1 && magic !== 0x4d3cb2a1) throw new Error("not a pcap file");
  const link = v.getUint32(20, little);
  const linkHeader = link === 1 ? 14 : link === 113 ? 16 : link === 0 ? 4 : -1;
  if (linkHeader < 0) throw new Error(`pcap link type ${link} not read`);
  for (let at = 24; at + 16 <= pcap.length;) {
    const sec = v.getUint32(at, little);
    const frac = v.getUint32(at + 4, little);
    const len = v.getUint32(at + 8, little);
    const start = at + 16;
    at = start + len;
    if (at > pcap.length) break;
    const ip = start + linkHeader;
    if (ip + 28 > at || pcap[ip] >> 4 !== 4 || pcap[ip + 9] !== 17) continue;
    const udp = ip + (pcap[ip] & 0x0f) * 4;
    const udpLen = v.getUint16(udp + 4);
    yield {
      at: sec * 1000 + frac / (nanos ? 1e6 : 1e3),
      srcPort: v.getUint16(udp),
      dstPort: v.getUint16(udp + 2),
      payload: pcap.subarray(udp + 8, Math.min(at, udp + udpLen)),
    };
  }
}

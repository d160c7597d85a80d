// Which UDP ports other sockets on this host hold, so admission does not hand a call
// a media port it cannot bind. On Linux one read of /proc/net/udp and udp6 answers
// for every port at once (refreshed at most every REFRESH_MS; a bind-and-close per
// port cost 14 % of an admission); where /proc is not there, a bind and close.

const TABLES = ["/proc/net/udp", "/proc/net/udp6"];
const REFRESH_MS = 1000;

/**
 * Local ports of the sockets in a /proc/net/udp{,6} table. Rows look like
 * `   3: 0100007F:13C4 00000000:0000 07 ...` (address:port in hex). Any local
 * address counts: a socket on 0.0.0.0 or [::] holds the port on every address.
 */
export function parseProcNetUdp(text: string): number[] {
  const ports: number[] = [];
  for (const line of text.split("\n")) {
    const m = /^\s*\d+:\s+[0-9A-Fa-f]+:([0-9A-Fa-f]{4})\s/.exec(line);
    if (m) ports.push(parseInt(m[1], 16));
  }
  return ports;
}

/** Whether another socket holds UDP `port` or `port + 1` on `host` (a bind and close). */
export function udpPairBusy(host: string, port: number): boolean {
  for (const p of [port, port + 1]) {
    try {
      Deno.listenDatagram({ transport: "udp", hostname: host, port: p }).close();
    } catch {
      return true;
    }
  }
  return false;
}

function readTable(path: string): string | undefined {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return undefined;
  }
}

export class UdpPortsInUse {
  #bound: Set<number> | undefined;
  #readAt = -Infinity;

  constructor(
    private readonly host: string,
    private readonly o: {
      read?: (path: string) => string | undefined;
      now?: () => number;
      refreshMs?: number;
    } = {},
  ) {}

  /** Whether the RTP port or the RTCP port above it is held. */
  pairBusy(port: number): boolean {
    const bound = this.#snapshot();
    if (!bound) return udpPairBusy(this.host, port);
    return bound.has(port) || bound.has(port + 1);
  }

  #snapshot(): Set<number> | undefined {
    const now = (this.o.now ?? performance.now.bind(performance))();
    if (now - this.#readAt < (this.o.refreshMs ?? REFRESH_MS)) return this.#bound;
    this.#readAt = now;
    const texts = TABLES.map(this.o.read ?? readTable);
    // Without the IPv4 table there is no telling: fall back to binding.
    this.#bound = texts[0] === undefined
      ? undefined
      : new Set(texts.flatMap((t) => (t === undefined ? [] : parseProcNetUdp(t))));
    return this.#bound;
  }
}

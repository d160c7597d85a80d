// Non-blocking IPv4 UDP sockets for media workers, through native/council_native.c:
// one recvmmsg per socket per poll, one sendto per packet, kernel arrival times.

import { shim } from "./_shim.ts";

/** Largest datagram a poll keeps; longer ones are reported as oversize and dropped. */
export const MAX_DATAGRAM = 2048;
const BATCH = 32;

export class UdpError extends Error {
  override name = "UdpError";
}

const ERRNO: Record<number, string> = {
  98: "address in use",
  99: "address not available",
  13: "permission denied",
  24: "too many open files",
};

function fail(what: string, rc: number): never {
  throw new UdpError(`${what}: ${ERRNO[-rc] ?? `errno ${-rc}`}`);
}

/** Dotted-quad IPv4 to a host-order number; throws for anything else. */
export function ipv4ToNumber(address: string): number {
  const parts = address.split(".");
  if (parts.length !== 4) throw new UdpError(`not an IPv4 address: ${address}`);
  let n = 0;
  for (const p of parts) {
    const v = Number(p);
    if (!/^\d{1,3}$/.test(p) || v > 255) throw new UdpError(`not an IPv4 address: ${address}`);
    n = n * 256 + v;
  }
  return n;
}

export function numberToIpv4(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

export interface Datagram {
  /** A view into the socket's buffer: valid only until the poll loop moves to the next datagram. */
  data: Uint8Array;
  address: string;
  port: number;
  /** Kernel arrival time on the performance.now() clock, ms. */
  arrival: number;
}

/**
 * Closes a socket by descriptor. Native sockets do not die with the worker that
 * opened them, so the main thread closes a dead worker's sockets this way.
 */
export function closeDescriptor(fd: number): void {
  shim().council_udp_close(fd);
}

export class UdpSocket {
  #fd: number;
  readonly port: number;
  readonly #buf = new Uint8Array(MAX_DATAGRAM * BATCH);
  readonly #meta = new Float64Array(BATCH * 4);
  readonly #now = new Float64Array(1);
  #lastAddress = "";
  #lastAddressNumber = 0;
  /** Datagrams dropped for being longer than MAX_DATAGRAM. */
  oversize = 0;

  constructor(host: string, port: number) {
    const fd = shim().council_udp_open(ipv4ToNumber(host), port);
    if (fd < 0) fail(`cannot bind UDP ${host}:${port}`, fd);
    this.#fd = fd;
    const local = shim().council_udp_local_port(fd);
    if (local < 0) fail("getsockname", local);
    this.port = local;
  }

  get fd(): number {
    return this.#fd;
  }

  /** Everything waiting on the socket, oldest first (up to BATCH per call). */
  *poll(): Generator<Datagram> {
    if (this.#fd < 0) return;
    for (;;) {
      const n = shim().council_udp_recv(
        this.#fd,
        this.#buf,
        MAX_DATAGRAM,
        BATCH,
        this.#meta,
        this.#now,
      );
      if (n < 0) fail("recvmmsg", n);
      if (n === 0) return;
      // Kernel times are realtime; place them on the monotonic clock we run on.
      const offset = performance.now() - this.#now[0];
      for (let i = 0; i < n; i++) {
        const len = this.#meta[i * 4];
        if (len < 0) {
          this.oversize++;
          continue;
        }
        yield {
          data: this.#buf.subarray(i * MAX_DATAGRAM, i * MAX_DATAGRAM + len),
          address: numberToIpv4(this.#meta[i * 4 + 1]),
          port: this.#meta[i * 4 + 2],
          arrival: this.#meta[i * 4 + 3] + offset,
        };
      }
      if (n < BATCH) return;
    }
  }

  /** Sends one datagram; returns false when the kernel refused it (buffer full, unreachable). */
  send(data: Uint8Array, address: string, port: number): boolean {
    if (this.#fd < 0) return false;
    if (address !== this.#lastAddress) {
      this.#lastAddressNumber = ipv4ToNumber(address);
      this.#lastAddress = address;
    }
    return shim().council_udp_send(this.#fd, data, data.length, this.#lastAddressNumber, port) >= 0;
  }

  close(): void {
    if (this.#fd >= 0) shim().council_udp_close(this.#fd);
    this.#fd = -1;
  }
}

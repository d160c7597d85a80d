// SIP over UDP and TCP (RFC 3261 section 18, RFC 3581 rport). Received bytes
// become messages (or parse errors) tagged with where they came from; responses go
// back the way RFC 3261 18.2.2 and RFC 3581 section 4 say; TCP connections are
// framed by Content-Length, capped in number and idle time, and reused for
// requests to the same peer.

import {
  DEFAULT_LIMITS,
  parseDatagram,
  type ParseLimits,
  SipParseError,
  StreamFramer,
} from "./parser.ts";
import { serialize, type SipMessage } from "./message.ts";
import { UdpSocket } from "../net/udp_socket.ts";

export type TransportName = "UDP" | "TCP";

/** Where a message came from or goes to. */
export interface Peer {
  readonly transport: TransportName;
  readonly address: string;
  readonly port: number;
  /** The TCP connection a message arrived on (responses go back on it). */
  readonly connection?: TcpConnection;
}

export interface TransportOptions {
  host: string;
  port: number;
  udp: boolean;
  tcp: boolean;
  limits?: ParseLimits;
  maxConnections?: number;
  /** A TCP connection with no traffic for this long is closed. */
  idleMs?: number;
}

export interface TransportHandlers {
  message(message: SipMessage, from: Peer): void;
  /** A message that could not be parsed; requests with headers can still be answered. */
  invalid(error: SipParseError, from: Peer): void;
  /** A handler threw: reported, and the listener goes on. */
  error(err: unknown): void;
}

export class TcpConnection {
  #framer: StreamFramer;
  #closed = false;
  #idle: ReturnType<typeof setTimeout> | undefined;
  lastActive = Date.now();

  constructor(
    readonly conn: Deno.TcpConn,
    readonly peer: { address: string; port: number },
    limits: ParseLimits,
    private readonly idleMs: number,
    private readonly onClose: (c: TcpConnection) => void,
  ) {
    this.#framer = new StreamFramer(limits);
  }

  get closed(): boolean {
    return this.#closed;
  }

  async write(bytes: Uint8Array): Promise<void> {
    if (this.#closed) throw new Error("connection closed");
    let off = 0;
    while (off < bytes.length) off += await this.conn.write(bytes.subarray(off));
    this.lastActive = Date.now();
  }

  async run(handlers: TransportHandlers): Promise<void> {
    const buf = new Uint8Array(16 * 1024);
    const from: Peer = { transport: "TCP", ...this.peer, connection: this };
    this.#armIdle();
    try {
      while (!this.#closed) {
        const n = await this.conn.read(buf);
        if (n === null) break;
        this.lastActive = Date.now();
        this.#armIdle();
        this.#framer.push(buf.subarray(0, n));
        for (;;) {
          let m;
          try {
            m = this.#framer.next();
          } catch (err) {
            if (!(err instanceof SipParseError)) throw err;
            // The stream can no longer be framed: answer if possible, then close.
            handlers.invalid(err, from);
            this.close();
            return;
          }
          if (m === undefined) break;
          if (m === "ping") {
            await this.write(new TextEncoder().encode("\r\n")).catch(() => {});
            continue;
          }
          handlers.message(m, from);
        }
      }
    } catch {
      // Reset by peer or closed under us: nothing to answer.
    } finally {
      this.close();
    }
  }

  #armIdle(): void {
    clearTimeout(this.#idle);
    this.#idle = setTimeout(() => this.close(), this.idleMs);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#idle);
    try {
      this.conn.close();
    } catch { /* already closed */ }
    this.onClose(this);
  }
}

export class SipTransport {
  #udp?: UdpSocket;
  #tcp?: Deno.TcpListener;
  #connections = new Map<string, TcpConnection>();
  #closing = false;
  #loops: Promise<void>[] = [];
  readonly limits: ParseLimits;
  /**
   * Messages in and out; `sendErrors` counts TCP writes that failed (a UDP send is
   * handed to the socket's worker, which counts its own failures: `udpSendErrors`).
   */
  readonly counters = { received: 0, sent: 0, invalid: 0, sendErrors: 0, handlerErrors: 0 };

  private constructor(readonly opts: TransportOptions, private handlers: TransportHandlers) {
    this.limits = opts.limits ?? DEFAULT_LIMITS;
  }

  static async listen(opts: TransportOptions, handlers: TransportHandlers): Promise<SipTransport> {
    const t = new SipTransport(opts, handlers);
    if (opts.udp) {
      t.#udp = await UdpSocket.bind(
        { host: opts.host, port: opts.port, name: "sip-udp" },
        (data, address, port) => t.#datagram(data, { transport: "UDP", address, port }),
      );
    }
    if (opts.tcp) {
      // TCP takes the UDP port (RFC 3261 18: a server listens on both).
      const port = t.#udp ? t.#udp.port : opts.port;
      try {
        t.#tcp = Deno.listen({ hostname: opts.host, port });
      } catch (err) {
        await t.#udp?.close();
        throw err;
      }
      t.#loops.push(t.#acceptLoop());
    }
    return t;
  }

  /** The bound port (UDP and TCP share it). */
  get port(): number {
    return this.#udp?.port ?? (this.#tcp!.addr as Deno.NetAddr).port;
  }

  get host(): string {
    return this.opts.host;
  }

  get connectionCount(): number {
    return this.#connections.size;
  }

  #datagram(data: Uint8Array, from: Peer): void {
    if (this.#closing) return;
    this.counters.received++;
    // A lone CRLF keep-alive (RFC 5626 section 4.4.1) needs no answer.
    if (data.length <= 4 && data.every((b) => b === 13 || b === 10)) return;
    let message: SipMessage;
    try {
      message = parseDatagram(data, this.limits);
    } catch (err) {
      if (!(err instanceof SipParseError)) {
        this.counters.handlerErrors++;
        this.handlers.error(err);
        return;
      }
      this.counters.invalid++;
      this.#safely(() => this.handlers.invalid(err, from));
      return;
    }
    this.#safely(() => this.handlers.message(message, from));
  }

  /** Datagrams the UDP worker dropped because the main thread fell too far behind. */
  get udpDropped(): number {
    return this.#udp?.counters.dropped ?? 0;
  }

  get udpSendErrors(): number {
    return this.#udp?.counters.sendErrors ?? 0;
  }

  async #acceptLoop(): Promise<void> {
    const max = this.opts.maxConnections ?? 1024;
    try {
      for await (const conn of this.#tcp!) {
        if (this.#connections.size >= max) {
          conn.close();
          continue;
        }
        this.#adopt(conn);
      }
    } catch (err) {
      if (!this.#closing) throw err;
    }
  }

  #adopt(conn: Deno.TcpConn): TcpConnection {
    const a = conn.remoteAddr as Deno.NetAddr;
    const key = `${a.hostname}:${a.port}`;
    const c = new TcpConnection(
      conn,
      { address: a.hostname, port: a.port },
      this.limits,
      this.opts.idleMs ?? 10 * 60_000,
      (closed) => {
        if (this.#connections.get(key) === closed) this.#connections.delete(key);
      },
    );
    this.#connections.set(key, c);
    c.run({
      message: (m, from) => {
        this.counters.received++;
        this.#safely(() => this.handlers.message(m, from));
      },
      invalid: (e, from) => {
        this.counters.invalid++;
        this.#safely(() => this.handlers.invalid(e, from));
      },
      error: (err) => this.handlers.error(err),
    });
    return c;
  }

  #safely(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      // A handler bug must not stop the listener (nor the process): counted, reported.
      this.counters.handlerErrors++;
      this.handlers.error(err);
    }
  }

  /** Sends to a peer; over TCP on its connection, or a new one to address:port. */
  async send(message: SipMessage | Uint8Array, to: Peer): Promise<void> {
    const bytes = message instanceof Uint8Array ? message : serialize(message);
    try {
      if (to.transport === "UDP") {
        if (!this.#udp) throw new Error("UDP is not enabled");
        this.#udp.send(bytes, to.address, to.port);
      } else {
        let c = to.connection && !to.connection.closed
          ? to.connection
          : this.#connections.get(`${to.address}:${to.port}`);
        if (!c || c.closed) {
          c = this.#adopt(await Deno.connect({ hostname: to.address, port: to.port }));
        }
        await c.write(bytes);
      }
      this.counters.sent++;
    } catch (err) {
      this.counters.sendErrors++;
      throw err;
    }
  }

  async close(): Promise<void> {
    this.#closing = true;
    await this.#udp?.close();
    this.#tcp?.close();
    for (const c of [...this.#connections.values()]) c.close();
    await Promise.allSettled(this.#loops);
  }
}

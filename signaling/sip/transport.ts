// SIP over UDP, TCP and TLS (RFC 3261 sections 18 and 26.2, RFC 3581 rport; TLS
// on its own port, 5061 by default, with the certificate of tls_identity.ts). Received bytes
// become messages (or parse errors) tagged with where they came from; responses go
// back the way RFC 3261 18.2.2 and RFC 3581 section 4 say; TCP connections are
// framed by Content-Length, capped in total and per source address (the shared
// accept loop in lifecycle/accept.ts, which survives EMFILE), closed when silent
// (no complete message for idleMs, or none at all within firstMessageMs) unless
// they carry a call, and reused for requests to the same peer.

import {
  DEFAULT_LIMITS,
  parseDatagram,
  type ParseLimits,
  SipParseError,
  StreamFramer,
} from "./parser.ts";
import { serialize, type SipMessage } from "./message.ts";
import { UdpSocket } from "../net/udp_socket.ts";
import { acceptLoop, closeQuietly } from "../../lifecycle/accept.ts";
import type { Logger } from "../../telemetry/log.ts";
import { type Admission, ConnectionGate, type RefusalReason } from "../../telemetry/connections.ts";

export type TransportName = "UDP" | "TCP" | "TLS";

/** Stream transports: a response goes back on the connection the request came on. */
export function isStream(t: TransportName): boolean {
  return t !== "UDP";
}

/** Where a message came from or goes to. */
export interface Peer {
  readonly transport: TransportName;
  readonly address: string;
  readonly port: number;
  /** The TCP or TLS connection a message arrived on (responses go back on it). */
  readonly connection?: TcpConnection;
}

export interface TransportOptions {
  host: string;
  port: number;
  udp: boolean;
  tcp: boolean;
  limits?: ParseLimits;
  /** SIP over TLS on its own port (0 picks one), with this certificate and key (PEM). */
  tls?: { port: number; cert: string; key: string };
  /** TCP connection caps and timers (TLS shares them); safe defaults when absent. */
  tcpLimits?: Partial<TcpLimits>;
  log?: Logger;
}

export interface TcpLimits {
  /** Caps in total and per source address (outbound connections count in the total). */
  gate: ConnectionGate;
  /** A connection with no complete message (a CRLF keep-alive counts) for this long closes... */
  idleMs: number;
  /** ...and a new one must bring its first complete message within this. */
  firstMessageMs: number;
}

/** The defaults of the limits.sipTcp* keys, for transports built without config. */
export function tcpLimitsDefault(): TcpLimits {
  return {
    gate: new ConnectionGate("sip-tcp", { maxTotal: 1024, maxPerSource: 64 }),
    idleMs: 120_000,
    firstMessageMs: 10_000,
  };
}

export interface TransportHandlers {
  message(message: SipMessage, from: Peer): void;
  /** A message that could not be parsed; requests with headers can still be answered. */
  invalid(error: SipParseError, from: Peer): void;
  /** A handler threw: reported, and the listener goes on. */
  error(err: unknown): void;
}

/** INVITE dialogs a connection carries, so its idle timer leaves a call alone. */
const MAX_TRACKED_CALLS = 32;
const decoder = new TextDecoder();

export class TcpConnection {
  #framer: StreamFramer;
  #closed = false;
  #idle: ReturnType<typeof setTimeout> | undefined;
  /** Call-IDs of INVITE dialogs on this connection: early (no final answer) or confirmed. */
  #calls = new Map<string, "early" | "confirmed">();
  lastActive = Date.now();

  constructor(
    readonly conn: Deno.Conn,
    readonly peer: { address: string; port: number; transport: "TCP" | "TLS" },
    limits: ParseLimits,
    private readonly timers: { idleMs: number; firstMessageMs: number },
    private readonly admission: Admission,
    private readonly onClose: (c: TcpConnection, timedOut?: RefusalReason) => void,
  ) {
    this.#framer = new StreamFramer(limits);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** True while an INVITE dialog on this connection has not ended. */
  get carriesCall(): boolean {
    return this.#calls.size > 0;
  }

  async write(bytes: Uint8Array): Promise<void> {
    if (this.#closed) throw new Error("connection closed");
    this.#track(bytes);
    let off = 0;
    while (off < bytes.length) off += await this.conn.write(bytes.subarray(off));
    this.lastActive = Date.now();
  }

  async run(handlers: TransportHandlers): Promise<void> {
    const buf = new Uint8Array(16 * 1024);
    const { address, port, transport } = this.peer;
    const from: Peer = { transport, address, port, connection: this };
    this.#arm(this.timers.firstMessageMs, "header_timeout");
    try {
      while (!this.#closed) {
        const n = await this.conn.read(buf);
        if (n === null) break;
        this.lastActive = Date.now();
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
          // Only a complete message (or a keep-alive) resets the idle timer: a
          // message dribbled a byte at a time does not keep a connection.
          this.#arm(this.timers.idleMs, "idle_timeout");
          if (m === "ping") {
            await this.write(new TextEncoder().encode("\r\n")).catch(() => {});
            continue;
          }
          this.#trackMessage(m);
          handlers.message(m, from);
        }
      }
    } catch {
      // Reset by peer or closed under us: nothing to answer.
    } finally {
      this.close();
    }
  }

  #arm(ms: number, reason: RefusalReason): void {
    clearTimeout(this.#idle);
    this.#idle = setTimeout(() => {
      if (this.carriesCall) return this.#arm(ms, reason);
      this.close(reason);
    }, ms);
  }

  #trackMessage(m: SipMessage): void {
    const callId = m.headers.get("call-id");
    const cseq = m.headers.get("cseq");
    if (!callId || !cseq) return;
    const method = cseq.trim().split(/\s+/)[1]?.toUpperCase() ?? "";
    this.#dialog(callId, method, m.kind === "request" ? undefined : m.status);
  }

  /** Follows dialogs in what Council sends too (requests and answers arrive as bytes). */
  #track(bytes: Uint8Array): void {
    if (bytes.length < 12) return;
    const isResponse = bytes[0] === 0x53 && bytes[1] === 0x49 && bytes[2] === 0x50; // "SIP"
    if (isResponse && this.#calls.size === 0) return; // an answer outside any call
    const headEnd = Math.min(bytes.length, 4096);
    const head = decoder.decode(bytes.subarray(0, headEnd));
    const callId = /^(?:call-id|i)[ \t]*:[ \t]*(\S+)/im.exec(head)?.[1];
    const method = /^cseq[ \t]*:[ \t]*\d+[ \t]+([A-Za-z]+)/im.exec(head)?.[1]?.toUpperCase();
    if (!callId || !method) return;
    const status = isResponse ? Number(/^SIP\/2\.0 (\d{3})/.exec(head)?.[1] ?? 0) : undefined;
    this.#dialog(callId, method, status);
  }

  #dialog(callId: string, method: string, status: number | undefined): void {
    const state = this.#calls.get(callId);
    if (status === undefined) {
      if (method === "INVITE" && !state && this.#calls.size < MAX_TRACKED_CALLS) {
        this.#calls.set(callId, "early");
      } else if (method === "BYE" || (method === "CANCEL" && state === "early")) {
        this.#calls.delete(callId);
      }
      return;
    }
    if (method !== "INVITE" || !state || status < 200) return;
    if (status < 300) this.#calls.set(callId, "confirmed");
    else if (state === "early") this.#calls.delete(callId);
  }

  close(timedOut?: RefusalReason): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#idle);
    closeQuietly(this.conn);
    this.admission.release();
    this.onClose(this, timedOut);
  }
}

export class SipTransport {
  #udp?: UdpSocket;
  #tcp?: Deno.TcpListener;
  #tls?: Deno.TlsListener;
  #connections = new Map<string, TcpConnection>();
  #closing = false;
  #loops: Promise<void>[] = [];
  readonly limits: ParseLimits;
  /**
   * Messages in and out; `sendErrors` counts TCP writes that failed (a UDP send is
   * handed to the socket's worker, which counts its own failures: `udpSendErrors`).
   */
  readonly counters = { received: 0, sent: 0, invalid: 0, sendErrors: 0, handlerErrors: 0 };

  #tcpLimits: TcpLimits;

  private constructor(readonly opts: TransportOptions, private handlers: TransportHandlers) {
    this.limits = opts.limits ?? DEFAULT_LIMITS;
    this.#tcpLimits = { ...tcpLimitsDefault(), ...opts.tcpLimits };
  }

  /** The TCP caps and timers in force (the gate holds the counts /metrics shows). */
  get tcpLimits(): TcpLimits {
    return this.#tcpLimits;
  }

  /**
   * Applies configured TCP limits (main.ts, right after start). Connections already
   * open keep their timers and are counted by the gate they were admitted by.
   */
  useTcpLimits(limits: Partial<TcpLimits>): void {
    this.#tcpLimits = { ...this.#tcpLimits, ...limits };
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
      t.#loops.push(t.#acceptLoop(t.#tcp, "TCP"));
    }
    if (opts.tls) {
      try {
        t.#tls = Deno.listenTls({
          hostname: opts.host,
          port: opts.tls.port,
          cert: opts.tls.cert,
          key: opts.tls.key,
        });
      } catch (err) {
        await t.#udp?.close();
        t.#tcp?.close();
        throw err;
      }
      t.#loops.push(t.#acceptLoop(t.#tls, "TLS"));
    }
    return t;
  }

  /** The TLS port, when SIP over TLS listens. */
  get tlsPort(): number | undefined {
    return this.#tls ? (this.#tls.addr as Deno.NetAddr).port : undefined;
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

  #acceptLoop<C extends Deno.Conn>(
    listener: Deno.Listener<C>,
    transport: "TCP" | "TLS",
  ): Promise<void> {
    // The gate is looked up per accept: useTcpLimits may replace it after start.
    const current = () => this.#tcpLimits.gate;
    return acceptLoop(listener, {
      get gate() {
        return current();
      },
      log: this.opts.log ?? quiet,
      closing: () => this.#closing,
      onConnection: (conn, admission) => this.#adopt(conn, admission, transport),
    });
  }

  #adopt(conn: Deno.Conn, admission: Admission, transport: "TCP" | "TLS"): TcpConnection {
    const a = conn.remoteAddr as Deno.NetAddr;
    const key = `${transport} ${a.hostname}:${a.port}`;
    const gate = this.#tcpLimits.gate;
    const c = new TcpConnection(
      conn,
      { address: a.hostname, port: a.port, transport },
      this.limits,
      this.#tcpLimits,
      admission,
      (closed, timedOut) => {
        if (this.#connections.get(key) === closed) this.#connections.delete(key);
        if (timedOut) gate.closedFor(timedOut);
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
          : this.#connections.get(`${to.transport} ${to.address}:${to.port}`);
        if ((!c || c.closed) && to.transport === "TLS") {
          // Phones on TLS keep the connection they registered over (RFC 5626 flows);
          // Council does not open TLS to them (their certificates are their own).
          throw new Error(`no TLS connection to ${to.address}:${to.port}`);
        }
        if (!c || c.closed) {
          // Connections Council opens count in the total, never against the peer.
          const admission = this.#tcpLimits.gate.admit(undefined);
          if (!admission.ok) throw new Error(`SIP/TCP connection refused: ${admission.reason}`);
          let conn: Deno.TcpConn;
          try {
            conn = await Deno.connect({ hostname: to.address, port: to.port });
          } catch (err) {
            admission.release();
            throw err;
          }
          c = this.#adopt(conn, admission, "TCP");
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
    this.#tls?.close();
    for (const c of [...this.#connections.values()]) c.close();
    await Promise.allSettled(this.#loops);
  }
}

const quiet: Logger = {
  level: "error",
  debug() {},
  info() {},
  warn() {},
  error() {},
  child: () => quiet,
};

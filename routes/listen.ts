// The HTTP listener as a subsystem, with Council's own accept loop in front of
// Deno.serve.
//
// Why a front: measured on Deno 2.9.6, Deno.serve has no connection cap and no
// header, idle or body timeout, and when accept() fails with EMFILE its accept loop
// ends (an unhandled rejection that exits the process; caught, the port stays dead
// for good). node:http in Deno accepts its timeout settings but a half-sent request
// outlived `headersTimeout` there too, and Deno.serve cannot be handed a connection.
// So Council accepts the TCP connection itself (lifecycle/accept.ts: caps per source
// and in total, EMFILE counted and backed off), frames the requests it carries
// (routes/_request_framer.ts) to time their heads, bodies and the idle gaps between
// them, and relays the bytes to a Deno.serve listening on a Unix socket in a private
// 0700 directory, which does the HTTP itself (keep-alive, WebSocket upgrades,
// streaming). A connection costs three descriptors (client, relay, Deno.serve's end);
// the fd budget counts them. If the inner server dies anyway it is started again.
// close() stops accepting and lets in-flight requests finish (Deno.serve's
// shutdown), which is what graceful shutdown needs.

import type { Subsystem } from "../lifecycle/mod.ts";
import { acceptLoop, closeQuietly, errorCode } from "../lifecycle/accept.ts";
import type { Logger } from "../telemetry/log.ts";
import { type Admission, ConnectionGate, type RefusalReason } from "../telemetry/connections.ts";
import { RequestFramer, type RequestHead } from "./_request_framer.ts";
import { PEER_HEADER } from "./_params.ts";

export class ListenError extends Error {
  override name = "ListenError";
}

export interface HttpServer extends Subsystem {
  readonly host: string;
  readonly port: number;
  readonly url: string;
}

/** Descriptors one HTTP connection holds: the client's, the relay's, Deno.serve's. */
export const HTTP_FDS_PER_CONNECTION = 3;

export interface HttpLimits {
  /** HTTP connections (WebSockets included). */
  gate: ConnectionGate;
  /** WebSockets among them (/ws, /api/v1/events). */
  wsGate: ConnectionGate;
  /** A request head must be complete this long after its first byte (or the accept). */
  headerTimeoutMs: number;
  /** A request body must be complete this long after its head. */
  bodyTimeoutMs: number;
  /** A keep-alive connection with no request in progress is closed after this. */
  idleTimeoutMs: number;
  log?: Logger;
}

/** The defaults of limits.* in config/_schema.ts, for servers built without config. */
function defaultLimits(): HttpLimits {
  return {
    gate: new ConnectionGate("http", { maxTotal: 512, maxPerSource: 64 }),
    wsGate: new ConnectionGate("ws", { maxTotal: 256, maxPerSource: 32 }),
    headerTimeoutMs: 10_000,
    bodyTimeoutMs: 30_000,
    idleTimeoutMs: 60_000,
  };
}

const SWEEP_MS = 250;
/** Largest request head relayed; a larger one is answered 431. */
const MAX_HEAD = 64 * 1024;
const DRAIN_MS = 1_000;
const encoder = new TextEncoder();

function unavailable(message: string): Uint8Array {
  const body = JSON.stringify({ error: { code: "CAPACITY_EXCEEDED", message } });
  return encoder.encode(
    "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n" +
      `retry-after: 5\r\nconnection: close\r\ncontent-length: ${body.length}\r\n\r\n${body}`,
  );
}
const TOO_MANY_CONNECTIONS = unavailable("too many connections; try again later");
const TOO_MANY_WEBSOCKETS = unavailable("too many WebSockets; try again later");
const HEAD_TOO_LARGE = encoder.encode(
  "HTTP/1.1 431 Request Header Fields Too Large\r\nconnection: close\r\ncontent-length: 0\r\n\r\n",
);

export function listenHttp(
  handler: (req: Request) => Response | Promise<Response>,
  at: { host: string; port: number },
  limits: Partial<HttpLimits> = {},
): HttpServer {
  const o: HttpLimits = { ...defaultLimits(), ...limits };
  let listener: Deno.TcpListener;
  try {
    listener = Deno.listen({ hostname: at.host, port: at.port, transport: "tcp" });
  } catch (err) {
    const where = `${at.host}:${at.port}`;
    if (err instanceof Deno.errors.AddrInUse) {
      throw new ListenError(`http.port: ${where} is already in use`);
    }
    if (
      err instanceof Deno.errors.AddrNotAvailable || err instanceof Deno.errors.PermissionDenied
    ) {
      throw new ListenError(`http.host: cannot listen on ${where}: ${(err as Error).message}`);
    }
    throw new ListenError(`http: cannot listen on ${where}: ${(err as Error).message}`);
  }
  const front = new HttpFront(listener, handler, o);
  const { hostname, port } = listener.addr as Deno.NetAddr;
  const urlHost = hostname.includes(":") ? `[${hostname}]` : hostname;
  return {
    name: "http",
    host: hostname,
    port,
    url: `http://${urlHost}:${port}`,
    ready: () => !front.closing,
    close: () => front.close(),
  };
}

class HttpFront {
  closing = false;
  readonly socketPath: string;
  readonly #dir: string;
  #inner!: Deno.HttpServer<Deno.UnixAddr>;
  readonly #open = new Set<Relay>();
  readonly #running = new Set<Promise<void>>();
  readonly #sweeper: ReturnType<typeof setInterval>;
  readonly #loop: Promise<void>;

  constructor(
    private readonly listener: Deno.TcpListener,
    private readonly handler: (req: Request) => Response | Promise<Response>,
    readonly o: HttpLimits,
  ) {
    // makeTempDir creates 0700: only this user can reach the inner server.
    this.#dir = Deno.makeTempDirSync({ prefix: "council-http-" });
    this.socketPath = `${this.#dir}/http.sock`;
    // An exit without close() (Deno.exit after a failed shutdown) leaves nothing behind.
    globalThis.addEventListener("unload", this.#removeDir);
    this.#startInner();
    this.#sweeper = setInterval(() => this.#sweep(), SWEEP_MS);
    Deno.unrefTimer(this.#sweeper);
    this.#loop = acceptLoop(listener, {
      gate: o.gate,
      log: o.log ?? silent,
      closing: () => this.closing,
      refusal: TOO_MANY_CONNECTIONS,
      onConnection: (conn, admission, peer) => {
        const relay = new Relay(this, conn, admission, peer.hostname);
        this.#open.add(relay);
        const running = relay.run().finally(() => {
          this.#open.delete(relay);
          this.#running.delete(running);
        });
        this.#running.add(running);
      },
    });
  }

  #startInner(): void {
    try {
      Deno.removeSync(this.socketPath);
    } catch { /* not there */ }
    const inner = Deno.serve({ path: this.socketPath, onListen: () => {} }, this.handler);
    this.#inner = inner;
    // Should the inner server fail anyway, its error is handled here (never an
    // unhandled rejection) and a new one takes its place.
    inner.finished.catch((err) => {
      if (this.closing || this.#inner !== inner) return;
      this.o.log?.error("http server failed; starting it again", { err });
      this.o.gate.acceptFailed(errorCode(err));
      setTimeout(() => {
        if (!this.closing) this.#startInner();
      }, 100);
    });
  }

  #sweep(): void {
    const now = performance.now();
    for (const r of this.#open) {
      if (now >= r.deadline) r.expire(now);
    }
  }

  #closed?: Promise<void>;

  /** Stops accepting, lets in-flight requests finish; the same promise every call. */
  close(): Promise<void> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  async #close(): Promise<void> {
    this.closing = true;
    closeQuietly(this.listener);
    await this.#loop;
    // In-flight requests finish through their relays; then what is left goes.
    await this.#inner.shutdown().catch(() => {});
    // Answers written just before the shutdown are still being relayed: let the
    // relays drain (the inner server has closed its ends), then close what is left.
    const drained = Promise.allSettled([...this.#running]);
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([drained, new Promise((r) => (timer = setTimeout(r, DRAIN_MS)))]);
    clearTimeout(timer);
    for (const r of this.#open) r.close();
    clearInterval(this.#sweeper);
    this.#removeDir();
    globalThis.removeEventListener("unload", this.#removeDir);
  }

  readonly #removeDir = () => {
    try {
      Deno.removeSync(this.#dir, { recursive: true });
    } catch { /* gone */ }
  };
}

/** One client connection relayed to the inner server, with its timers. */
class Relay {
  /** performance.now() after which the sweeper closes this connection. */
  deadline: number;
  #reason: RefusalReason = "header_timeout";
  #framer: RequestFramer;
  #upstream?: Deno.UnixConn;
  #closed = false;
  #awaitingResponse = false;
  #ws?: Admission;
  #wsPending = false;
  #refuse?: Uint8Array;

  constructor(
    private readonly front: HttpFront,
    private readonly client: Deno.TcpConn,
    private readonly admission: Admission,
    private readonly source: string,
  ) {
    // The first request's head is timed from the accept: a silent connection is a
    // head that never came.
    this.deadline = performance.now() + front.o.headerTimeoutMs;
    this.#framer = new RequestFramer(
      {
        started: () => {
          if (!this.#awaitingResponse) this.#arm("header_timeout", front.o.headerTimeoutMs);
        },
        head: (h) => this.#head(h),
        ended: () => {
          this.#awaitingResponse = true;
          // The handler may take its time; the idle timer starts once it answers.
          this.deadline = Infinity;
        },
        // The app learns the peer's address from this header (routes/_params.ts);
        // a client's own copy of it is dropped.
      },
      MAX_HEAD,
      { name: PEER_HEADER, value: source },
    );
  }

  #arm(reason: RefusalReason, ms: number): void {
    this.#reason = reason;
    this.deadline = performance.now() + ms;
  }

  #head(h: RequestHead): boolean {
    if (h.websocket) {
      const ws = this.front.o.wsGate.admit(this.source);
      if (!ws.ok) {
        this.#refuse = TOO_MANY_WEBSOCKETS;
        return false;
      }
      this.#ws = ws;
      this.#wsPending = true;
      this.deadline = Infinity;
      return true;
    }
    this.#arm("body_timeout", this.front.o.bodyTimeoutMs);
    return true;
  }

  async run(): Promise<void> {
    try {
      this.#upstream = await Deno.connect({ transport: "unix", path: this.front.socketPath });
    } catch (err) {
      this.front.o.gate.acceptFailed(errorCode(err));
      await this.client.write(TOO_MANY_CONNECTIONS).catch(() => {});
      this.close();
      return;
    }
    if (this.#closed) {
      this.close();
      return;
    }
    await Promise.allSettled([this.#fromClient(this.#upstream), this.#toClient(this.#upstream)]);
    this.close();
  }

  async #fromClient(upstream: Deno.UnixConn): Promise<void> {
    const buf = new Uint8Array(16 * 1024);
    try {
      for (;;) {
        const n = await this.client.read(buf);
        if (n === null) break;
        const out = this.#framer.push(buf.subarray(0, n));
        if (this.#refuse) return this.#answerAndClose(this.#refuse);
        if (this.#framer.phase === "lost") {
          if (this.#framer.lostBy === "head_too_large") {
            return this.#answerAndClose(HEAD_TOO_LARGE);
          }
          // Bytes it cannot frame go on to Deno.serve (which answers 400); only the
          // idle timer watches them.
          this.#arm("idle_timeout", this.front.o.idleTimeoutMs);
        }
        for (const part of out) await writeAll(upstream, part);
      }
      // The client is done sending; the server may still answer what it sent.
      await upstream.closeWrite().catch(() => {});
      if (!this.#ws) this.#arm("idle_timeout", this.front.o.idleTimeoutMs);
    } catch {
      this.close();
    }
  }

  async #toClient(upstream: Deno.UnixConn): Promise<void> {
    const buf = new Uint8Array(16 * 1024);
    try {
      for (;;) {
        const n = await upstream.read(buf);
        if (n === null) break;
        if (this.#wsPending) this.#upgradeAnswered(buf.subarray(0, n));
        await writeAll(this.client, buf.subarray(0, n));
        this.#awaitingResponse = false;
        const phase = this.#framer.phase;
        if (phase === "between" || phase === "lost") {
          this.#arm("idle_timeout", this.front.o.idleTimeoutMs);
        }
      }
    } catch { /* reset by either side */ }
    this.close();
  }

  /** A 101 makes the connection a WebSocket; any other answer keeps it HTTP. */
  #upgradeAnswered(first: Uint8Array): void {
    this.#wsPending = false;
    const status = new TextDecoder().decode(first.subarray(0, 12));
    if (/^HTTP\/1\.1 101/.test(status)) return;
    this.#ws?.release();
    this.#ws = undefined;
    this.#framer.phase = "between";
  }

  async #answerAndClose(answer: Uint8Array): Promise<void> {
    await writeAll(this.client, answer).catch(() => {});
    this.close();
  }

  expire(_now: number): void {
    if (this.#closed) return;
    this.front.o.gate.closedFor(this.#reason);
    this.close();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.deadline = Infinity;
    closeQuietly(this.client);
    if (this.#upstream) closeQuietly(this.#upstream);
    this.#ws?.release();
    this.admission.release();
  }
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let off = 0;
  while (off < bytes.length) off += await conn.write(bytes.subarray(off));
}

const silent: Logger = {
  level: "error",
  debug() {},
  info() {},
  warn() {},
  error() {},
  child: () => silent,
};

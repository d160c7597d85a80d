// The terminal's side of a TCP H.323 connection for tests: sends TPKT-framed
// messages (real captured ones, adjusted) and collects what Council answers,
// decoded by Council's reader and kept raw for tshark.

import { type CsMessage, readCs } from "../../signaling/h323/h225/signalling.ts";
import { decodeH245, h245Kind, type H245Message } from "../../signaling/h323/h245/mod.ts";
import { frameTpkt, TpktReader } from "../../signaling/h323/q931/tpkt.ts";
import net from "node:net";

/** What the client needs of a TCP connection (Deno's, or node:net's for a chosen source). */
interface Conn {
  read(buf: Uint8Array): Promise<number | null>;
  write(bytes: Uint8Array): Promise<number>;
  close(): void;
}

/** A node:net socket bound to `localAddress` (Deno.connect cannot choose the source). */
function connectFrom(port: number, localAddress: string): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port, localAddress });
    const chunks: Uint8Array[] = [];
    let ended = false;
    let wake: (() => void) | undefined;
    socket.on("data", (d: Uint8Array) => {
      chunks.push(new Uint8Array(d));
      wake?.();
    });
    socket.on("close", () => {
      ended = true;
      wake?.();
    });
    socket.on("error", (err) => reject(err));
    socket.on("connect", () =>
      resolve({
        async read(buf) {
          while (chunks.length === 0 && !ended) await new Promise<void>((r) => wake = r);
          const c = chunks.shift();
          if (!c) return null;
          const n = Math.min(c.length, buf.length);
          buf.set(c.subarray(0, n));
          if (n < c.length) chunks.unshift(c.subarray(n));
          return n;
        },
        write: (bytes) =>
          new Promise((r, j) => socket.write(bytes, (err) => err ? j(err) : r(bytes.length))),
        close: () => socket.destroy(),
      }));
  });
}

export interface Received {
  raw: Uint8Array;
  cs?: CsMessage;
  /** H.245 messages: tunnelled ones in a CS message, or the message itself on H.245. */
  h245: H245Message[];
}

export class TpktClient {
  readonly received: Received[] = [];
  #reader = new TpktReader();
  #waiters: (() => void)[] = [];
  closed = false;
  readonly done: Promise<void>;

  private constructor(private readonly conn: Conn, private readonly h245Only: boolean) {
    this.done = this.#read();
  }

  /** The terminal's side of a connection Council opened (Council calling it). */
  static async accept(listener: Deno.TcpListener): Promise<TpktClient> {
    return new TpktClient(await listener.accept(), false);
  }

  /** A call signalling connection (Q.931 messages) or, with h245, a separate H.245 one. */
  static async connect(port: number, h245 = false): Promise<TpktClient> {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port, transport: "tcp" });
    return new TpktClient(conn, h245);
  }

  /** A call signalling connection from another loopback address (a gatekeeper's, say). */
  static async connectFrom(port: number, localAddress: string): Promise<TpktClient> {
    return new TpktClient(await connectFrom(port, localAddress), false);
  }

  async #read(): Promise<void> {
    const buf = new Uint8Array(65536);
    try {
      while (true) {
        const n = await this.conn.read(buf);
        if (n === null) break;
        for (const raw of this.#reader.push(buf.slice(0, n))) {
          if (this.h245Only) {
            this.received.push({ raw, h245: [decodeH245(raw)] });
          } else {
            const cs = readCs(raw);
            const tunnelled = (cs.pdu?.h245Control as Uint8Array[] | undefined) ?? [];
            this.received.push({ raw, cs, h245: tunnelled.map(decodeH245) });
          }
          for (const w of this.#waiters.splice(0)) w();
        }
      }
    } catch { /* closed */ }
    this.closed = true;
    for (const w of this.#waiters.splice(0)) w();
  }

  async send(payload: Uint8Array): Promise<void> {
    const frame = frameTpkt(payload);
    let at = 0;
    while (at < frame.length) at += await this.conn.write(frame.subarray(at));
  }

  async sendRaw(bytes: Uint8Array): Promise<void> {
    let at = 0;
    while (at < bytes.length) at += await this.conn.write(bytes.subarray(at));
  }

  /** Waits for the first received message (from index `from`) matching `pred`. */
  async next(
    pred: (r: Received) => boolean,
    { from = 0, timeoutMs = 5000 } = {},
  ): Promise<Received> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const hit = this.received.slice(from).find(pred);
      if (hit) return hit;
      if (this.closed) throw new Error(`connection closed; got ${this.describe()}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; got ${this.describe()}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** The next message of a Q.931 type. */
  cs(type: string, from = 0): Promise<Received> {
    return this.next((r) => r.cs?.q931.type === type, { from });
  }

  /** The next H.245 message of a kind ("request.terminalCapabilitySet"). */
  async h245(kind: string, from = 0): Promise<H245Message> {
    const r = await this.next((r) => r.h245.some((m) => h245Kind(m) === kind), { from });
    return r.h245.find((m) => h245Kind(m) === kind)!;
  }

  describe(): string {
    return this.received.map((r) =>
      [r.cs?.q931.type, ...r.h245.map(h245Kind)].filter(Boolean).join("+")
    ).join(", ") || "nothing";
  }

  close(): void {
    try {
      this.conn.close();
    } catch { /* closed */ }
  }
}

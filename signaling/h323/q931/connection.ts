// A TCP connection carrying TPKT-framed messages: H.225.0 call signalling (1720)
// and a separate H.245 channel use the same framing. Reads are reassembled by
// TpktReader (one message buffered at most); writes are queued in order with a
// bound, so a peer that stops reading is disconnected instead of growing memory.

import type { HostPort } from "../h225/address.ts";
import { frameTpkt, TpktError, TpktReader } from "./tpkt.ts";

/** Octets queued for a peer that is not reading before it is dropped. */
const MAX_PENDING_WRITE = 1 << 20;

export interface TpktHandlers {
  message(payload: Uint8Array): void;
  /** The connection ended: peer closed, error, bad framing or close(). */
  closed(why: string): void;
}

export class TpktConnection {
  readonly remote: HostPort;
  readonly local: HostPort;
  #reader = new TpktReader();
  #writes: Promise<void> = Promise.resolve();
  #pending = 0;
  #closed = false;
  #handlers?: TpktHandlers;

  constructor(private readonly conn: Deno.TcpConn) {
    const r = conn.remoteAddr as Deno.NetAddr;
    const l = conn.localAddr as Deno.NetAddr;
    this.remote = { host: r.hostname, port: r.port };
    this.local = { host: l.hostname, port: l.port };
    conn.setNoDelay(true);
  }

  /** Starts reading; messages go to `h` in order. Resolves when the connection ends. */
  async run(h: TpktHandlers): Promise<void> {
    this.#handlers = h;
    const buf = new Uint8Array(16 * 1024);
    let why = "closed by peer";
    try {
      while (!this.#closed) {
        const n = await this.conn.read(buf);
        if (n === null) break;
        for (const payload of this.#reader.push(buf.subarray(0, n))) {
          if (this.#closed) break;
          h.message(payload);
        }
      }
    } catch (err) {
      why = err instanceof TpktError
        ? `bad TPKT: ${err.message}`
        : `read failed: ${(err as Error).message}`;
    }
    this.close(why);
  }

  get closed(): boolean {
    return this.#closed;
  }

  send(payload: Uint8Array): void {
    if (this.#closed) return;
    const frame = frameTpkt(payload);
    this.#pending += frame.length;
    if (this.#pending > MAX_PENDING_WRITE) {
      this.close("peer is not reading");
      return;
    }
    this.#writes = this.#writes.then(async () => {
      try {
        let at = 0;
        while (at < frame.length && !this.#closed) at += await this.conn.write(frame.subarray(at));
      } catch {
        this.close("write failed");
      } finally {
        this.#pending -= frame.length;
      }
    });
  }

  /** Waits for queued writes (a Release Complete before closing, say). */
  async flush(): Promise<void> {
    await this.#writes;
  }

  close(why = "closed"): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.conn.close();
    } catch { /* already closed */ }
    this.#handlers?.closed(why);
  }
}

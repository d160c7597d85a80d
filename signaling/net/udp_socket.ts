// A UDP socket for signalling (SIP, H.323 RAS) whose receive side runs in a Web
// Worker (workers/udp_worker.ts), so bursts are queued in memory (bounded) rather
// than dropped by the kernel while the main thread is busy.

import type { UdpCommand, UdpEvent } from "./udp_protocol.ts";

const WORKER_URL = new URL("../../workers/udp_worker.ts", import.meta.url);
const STAGE_BYTES = 16_384;

export interface UdpSocketOptions {
  host: string;
  port: number;
  /** Received bytes waiting for the main thread, at most; more are dropped (counted). */
  maxQueuedBytes?: number;
  /** Name of the worker thread (shows in debuggers and thread lists). */
  name?: string;
}

export type DatagramHandler = (data: Uint8Array, address: string, port: number) => void;

export class UdpSocket {
  /** Datagrams dropped because the queue was full; sends that failed. */
  readonly counters = { dropped: 0, sendErrors: 0 };
  #closed = false;
  /** Datagrams sent this turn: their bytes back to back, and where each goes. */
  #stage = new Uint8Array(STAGE_BYTES);
  #staged = 0;
  #to: [number, string, number][] = [];

  private constructor(
    private readonly worker: Worker,
    readonly port: number,
    private readonly whenClosed: (resolve: () => void) => void,
  ) {}

  /** Binds host:port in a new worker; every datagram then goes to `onDatagram`. */
  static bind(opts: UdpSocketOptions, onDatagram: DatagramHandler): Promise<UdpSocket> {
    const worker = new Worker(WORKER_URL, { type: "module", name: opts.name ?? "udp" });
    const shared = new SharedArrayBuffer(4);
    const handled = new Int32Array(shared);
    const command = (c: UdpCommand, transfer: Transferable[] = []) =>
      worker.postMessage(c, transfer);
    return new Promise((resolve, reject) => {
      let socket: UdpSocket | undefined;
      let onClosed: (() => void) | undefined;
      worker.onerror = (e) => {
        e.preventDefault();
        if (!socket) {
          worker.terminate();
          reject(new Error(`UDP worker failed: ${e.message}`));
        }
      };
      worker.onmessage = (e: MessageEvent<UdpEvent>) => {
        const ev = e.data;
        switch (ev.ev) {
          case "bound":
            socket = new UdpSocket(worker, ev.port, (f) => (onClosed = f));
            resolve(socket);
            break;
          case "in":
            for (const [data, address, port] of ev.datagrams) {
              Atomics.add(handled, 0, data.length);
              onDatagram(data, address, port);
            }
            break;
          case "counts":
            if (socket) {
              socket.counters.dropped += ev.dropped;
              socket.counters.sendErrors += ev.sendErrors;
            }
            break;
          case "error":
            if (!socket) {
              worker.terminate();
              reject(new Error(ev.message));
            }
            break;
          case "closed":
            onClosed?.();
            break;
        }
      };
      command({
        op: "bind",
        host: opts.host,
        port: opts.port,
        maxQueuedBytes: opts.maxQueuedBytes ?? 16 * 1024 * 1024,
        handled: shared,
      });
    });
  }

  /**
   * Queues a datagram; failures are counted (UDP gives no delivery promise anyway).
   * What is sent within one turn goes to the worker as one message, at its end.
   */
  send(data: Uint8Array, address: string, port: number): void {
    if (this.#closed) throw new Error("socket closed");
    // Copied now (the caller may reuse its buffer) into one staging buffer.
    const need = this.#staged + data.length;
    if (need > this.#stage.length) {
      const grown = new Uint8Array(Math.max(need, this.#stage.length * 2));
      grown.set(this.#stage.subarray(0, this.#staged));
      this.#stage = grown;
    }
    this.#stage.set(data, this.#staged);
    this.#staged = need;
    this.#to.push([data.length, address, port]);
    if (this.#to.length === 1) queueMicrotask(() => this.#flush());
  }

  #flush(): void {
    if (this.#to.length === 0 || this.#closed) return;
    const data = this.#stage.slice(0, this.#staged);
    const to = this.#to;
    this.#staged = 0;
    this.#to = [];
    if (this.#stage.length > 64 * STAGE_BYTES) this.#stage = new Uint8Array(STAGE_BYTES);
    this.worker.postMessage({ op: "send", data, to } satisfies UdpCommand, [data.buffer]);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#flush(); // what was sent before close still goes
    this.#closed = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const done = new Promise<void>((resolve) => {
      this.whenClosed(resolve);
      timer = setTimeout(resolve, 1000);
    });
    this.worker.postMessage({ op: "close" } satisfies UdpCommand);
    await done;
    clearTimeout(timer);
    this.worker.terminate();
  }
}

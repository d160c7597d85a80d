// A UDP socket for signalling (SIP, H.323 RAS) whose receive side runs in a Web
// Worker (workers/udp_worker.ts), so bursts are queued in memory (bounded) rather
// than dropped by the kernel while the main thread is busy.

import type { UdpCommand, UdpEvent } from "./udp_protocol.ts";

const WORKER_URL = new URL("../../workers/udp_worker.ts", import.meta.url);

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

  /** Queues a datagram; failures are counted (UDP gives no delivery promise anyway). */
  send(data: Uint8Array, address: string, port: number): void {
    if (this.#closed) throw new Error("socket closed");
    // Copy: the caller may reuse its buffer, and the copy can be transferred.
    const copy = data.slice();
    this.worker.postMessage(
      { op: "send", data: copy, address, port } satisfies UdpCommand,
      [copy.buffer],
    );
  }

  async close(): Promise<void> {
    if (this.#closed) return;
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

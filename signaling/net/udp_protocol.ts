// Messages between a signalling UDP socket (main thread) and the worker that owns
// it. The worker exists so the kernel's receive buffer is drained even while the
// main thread is busy: at 1,000 calls/s a 50 ms pause overflows Linux's default
// 208 KB SO_RCVBUF, and Deno cannot enlarge it (node:dgram's recvBufferSize works
// but its receive path delivers a few thousand datagrams per second).

export interface BindCommand {
  op: "bind";
  host: string;
  port: number;
  /** Datagram bytes handed to the main thread and not yet handled, at most. */
  maxQueuedBytes: number;
  /** Int32[0]: bytes the main thread has handled (wrapping counter). */
  handled: SharedArrayBuffer;
}

/** The datagrams sent within one turn, in one message (a post costs ~20 us). */
export interface SendCommand {
  op: "send";
  /** Their bytes back to back. */
  data: Uint8Array;
  /** Per datagram, in order: its length in `data`, and the address and port it goes to. */
  to: [number, string, number][];
}

export type UdpCommand = BindCommand | SendCommand | { op: "close" };

export type UdpEvent =
  | { ev: "bound"; port: number }
  | { ev: "error"; message: string }
  /** Datagrams as [bytes, address, port] in arrival order. */
  | { ev: "in"; datagrams: [Uint8Array, string, number][] }
  /** Counts since the last report: datagrams dropped because the queue was full, failed sends. */
  | { ev: "counts"; dropped: number; sendErrors: number }
  | { ev: "closed" };

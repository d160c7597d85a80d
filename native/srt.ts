// SRT (Secure Reliable Transport, Haivision's libsrt) through Debian's
// libsrt1.5-gnutls, for broadcast feeds (rooms/feeds.ts, workers/srt_bridge.ts).
// Debian ships no libsrt headers without the -dev package, so the few constants
// used are written here from srt.h (libsrt 1.5: SRT_SOCKOPT, SRT_SOCKSTATUS,
// SRT_ERRNO), and every socket is non-blocking (SRTO_RCVSYN/SRTO_SNDSYN off): a
// worker polls it, nothing ever waits inside libsrt. Live mode (libsrt's default):
// messages of at most 1316 bytes, delivered on time or dropped.

import { lazyLibrary, NativeLibraryError } from "./_library.ts";

const open = lazyLibrary(
  {
    purpose: "SRT feeds (libsrt)",
    files: ["libsrt-gnutls.so.1.5", "libsrt-openssl.so.1.5", "libsrt.so.1.5"],
    provider: "the Debian package libsrt1.5-gnutls",
  },
  {
    srt_startup: { parameters: [], result: "i32" },
    srt_create_socket: { parameters: [], result: "i32" },
    srt_setsockflag: { parameters: ["i32", "i32", "buffer", "i32"], result: "i32" },
    srt_bind: { parameters: ["i32", "buffer", "i32"], result: "i32" },
    srt_listen: { parameters: ["i32", "i32"], result: "i32" },
    srt_accept: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
    srt_connect: { parameters: ["i32", "buffer", "i32"], result: "i32" },
    srt_sendmsg: { parameters: ["i32", "buffer", "i32", "i32", "i32"], result: "i32" },
    srt_recvmsg: { parameters: ["i32", "buffer", "i32"], result: "i32" },
    srt_getsockstate: { parameters: ["i32"], result: "i32" },
    srt_getsockname: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
    srt_close: { parameters: ["i32"], result: "i32" },
    srt_getlasterror: { parameters: ["buffer"], result: "i32" },
    srt_getlasterror_str: { parameters: [], result: "pointer" },
  } as const,
);

// srt.h, libsrt 1.5.
const SRTO_SNDSYN = 1;
const SRTO_RCVSYN = 2;
const SRTO_LATENCY = 23;
const SRT_ERROR = -1;
const SRT_INVALID_SOCK = -1;
/** SRT_EASYNCRCV, SRT_EASYNCSND: nothing to read, no room to send now. */
const EASYNCRCV = 6002;
const EASYNCSND = 6001;

/** A live-mode message's largest payload (SRTO_PAYLOADSIZE's default). */
export const SRT_MAX_MESSAGE = 1316;

export type SrtState =
  | "init"
  | "opened"
  | "listening"
  | "connecting"
  | "connected"
  | "broken"
  | "closing"
  | "closed"
  | "nonexist";
const STATES: SrtState[] = [
  "init",
  "opened",
  "listening",
  "connecting",
  "connected",
  "broken",
  "closing",
  "closed",
  "nonexist",
];

export class SrtError extends Error {
  override name = "SrtError";
}

let started: ReturnType<typeof open> | undefined;

function lib(): ReturnType<typeof open> {
  if (started) return started;
  const s = open();
  if (s.srt_startup() < 0) throw new NativeLibraryError(`srt_startup failed: ${lastError(s)}`);
  return started = s;
}

/** Loads libsrt now (a clear error at start rather than at the first feed). */
export function loadSrt(): void {
  lib();
}

function lastError(s = lib()): string {
  const p = s.srt_getlasterror_str();
  return p ? new Deno.UnsafePointerView(p).getCString() : "unknown error";
}

function check(rc: number, what: string): number {
  if (rc === SRT_ERROR) throw new SrtError(`${what}: ${lastError()}`);
  return rc;
}

/** struct sockaddr_in for an IPv4 address (family, port and address in network order). */
function sockaddr(host: string, port: number): Uint8Array {
  const parts = host.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !(p >= 0 && p <= 255))) {
    throw new SrtError(`SRT takes an IPv4 address, not ${host}`);
  }
  const sa = new Uint8Array(16);
  new DataView(sa.buffer).setUint16(0, 2, true); // AF_INET, host order
  new DataView(sa.buffer).setUint16(2, port, false);
  sa.set(parts, 4);
  return sa;
}

function int32(v: number): Uint8Array {
  return new Uint8Array(new Int32Array([v]).buffer);
}

/** One SRT socket, non-blocking. */
export class SrtSocket {
  #closed = false;

  private constructor(
    readonly id: number,
    /** A caller's IPv4 address, as srt_accept gave it. */
    readonly peerHost?: string,
  ) {}

  static #create(latencyMs: number): SrtSocket {
    const s = lib();
    const id = s.srt_create_socket();
    if (id === SRT_INVALID_SOCK) throw new SrtError(`srt_create_socket: ${lastError(s)}`);
    const sock = new SrtSocket(id);
    try {
      sock.#set(SRTO_RCVSYN, 0);
      sock.#set(SRTO_SNDSYN, 0);
      sock.#set(SRTO_LATENCY, latencyMs);
    } catch (err) {
      sock.close();
      throw err;
    }
    return sock;
  }

  /** A listener on host:port (0: any free port); accept() takes its callers. */
  static listen(host: string, port: number, latencyMs = 120): SrtSocket {
    const sock = SrtSocket.#create(latencyMs);
    try {
      const sa = sockaddr(host, port);
      check(lib().srt_bind(sock.id, sa, sa.length), `srt_bind ${host}:${port}`);
      check(lib().srt_listen(sock.id, 1), "srt_listen");
    } catch (err) {
      sock.close();
      throw err;
    }
    return sock;
  }

  /** Calls a listener (caller mode); connecting until state says connected or broken. */
  static connect(host: string, port: number, latencyMs = 120): SrtSocket {
    const sock = SrtSocket.#create(latencyMs);
    try {
      const sa = sockaddr(host, port);
      check(lib().srt_connect(sock.id, sa, sa.length), `srt_connect ${host}:${port}`);
    } catch (err) {
      sock.close();
      throw err;
    }
    return sock;
  }

  #set(opt: number, value: number): void {
    check(lib().srt_setsockflag(this.id, opt, int32(value), 4), `srt_setsockflag(${opt})`);
  }

  /** The caller a listener has, or undefined while none called. */
  accept(): SrtSocket | undefined {
    const addr = new Uint8Array(128);
    const len = int32(128);
    const id = lib().srt_accept(this.id, addr, len);
    if (id === SRT_INVALID_SOCK) {
      if (errorCode() === EASYNCRCV) return undefined;
      throw new SrtError(`srt_accept: ${lastError()}`);
    }
    const family = new DataView(addr.buffer).getUint16(0, true);
    return new SrtSocket(id, family === 2 ? [...addr.subarray(4, 8)].join(".") : undefined);
  }

  /** The local port (a listener bound to port 0). */
  get port(): number {
    const addr = new Uint8Array(128);
    const len = int32(128);
    check(lib().srt_getsockname(this.id, addr, len), "srt_getsockname");
    return new DataView(addr.buffer).getUint16(2, false);
  }

  get state(): SrtState {
    return STATES[lib().srt_getsockstate(this.id) - 1] ?? "nonexist";
  }

  /** Sends one message; false when libsrt has no room for it now (it is dropped). */
  send(message: Uint8Array): boolean {
    if (message.length > SRT_MAX_MESSAGE) {
      throw new SrtError("an SRT message is at most 1316 bytes");
    }
    const rc = lib().srt_sendmsg(this.id, message, message.length, -1, 0);
    if (rc === SRT_ERROR) {
      if (errorCode() === EASYNCSND) return false;
      throw new SrtError(`srt_sendmsg: ${lastError()}`);
    }
    return true;
  }

  /** The next message into `buf`: its length, or 0 when none is waiting. */
  recv(buf: Uint8Array): number {
    const rc = lib().srt_recvmsg(this.id, buf, buf.length);
    if (rc === SRT_ERROR) {
      if (errorCode() === EASYNCRCV) return 0;
      throw new SrtError(`srt_recvmsg: ${lastError()}`);
    }
    return rc;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    lib().srt_close(this.id);
  }
}

function errorCode(): number {
  return lib().srt_getlasterror(new Uint8Array(4));
}

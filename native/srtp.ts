// SRTP (RFC 3711) with SDES keys (RFC 4568) through Debian's libsrtp2, by way of
// native/council_srtp.c (built by scripts/setup): one SrtpSession per direction of
// a leg. Packets are protected and unprotected in a buffer of this module's own,
// so a caller's datagram is never written past its end.

import { lazyLibrary, NativeHandle, NativeLibraryError } from "./_library.ts";

/** The interface version this binding expects (council_srtp_abi() in the C file). */
const ABI = 1;

const file = new URL("./build/libcouncil_srtp.so", import.meta.url);

const open = lazyLibrary(
  {
    purpose: "SRTP (native/council_srtp.c over libsrtp2)",
    files: [file.protocol === "file:" ? decodeURIComponent(file.pathname) : file.href],
    provider: "scripts/setup, which compiles it against the Debian package libsrtp2-dev",
  },
  {
    council_srtp_abi: { parameters: [], result: "i32" },
    council_srtp_trailer: { parameters: [], result: "i32" },
    council_srtp_init: { parameters: [], result: "i32" },
    council_srtp_create: { parameters: ["buffer", "i32", "i32", "buffer"], result: "pointer" },
    council_srtp_free: { parameters: ["pointer"], result: "void" },
    council_srtp_protect: { parameters: ["pointer", "buffer", "i32", "i32"], result: "i32" },
    council_srtp_unprotect: { parameters: ["pointer", "buffer", "i32"], result: "i32" },
    council_srtp_protect_rtcp: { parameters: ["pointer", "buffer", "i32", "i32"], result: "i32" },
    council_srtp_unprotect_rtcp: { parameters: ["pointer", "buffer", "i32"], result: "i32" },
  } as const,
);

let ready: ReturnType<typeof open> | undefined;

function lib(): ReturnType<typeof open> {
  if (ready) return ready;
  const s = open();
  if (s.council_srtp_abi() !== ABI) {
    throw new NativeLibraryError("native/build/libcouncil_srtp.so is stale; run scripts/setup");
  }
  const status = s.council_srtp_init();
  if (status !== 0) throw new NativeLibraryError(`srtp_init failed (libsrtp status ${status})`);
  return ready = s;
}

export function loadSrtp(): void {
  lib();
}

/** Crypto suites Council offers and accepts (RFC 4568 6.2), strongest tag first. */
export const SRTP_SUITES = ["AES_CM_128_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_32"] as const;
export type SrtpSuite = typeof SRTP_SUITES[number];

/** Master key (16 bytes) followed by master salt (14 bytes), as SDES carries it. */
export const SRTP_KEY_SALT_BYTES = 30;

/** libsrtp statuses worth naming (srtp_err_status_t). */
const STATUS: Record<number, string> = {
  2: "bad parameter",
  7: "authentication failed",
  9: "replayed packet",
  10: "packet too old (outside the replay window)",
};

export class SrtpError extends Error {
  override name = "SrtpError";
  constructor(message: string, readonly status?: number) {
    super(message);
  }
}

/** Why a packet was refused, or its plain length. */
export type Unprotected = { ok: true; packet: Uint8Array } | {
  ok: false;
  status: number;
  reason: string;
};

const MAX_PACKET = 1500;

export class SrtpSession {
  readonly #handle: NativeHandle;
  readonly #buf: Uint8Array;

  /** A session for one direction of one leg. */
  constructor(keySalt: Uint8Array, suite: SrtpSuite, readonly direction: "inbound" | "outbound") {
    if (keySalt.length !== SRTP_KEY_SALT_BYTES) {
      throw new SrtpError(`an SRTP key and salt are ${SRTP_KEY_SALT_BYTES} bytes`);
    }
    const s = lib();
    const err = new Int32Array(1);
    const ptr = s.council_srtp_create(
      keySalt,
      SRTP_SUITES.indexOf(suite),
      direction === "outbound" ? 1 : 0,
      err,
    );
    if (ptr === null) throw new SrtpError(`srtp_create failed (libsrtp status ${err[0]})`, err[0]);
    this.#handle = new NativeHandle(ptr, "srtp_create", (p) => s.council_srtp_free(p));
    this.#buf = new Uint8Array(MAX_PACKET + s.council_srtp_trailer());
  }

  /** SRTP for an outgoing RTP packet: a new array, the input untouched. */
  protectRtp(packet: Uint8Array): Uint8Array {
    return this.#protect(packet, false);
  }

  protectRtcp(packet: Uint8Array): Uint8Array {
    return this.#protect(packet, true);
  }

  /** The plain RTP packet, or why it was refused (forged, replayed, malformed). */
  unprotectRtp(packet: Uint8Array): Unprotected {
    return this.#unprotect(packet, false);
  }

  unprotectRtcp(packet: Uint8Array): Unprotected {
    return this.#unprotect(packet, true);
  }

  close(): void {
    this.#handle.close();
  }

  #protect(packet: Uint8Array, rtcp: boolean): Uint8Array {
    if (packet.length > MAX_PACKET) throw new SrtpError(`packet over ${MAX_PACKET} bytes`);
    const s = lib();
    this.#buf.set(packet);
    const n = rtcp
      ? s.council_srtp_protect_rtcp(this.#handle.live, this.#buf, packet.length, this.#buf.length)
      : s.council_srtp_protect(this.#handle.live, this.#buf, packet.length, this.#buf.length);
    if (n < 0) throw new SrtpError(`SRTP protect: ${STATUS[-n] ?? `status ${-n}`}`, -n);
    return this.#buf.slice(0, n);
  }

  #unprotect(packet: Uint8Array, rtcp: boolean): Unprotected {
    if (packet.length > this.#buf.length) {
      return { ok: false, status: 2, reason: `packet over ${MAX_PACKET} bytes` };
    }
    const s = lib();
    this.#buf.set(packet);
    const n = rtcp
      ? s.council_srtp_unprotect_rtcp(this.#handle.live, this.#buf, packet.length)
      : s.council_srtp_unprotect(this.#handle.live, this.#buf, packet.length);
    if (n < 0) return { ok: false, status: -n, reason: STATUS[-n] ?? `libsrtp status ${-n}` };
    return { ok: true, packet: this.#buf.slice(0, n) };
  }
}

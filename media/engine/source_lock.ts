// Which datagrams a leg takes as its peer's media, and where it sends its own: the
// rule that keeps a stranger's packets from taking a call (issue 22 item 2) and
// sends media to the address signalling announced (issue 23 item 3).
//
// - The trust anchor is the address signalling announced (SDP c=/m=, the H.245
//   mediaChannel, the WebRTC bridge's PlainTransport): its host was vouched for by
//   an authenticated signalling exchange.
// - RTP is accepted from that host only. The source port is locked on the first
//   packet of the agreed stream and never changes again: phones that send from the
//   port they announced lock on it, and terminals that send from another socket
//   (ooh323c: announced :5000, sends from an ephemeral port) lock on theirs. A
//   second socket on that host, or any other host, is rejected and counted.
// - RTCP is accepted from the same host, its port locked on the first report.
// - Media always goes to the announced address, never to where packets come from.
// - With the "first-packets" policy (media.latching, for phones behind NAT whose
//   announced address is private), the first packet of the agreed stream from any
//   host within LATCH_WINDOW_MS of media being signalled locks the leg instead, and
//   Council sends back to that source when its host differs from the announced one
//   (RFC 4961 symmetric RTP). Still locked once: there is no re-latch, ever.

import type { RemoteAddress } from "./protocol.ts";

/** How a leg may learn its peer's source from packets (config `media.latching`). */
export type LatchPolicy = "off" | "first-packets";
export const LATCH_POLICIES: readonly LatchPolicy[] = ["off", "first-packets"];

/** How long after media is signalled the "first-packets" policy may latch. */
export const LATCH_WINDOW_MS = 5_000;

/** The locked source of a leg's RTP: kept across failover with the leg's spec. */
export interface SourceLockState {
  readonly address: string;
  readonly port: number;
  /** SSRC of the stream the lock was taken on. */
  readonly ssrc: number;
  /** Taken by the latching policy from a host other than the announced one: send there. */
  readonly latched: boolean;
  /** Source port of the peer's RTCP, once it sent some. */
  readonly rtcpPort?: number;
}

function same(a: RemoteAddress | undefined, b: RemoteAddress | undefined): boolean {
  return a !== undefined && b !== undefined && a.port === b.port && a.address === b.address;
}

export class SourceLock {
  #signalled?: RemoteAddress;
  #lock?: SourceLockState;
  #armedAt: number;

  constructor(
    signalled: RemoteAddress | undefined,
    readonly policy: LatchPolicy,
    nowMs: number,
    restored?: SourceLockState,
  ) {
    this.#signalled = signalled && { address: signalled.address, port: signalled.port };
    this.#armedAt = nowMs;
    // A lock carried over a failover stands only for the address it was taken under.
    if (restored && (restored.latched || restored.address === signalled?.address)) {
      this.#lock = { ...restored };
    }
  }

  /** The address signalling announced, if any. */
  get signalled(): RemoteAddress | undefined {
    return this.#signalled;
  }

  get state(): SourceLockState | undefined {
    return this.#lock;
  }

  /** Where RTP goes: the announced address, or the latched source under the policy. */
  get sendTo(): RemoteAddress | undefined {
    const lock = this.#lock;
    return lock?.latched ? { address: lock.address, port: lock.port } : this.#signalled;
  }

  /** Where RTCP goes: the announced address's RTCP port (or the latched peer's). */
  rtcpTo(mux: boolean): RemoteAddress | undefined {
    const lock = this.#lock;
    if (lock?.latched) {
      return { address: lock.address, port: mux ? lock.port : lock.rtcpPort ?? lock.port + 1 };
    }
    const s = this.#signalled;
    if (!s) return undefined;
    return mux ? s : { address: s.address, port: s.port + 1 };
  }

  /**
   * Signalling announced a (new) address: a different one drops the lock and opens a
   * new window; the same one (a re-INVITE that kept it) keeps it.
   */
  signal(remote: RemoteAddress, nowMs: number): void {
    if (same(this.#signalled, remote)) return;
    this.#signalled = { address: remote.address, port: remote.port };
    this.#lock = undefined;
    this.#armedAt = nowMs;
  }

  /** Whether an RTP datagram from `from` may be this leg's media. One compare once locked. */
  admitsRtp(from: RemoteAddress, nowMs: number): boolean {
    const lock = this.#lock;
    if (lock) return from.port === lock.port && from.address === lock.address;
    if (this.#signalled && from.address === this.#signalled.address) return true;
    return this.policy === "first-packets" && nowMs - this.#armedAt <= LATCH_WINDOW_MS;
  }

  /**
   * Locks on the source of the first packet of the agreed stream (the caller checked
   * admitsRtp and the payload type). Returns the new lock, or undefined when it was
   * locked already.
   */
  lock(from: RemoteAddress, ssrc: number): SourceLockState | undefined {
    if (this.#lock) return undefined;
    // Copies: `from` may be a view over a reused receive buffer.
    this.#lock = {
      address: from.address,
      port: from.port,
      ssrc,
      latched: from.address !== this.#signalled?.address,
    };
    return this.#lock;
  }

  /** Whether an RTCP datagram from `from` is the peer's; the first one locks its port. */
  admitsRtcp(from: RemoteAddress): boolean {
    const host = this.#lock?.address ?? this.#signalled?.address;
    if (host === undefined || from.address !== host) return false;
    const lock = this.#lock;
    if (!lock) return true;
    if (lock.rtcpPort === undefined) {
      this.#lock = { ...lock, rtcpPort: from.port };
      return true;
    }
    return lock.rtcpPort === from.port;
  }
}

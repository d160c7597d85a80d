// The RAS channel (H.225.0 clause 7) on UDP: decodes each datagram, answers it
// through the Gatekeeper, and answers a retransmitted request (the same bytes from
// the same source) with the same bytes instead of deciding twice: a retransmitted
// ARQ must not be refused as a replayed admission request. A registration's end
// (URQ, expiry) forgets the RRQ answers remembered for its address, so a terminal
// that restarts and sends the same RRQ again is registered anew, not answered
// with the dead registration's RCF. Each source address is rate limited before
// anything is decoded.

import { createHash } from "node:crypto";
import { Gauge, type Registry } from "prom-client";
import { KeyedLimiter } from "../../../guard/mod.ts";
import type { Subsystem } from "../../../lifecycle/mod.ts";
import type { Logger } from "../../../telemetry/log.ts";
import { UdpSocket } from "../../net/udp_socket.ts";
import { PerError } from "../asn1/per.ts";
import type { HostPort } from "../h225/address.ts";
import { decodeRas, encodeRas, type RasValue } from "../h225/mod.ts";
import type { Endpoints } from "./endpoints.ts";
import type { Gatekeeper } from "./gatekeeper.ts";

export interface RasServerOptions {
  host: string;
  port: number;
  log: Logger;
  metrics?: Registry;
  /** Send RequestInProgress when a decision takes longer than this (H.225.0 7.18). */
  ripAfterMs?: number;
  /** How long answers are kept for retransmitted requests. */
  replayMs?: number;
  /** Datagrams per second taken from one source address (burst twice that). */
  perSourcePerSec?: number;
}

const MAX_REMEMBERED = 100_000;

export class RasServer implements Subsystem {
  readonly name = "h323-ras";
  readonly counters = { received: 0, invalid: 0, answered: 0, retransmissions: 0, limited: 0 };
  #answers = new Map<string, { at: number; bytes?: Uint8Array }>();
  /** Remembered RRQ answers by source "host:port", forgotten when a registration ends. */
  #rrqAnswers = new Map<string, Set<string>>();
  #sources: KeyedLimiter;
  #closing = false;
  #inFlight = new Set<Promise<void>>();
  /** Requests being decided, by key: who asked, when, and whether RIP went out. */
  #deciding = new Map<string, { seq: number; from: HostPort; at: number; rip: boolean }>();
  #sweeper: ReturnType<typeof setInterval>;
  #ripSweeper: ReturnType<typeof setInterval>;

  private constructor(
    private readonly o: RasServerOptions,
    readonly gatekeeper: Gatekeeper,
    readonly endpoints: Endpoints,
    private readonly socket: UdpSocket,
  ) {
    const perSecond = o.perSourcePerSec ?? 2000;
    this.#sources = new KeyedLimiter({ perSecond, burst: 2 * perSecond, maxKeys: 50_000 });
    gatekeeper.onUnregistered = (e) => {
      for (const a of [e.ras, e.source]) if (a) this.#forgetRegistration(`${a.host}:${a.port}`);
    };
    this.#sweeper = setInterval(() => this.#forget(), 5_000);
    // One timer for every request (a timer per ARQ cost ~8 us of the main thread).
    const ripAfter = o.ripAfterMs ?? 1000;
    this.#ripSweeper = setInterval(() => this.#inProgress(ripAfter), Math.min(250, ripAfter / 4));
  }

  /** Binds the socket, then builds the gatekeeper with the port actually bound. */
  static async start(
    o: RasServerOptions,
    gatekeeperFor: (rasPort: number) => Gatekeeper,
    endpoints: Endpoints,
  ): Promise<RasServer> {
    const box: { server?: RasServer } = {};
    const socket = await UdpSocket.bind(
      { host: o.host, port: o.port, name: "h323-ras" },
      (data, address, port) => box.server && box.server.#datagram(data, { host: address, port }),
    );
    box.server = new RasServer(o, gatekeeperFor(socket.port), endpoints, socket);
    box.server.#metrics();
    return box.server;
  }

  get port(): number {
    return this.socket.port;
  }

  ready(): boolean {
    return !this.#closing;
  }

  async close(): Promise<void> {
    this.#closing = true;
    clearInterval(this.#sweeper);
    clearInterval(this.#ripSweeper);
    await Promise.allSettled([...this.#inFlight]);
    // Counts of refusals still pending are witnessed before the log closes.
    await this.gatekeeper.o?.ledger.close();
    this.endpoints.close();
    await this.socket.close();
  }

  /** Sends a RAS message Council originates (URQ, DRQ, IRQ) to an endpoint. */
  send(message: RasValue, to: { host: string; port: number }): void {
    this.socket.send(encodeRas(message), to.host, to.port);
  }

  #datagram(data: Uint8Array, from: HostPort): void {
    if (this.#closing) return;
    this.counters.received++;
    // Before decoding, hashing or deciding: a flood from one address costs a lookup.
    if (!this.#sources.take(from.host).ok) {
      this.counters.limited++;
      return;
    }
    let message: RasValue;
    try {
      message = decodeRas(data);
    } catch (err) {
      // Undecodable RAS has no sequence number to answer with (7.15): dropped, counted.
      this.counters.invalid++;
      if (!(err instanceof PerError)) this.o.log.warn("RAS decoder failed", { err });
      else this.o.log.debug("invalid RAS message", { from: from.host, reason: err.message });
      return;
    }
    const [kind] = Object.keys(message);
    const seq = (message[kind] as { requestSeqNum?: unknown })?.requestSeqNum;
    // The bytes, not just the sequence number: a different request is never a retransmission.
    const source = `${from.host}:${from.port}`;
    const key = `${source}:${kind}:${seq}:${createHash("sha1").update(data).digest("base64")}`;
    const known = this.#answers.get(key);
    if (known) {
      this.counters.retransmissions++;
      if (known.bytes) this.socket.send(known.bytes, from.host, from.port);
      return; // still deciding: the answer goes out when it is ready
    }
    const entry: { at: number; bytes?: Uint8Array } = { at: Date.now() };
    if (this.#answers.size >= MAX_REMEMBERED) {
      this.#answers.delete(this.#answers.keys().next().value!);
    }
    this.#answers.set(key, entry);
    if (kind === "registrationRequest") {
      const keys = this.#rrqAnswers.get(source) ?? new Set();
      this.#rrqAnswers.set(source, keys.add(key));
    }
    if (typeof seq === "number") this.#deciding.set(key, { seq, from, at: entry.at, rip: false });
    const p = this.#answer(message, data, kind, from, key, entry).finally(() => {
      this.#deciding.delete(key);
      this.#inFlight.delete(p);
    });
    this.#inFlight.add(p);
  }

  /** H.225.0 7.18: a request still undecided after `after` ms gets one RequestInProgress. */
  #inProgress(after: number): void {
    const due = Date.now() - after;
    for (const d of this.#deciding.values()) {
      if (d.at > due) break; // insertion order is time order
      if (d.rip) continue;
      d.rip = true;
      this.socket.send(
        encodeRas({ requestInProgress: { requestSeqNum: d.seq, delay: 10_000 } }),
        d.from.host,
        d.from.port,
      );
    }
  }

  async #answer(
    message: RasValue,
    raw: Uint8Array,
    kind: string,
    from: HostPort,
    key: string,
    entry: { at: number; bytes?: Uint8Array },
  ): Promise<void> {
    try {
      const answer = await this.gatekeeper.handle(message, from, raw);
      if (!answer) return;
      const bytes = this.gatekeeper.encode?.(answer) ?? encodeRas(answer);
      entry.bytes = bytes;
      this.counters.answered++;
      this.socket.send(bytes, from.host, from.port);
    } catch (err) {
      this.o.log.error("RAS handling failed", { err, kind });
      this.#answers.delete(key); // a retransmission may try again
    }
  }

  #forget(): void {
    const oldest = Date.now() - (this.o.replayMs ?? 30_000);
    for (const [key, e] of this.#answers) {
      if (e.at >= oldest) break; // insertion order is time order
      this.#answers.delete(key);
    }
    for (const [source, keys] of this.#rrqAnswers) {
      for (const k of keys) if (!this.#answers.has(k)) keys.delete(k);
      if (keys.size === 0) this.#rrqAnswers.delete(source);
    }
  }

  /** A registration ended: its RRQs are new requests again (issue 23, item 2). */
  #forgetRegistration(source: string): void {
    for (const k of this.#rrqAnswers.get(source) ?? []) this.#answers.delete(k);
    this.#rrqAnswers.delete(source);
  }

  #metrics(): void {
    const registers = this.o.metrics ? [this.o.metrics] : [];
    if (!registers.length) return;
    const { counters, endpoints } = this;
    const gauge = (name: string, help: string, value: () => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(value());
        },
      });
    gauge("council_h323_endpoints", "Registered H.323 endpoints.", () => endpoints.size);
    gauge("council_h323_ras_received", "RAS datagrams received.", () => counters.received);
    gauge(
      "council_h323_ras_invalid",
      "RAS datagrams that could not be decoded.",
      () => counters.invalid,
    );
    gauge(
      "council_h323_ras_limited",
      "RAS datagrams dropped by the per-source or per-identity rate limits.",
      () => counters.limited + this.gatekeeper.counters.limited,
    );
    gauge(
      "council_h323_ras_security_denials",
      "RAS requests refused for missing or wrong proof (securityDenial).",
      () => this.gatekeeper.counters.denied,
    );
    gauge(
      "council_h323_ras_retransmissions",
      "Retransmitted RAS requests answered from memory.",
      () => counters.retransmissions,
    );
  }
}

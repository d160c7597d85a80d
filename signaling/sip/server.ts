// The SIP server: transport -> transactions -> the UAS core checks of RFC 3261
// section 8.2 (method, URI scheme, Require, Content-Type, Accept) -> registrar,
// OPTIONS, or calls. Invalid requests are answered with the parser's status when
// there is enough of them to answer, and dropped otherwise.

import {
  type Guard,
  type GuardianRegistry,
  type PolicyStore,
  RejectLedger,
} from "../../guard/mod.ts";
import type { Subsystem } from "../../lifecycle/mod.ts";
import type { Gateway, Rooms } from "../../rooms/mod.ts";
import type { Store } from "../../store/mod.ts";
import { Counter, Gauge, type Logger, type Registry } from "../../telemetry/mod.ts";
import type { WitnessLog } from "../../witness/mod.ts";
import { type DigestAlgorithm, DigestAuthenticator } from "./digest.ts";
import { CallError, Calls } from "./calls.ts";
import { sipGatewayStack } from "./gateway_leg.ts";
import { clip, isSipUri, parseUri } from "./grammar.ts";
import {
  ALLOW,
  responseTo,
  type SipMessage,
  type SipRequest,
  type SipResponse,
  tagOf,
  toOf,
} from "./message.ts";
import { type ParseLimits, SipParseError } from "./parser.ts";
import { DEFAULT_REGISTRAR, Registrar, type RegistrarOptions } from "./registrar.ts";
import {
  DEFAULT_TIMERS,
  newTag,
  type ServerTransaction,
  type Timers,
  TransactionLayer,
} from "./transactions.ts";
import { type Peer, SipTransport } from "./transport.ts";

const KNOWN = new Set([
  ...ALLOW,
  "PRACK",
  "SUBSCRIBE",
  "NOTIFY",
  "PUBLISH",
  "MESSAGE",
  "REFER",
  "UPDATE",
]);
/** Option tags Council supports (Require values it can honour). */
const SUPPORTED = new Set(["replaces"]);

export interface SipServerOptions {
  host: string;
  port: number;
  udp: boolean;
  tcp: boolean;
  /** SIP over TLS on its own port with this identity (tls_identity.ts); absent: no TLS. */
  tls?: { port: number; cert: string; key: string };
  realm: string;
  digestAlgorithms?: DigestAlgorithm[];
  media: "mix" | "none";
  timers?: Timers;
  limits?: ParseLimits;
  registrar?: RegistrarOptions;
  /** Digest limits from the config keys sip.authPerSourcePerSec and sip.lockout*. */
  auth?: SipAuthLimits;
  guard: Guard;
  rooms: Rooms;
  /** Calls to names that are not rooms go through it (SIP <-> H.323). */
  gateway?: Gateway;
  policies: PolicyStore;
  registry: GuardianRegistry;
  store: Store;
  witness: WitnessLog;
  log: Logger;
  metrics?: Registry;
}

export interface SipAuthLimits {
  authPerSourcePerSec: number;
  lockoutFailures: number;
  lockoutMs: number;
  lockoutMaxMs: number;
}

function registrarOptions(o: SipServerOptions): RegistrarOptions {
  const base = o.registrar ?? DEFAULT_REGISTRAR;
  if (!o.auth) return base;
  return {
    ...base,
    perSource: { perSecond: o.auth.authPerSourcePerSec, burst: 2 * o.auth.authPerSourcePerSec },
    lockout: {
      failures: o.auth.lockoutFailures,
      lockMs: o.auth.lockoutMs,
      maxLockMs: Math.max(o.auth.lockoutMs, o.auth.lockoutMaxMs),
    },
  };
}

export class SipServer implements Subsystem {
  readonly name = "sip";
  readonly transport: SipTransport;
  readonly transactions: TransactionLayer;
  readonly registrar: Registrar;
  readonly calls: Calls;
  #closing = false;
  #metrics;
  /** Failed, throttled and locked-out digest attempts, witnessed as counted entries. */
  readonly #rejects: RejectLedger;

  private constructor(private readonly o: SipServerOptions, transport: SipTransport) {
    this.transport = transport;
    this.#metrics = sipMetrics(o.metrics, this);
    this.transactions = new TransactionLayer(
      (bytes, to) => this.transport.send(bytes, to),
      o.timers ?? DEFAULT_TIMERS,
    );
    const digest = new DigestAuthenticator({ realm: o.realm, algorithms: o.digestAlgorithms });
    this.#rejects = new RejectLedger({ witness: o.witness, log: o.log });
    this.registrar = new Registrar(
      o.store,
      o.registry,
      digest,
      o.witness,
      registrarOptions(o),
      this.#rejects,
      o.log,
    );
    this.calls = new Calls({
      guard: o.guard,
      rooms: o.rooms,
      policies: o.policies,
      registrar: this.registrar,
      witness: o.witness,
      transactions: this.transactions,
      local: (transport) => ({
        host: o.host,
        port: transport === "TLS"
          ? this.transport.tlsPort ?? this.transport.port
          : this.transport.port,
      }),
      log: o.log,
      media: o.media,
      gateway: o.gateway,
    });
    o.gateway?.register(sipGatewayStack(this.calls, this.registrar));
  }

  static async start(o: SipServerOptions): Promise<SipServer> {
    // Messages arrive only on later turns of the event loop, after `box.server` is set.
    const box: { server?: SipServer } = {};
    const transport = await SipTransport.listen(
      { host: o.host, port: o.port, udp: o.udp, tcp: o.tcp, tls: o.tls, limits: o.limits },
      {
        message: (m, from) => box.server && box.server.#receive(m, from),
        invalid: (e, from) => box.server && box.server.#invalid(e, from),
        error: (err) => o.log.error("SIP handler failed", { err }),
      },
    );
    return box.server = new SipServer(o, transport);
  }

  get port(): number {
    return this.transport.port;
  }

  #receive(m: SipMessage, from: Peer): void {
    if (this.#closing) return;
    if (m.kind === "response") {
      this.#metrics?.messages.inc({ kind: "response", method: "" });
      // Unmatched responses (bcast, stray 2xx) are dropped (RFC 3261 17.1.3, 18.1.2).
      this.transactions.response(m);
      return;
    }
    this.#metrics?.messages.inc({
      kind: "request",
      method: KNOWN.has(m.method) ? m.method : "other",
    });
    this.#request(m, from).catch((err) => {
      this.o.log.error("request handling failed", { err, method: m.method });
    });
  }

  async #request(req: SipRequest, from: Peer): Promise<void> {
    if (req.method === "ACK") {
      if (!this.transactions.absorbAck(req)) this.calls.ack(req);
      return;
    }
    if (req.method === "CANCEL") return this.#cancel(req, from);
    const tx = this.transactions.receive(req, from);
    if (!tx) return; // a retransmission, answered by the transaction
    try {
      await this.#dispatch(tx, from);
    } catch (err) {
      this.o.log.error("SIP request failed", { err, method: req.method });
      if (!tx.finalSent) tx.respond(responseTo(req, 500, { toTag: tx.toTag }));
    }
  }

  async #dispatch(tx: ServerTransaction, from: Peer): Promise<void> {
    const req = tx.request;
    const toTag = tx.toTag;
    const reply = (status: number, headers: [string, string][] = [], reason?: string) =>
      tx.respond(responseTo(req, status, { toTag, headers, reason }));
    if (req.method === "INVITE") tx.respond(responseTo(req, 100));

    // RFC 3261 8.2.1: the method.
    if (!ALLOW.includes(req.method)) {
      return reply(KNOWN.has(req.method) ? 405 : 501, [["allow", ALLOW.join(", ")]]);
    }
    // 8.2.2.1: the Request-URI scheme.
    if (!isSipUri(req.uri)) return reply(416);
    // 8.2.2.3: Require.
    const unsupported = req.headers.all("require").filter((t) => !SUPPORTED.has(t.toLowerCase()));
    if (unsupported.length > 0) return reply(420, [["unsupported", unsupported.join(", ")]]);
    // 8.2.3: content we can read, and an answer the client accepts.
    if (req.body.length > 0 || req.headers.has("content-type")) {
      const type = (req.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
      const readable = req.method === "INFO" || type === "application/sdp";
      const encoding = req.headers.get("content-encoding");
      if (!readable || (encoding && encoding.toLowerCase() !== "identity")) {
        return reply(415, [["accept", "application/sdp"], ["accept-encoding", "identity"]]);
      }
    }
    if (req.method === "INVITE" || req.method === "OPTIONS") {
      const accept = req.headers.all("accept").map((a) => a.split(";")[0].trim().toLowerCase());
      if (
        req.headers.has("accept") &&
        !accept.some((a) => a === "application/sdp" || a === "application/*" || a === "*/*")
      ) {
        return reply(406, [["accept", "application/sdp"]]);
      }
    }

    if (tagOf(toOf(req)) !== undefined && req.method !== "REGISTER") {
      return await this.calls.inDialog(tx, from);
    }
    switch (req.method) {
      case "OPTIONS":
        return reply(200, [
          ["allow", ALLOW.join(", ")],
          ["accept", "application/sdp"],
          ["supported", [...SUPPORTED].join(", ")],
        ]);
      case "REGISTER":
        // Rate limits per source and per claimed name are the registrar's (authenticate()).
        return tx.respond(await this.registrar.handle(req, from, toTag));
      case "INVITE":
        return await this.calls.invite(tx, from);
      default:
        return reply(481);
    }
  }

  /**
   * Calls a guardian into a room: at `target` (a SIP URI with an IP address) or at
   * its first live registration (where that REGISTER came from). Resolves with the
   * leg id once the call is answered.
   */
  async callGuardian(o: { room: string; guardianId: string; target?: string }): Promise<string> {
    if (o.target !== undefined) {
      let uri;
      try {
        uri = parseUri(o.target);
      } catch (err) {
        throw new CallError(`target: ${(err as Error).message}`, 400);
      }
      if (!isSipUri(uri) || !/^\d{1,3}(\.\d{1,3}){3}$/.test(uri.host)) {
        throw new CallError("target: expected sip:<user>@<IPv4>[:port] (no DNS here)", 400);
      }
      const to: Peer = { transport: "UDP", address: uri.host, port: uri.port ?? 5060 };
      return await this.calls.dial({ ...o, to, target: o.target });
    }
    const binding = (await this.registrar.bindings(o.guardianId))[0];
    if (!binding) throw new CallError(`${o.guardianId} has no SIP registration`, 404);
    return await this.calls.dial({ ...o, to: binding.source, target: binding.contact });
  }

  /** CANCEL (RFC 3261 9.2): 200 to the CANCEL, 487 to the INVITE if still pending. */
  #cancel(req: SipRequest, from: Peer): void {
    const tx = this.transactions.receive(req, from);
    if (!tx) return;
    const invite = this.transactions.inviteFor(req);
    if (!invite) return tx.respond(responseTo(req, 481, { toTag: tx.toTag }));
    tx.respond(responseTo(req, 200, { toTag: invite.toTag }));
    if (!invite.finalSent) {
      invite.cancelled = true;
      invite.respond(responseTo(invite.request, 487, { toTag: invite.toTag }));
      invite.onCancel?.();
    }
  }

  /** A message the parser refused: answer requests we can answer (RFC 4475). */
  #invalid(err: SipParseError, from: Peer): void {
    this.#metrics?.invalid.inc({ status: String(err.status) });
    this.o.log.debug("invalid SIP message", { reason: err.message, from: from.address });
    const h = err.headers;
    if (!err.isRequest || !h) return;
    // Without a Via there is no transaction to answer (RFC 4475 3.3.1 still wants a
    // 400 when only To/From/Call-ID are missing: those are copied when present).
    if (!h.has("via")) return;
    const res: SipResponse = responseTo({ headers: h }, err.status, {
      toTag: newTag(),
      reason: err.status === 400 ? "Bad Request" : undefined,
      headers: [["warning", `399 council ${clip(err.message, 120)}`]],
    });
    // The Via may be what was wrong, so answer the address the bytes came from.
    this.transport.send(res, from).catch(() => {});
  }

  ready(): boolean {
    return !this.#closing;
  }

  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    await this.calls.close();
    this.transactions.close();
    await this.transport.close();
    await this.registrar.close();
    await this.#rejects.close();
  }
}

function sipMetrics(registry: Registry | undefined, server: SipServer) {
  if (!registry) return undefined;
  const registers = [registry];
  new Gauge({
    name: "council_sip_calls",
    help: "SIP calls in progress.",
    registers,
    collect() {
      this.set(server.calls.count);
    },
  });
  new Gauge({
    name: "council_sip_tcp_connections",
    help: "Open SIP TCP connections.",
    registers,
    collect() {
      this.set(server.transport.connectionCount);
    },
  });
  new Gauge({
    name: "council_sip_retransmissions",
    help: "Requests and responses Council retransmitted (RFC 3261 timers A, E, G, 2xx).",
    registers,
    collect() {
      this.set(server.transactions.stats.retransmissions);
    },
  });
  new Gauge({
    name: "council_sip_udp_dropped",
    help: "Datagrams dropped because the main thread fell behind the receive queue (16 MB).",
    registers,
    collect() {
      this.set(server.transport.udpDropped);
    },
  });
  new Gauge({
    name: "council_sip_auth",
    help:
      "Digest authentication outcomes since start: failures, lockouts, requests refused while locked, rate limited per source, passwords checked.",
    labelNames: ["outcome"],
    registers,
    collect() {
      const c = server.registrar.counters;
      this.set({ outcome: "failure" }, c.authFailures);
      this.set({ outcome: "lockout" }, c.lockouts);
      this.set({ outcome: "locked" }, c.locked);
      this.set({ outcome: "rate_limited" }, c.rateLimited);
      this.set({ outcome: "password_checked" }, c.passwordChecks);
    },
  });
  return {
    messages: new Counter({
      name: "council_sip_messages_total",
      help: "SIP messages received, by kind and method.",
      labelNames: ["kind", "method"],
      registers,
    }),
    invalid: new Counter({
      name: "council_sip_invalid_total",
      help: "SIP messages refused by the parser, by the status they earned.",
      labelNames: ["status"],
      registers,
    }),
  };
}

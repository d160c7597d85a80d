// The transaction layer (RFC 3261 section 17, with RFC 6026's Accepted state):
// server and client transactions for INVITE and non-INVITE requests, matched by
// branch (17.2.3, with the RFC 2543 fallback), retransmissions on timers A, E and
// G over UDP, timeouts B, F and H, and absorption timers D, I, J, K.

import { formatVia, parseVia, type Via } from "./grammar.ts";
import {
  callIdOf,
  cseqOf,
  fromOf,
  Headers,
  serialize,
  type SipRequest,
  type SipResponse,
  tagOf,
  toOf,
} from "./message.ts";
import type { Peer } from "./transport.ts";

export interface Timers {
  /** RTT estimate, 500 ms by default (RFC 3261 17.1.1.1). */
  t1: number;
  /** Longest retransmit interval for non-INVITE requests and INVITE responses. */
  t2: number;
  /** Longest time a message stays in the network. */
  t4: number;
}

export const DEFAULT_TIMERS: Timers = { t1: 500, t2: 4000, t4: 5000 };

export type Send = (bytes: Uint8Array, to: Peer) => Promise<void>;

export const MAGIC_COOKIE = "z9hG4bK";

export function newBranch(): string {
  return MAGIC_COOKIE + crypto.randomUUID().replaceAll("-", "").slice(0, 20);
}

export function newTag(): string {
  return crypto.randomUUID().replaceAll("-", "").slice(0, 12);
}

/** The key of the server transaction a request belongs to (17.2.3). */
export function serverKey(req: SipRequest, via: Via): string {
  const method = req.method === "ACK" ? "INVITE" : req.method;
  const branch = via.params.get("branch");
  const sentBy = `${via.host}:${via.port ?? 5060}`;
  if (branch && branch.startsWith(MAGIC_COOKIE) && branch.length > MAGIC_COOKIE.length) {
    return `${branch}|${sentBy}|${method}`;
  }
  // RFC 2543 peers: Request-URI, tags, Call-ID, CSeq number and top Via identify it.
  const toTag = req.method === "ACK" ? "" : tagOf(toOf(req)) ?? "";
  return [
    "2543",
    req.uriText,
    toTag,
    tagOf(fromOf(req)) ?? "",
    callIdOf(req),
    cseqOf(req).seq,
    formatVia({ ...via, params: new Map() }),
    method,
  ].join("|");
}

/**
 * Where responses to a request go: back to the source address and port, as RFC 3581
 * section 4 says for rport, and for every UDP request ("force_rport" as Kamailio
 * and Asterisk call it): the sent-by port of a phone behind NAT is unreachable.
 */
function responsePeer(_via: Via, from: Peer): Peer {
  if (from.transport !== "UDP") return from;
  return { transport: "UDP", address: from.address, port: from.port };
}

/** Adds received and rport to the top Via as RFC 3261 18.2.1 and RFC 3581 say. */
function stampVia(req: SipRequest, via: Via, from: Peer): void {
  const params = new Map(via.params);
  if (via.host !== from.address || params.has("rport")) params.set("received", from.address);
  if (params.has("rport")) params.set("rport", String(from.port));
  const list = req.headers.list;
  const i = list.findIndex((h) => h.name === "via");
  const rest = list[i].value.slice(req.headers.all("via")[0].length);
  // The first value of a comma list is replaced, the rest kept as written.
  list[i] = { name: "via", value: formatVia({ ...via, params }) + rest.replace(/^\s*/, "") };
}

type ServerState = "proceeding" | "completed" | "confirmed" | "accepted" | "terminated";

export class ServerTransaction {
  state: ServerState = "proceeding";
  #last?: Uint8Array;
  #timers: ReturnType<typeof setTimeout>[] = [];
  readonly invite: boolean;
  /** The To tag of this transaction's responses: one, so a CANCEL's 200 and the
   * INVITE's 487 carry the tag the INVITE's other responses do (RFC 3261 9.2). */
  get toTag(): string {
    return this.#toTag ??= newTag();
  }
  #toTag?: string;
  /** Set when a CANCEL for this INVITE arrived. */
  cancelled = false;
  /** Told when a CANCEL for this INVITE arrives (after the 487 went out). */
  onCancel?: () => void;
  /** Called once when the transaction ends (its final response was not acknowledged in time, etc). */
  onTimeout?: () => void;

  constructor(
    readonly key: string,
    readonly request: SipRequest,
    readonly peer: Peer,
    private readonly layer: TransactionLayer,
  ) {
    this.invite = request.method === "INVITE";
  }

  get finalSent(): boolean {
    return this.state !== "proceeding";
  }

  /** Sends a response; finals move the state machine (17.2.1, 17.2.2). */
  respond(res: SipResponse): void {
    if (this.state !== "proceeding") return;
    const bytes = serialize(res);
    this.#last = bytes;
    this.layer.transmit(bytes, this.peer);
    if (res.status < 200) return;
    const { t1, t2 } = this.layer.timers;
    const udp = this.peer.transport === "UDP";
    if (this.invite && res.status < 300) {
      // RFC 6026: absorb INVITE retransmissions for 64*T1; the 2xx is the dialog's to resend.
      this.state = "accepted";
      this.#after(64 * t1, () => this.#end());
    } else if (this.invite) {
      this.state = "completed";
      if (udp) this.#retransmit(t1, t2);
      this.#after(64 * t1, () => {
        this.onTimeout?.();
        this.#end();
      });
    } else {
      this.state = "completed";
      this.#after(udp ? 64 * t1 : 0, () => this.#end());
    }
  }

  /** A retransmitted request: the last response goes again (17.2.1, 17.2.2). */
  retransmitted(): void {
    if (this.#last && this.state !== "accepted") this.layer.transmit(this.#last, this.peer);
  }

  /** The ACK for a non-2xx final response. */
  acked(): void {
    if (this.state !== "completed" || !this.invite) return;
    this.state = "confirmed";
    this.#clear();
    const udp = this.peer.transport === "UDP";
    this.#after(udp ? this.layer.timers.t4 : 0, () => this.#end());
  }

  #retransmit(interval: number, cap: number): void {
    this.#after(interval, () => {
      if (this.state !== "completed" || !this.#last) return;
      this.layer.transmit(this.#last, this.peer);
      this.layer.stats.retransmissions++;
      this.#retransmit(Math.min(interval * 2, cap), cap);
    });
  }

  #after(ms: number, fn: () => void): void {
    this.#timers.push(setTimeout(fn, ms));
  }

  #clear(): void {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers = [];
  }

  #end(): void {
    this.#clear();
    this.state = "terminated";
    this.layer.forget(this);
  }

  /** Ends now (shutdown). */
  terminate(): void {
    this.#end();
  }
}

export interface ClientOptions {
  /** Each provisional response as it arrives. */
  provisional?: (res: SipResponse) => void;
}

class ClientTransaction {
  #timers: ReturnType<typeof setTimeout>[] = [];
  #done = false;
  #ack?: Uint8Array;
  state: "calling" | "proceeding" | "completed" | "terminated" = "calling";
  readonly result: Promise<SipResponse>;
  #resolve!: (r: SipResponse) => void;

  constructor(
    readonly key: string,
    readonly request: SipRequest,
    readonly peer: Peer,
    private readonly layer: TransactionLayer,
    private readonly opts: ClientOptions,
  ) {
    this.result = new Promise((r) => this.#resolve = r);
  }

  start(): void {
    const bytes = serialize(this.request);
    this.layer.transmit(bytes, this.peer);
    const { t1, t2 } = this.layer.timers;
    const invite = this.request.method === "INVITE";
    if (this.peer.transport === "UDP") this.#retransmit(bytes, t1, invite ? Infinity : t2);
    this.#after(64 * t1, () => this.#finish(timeoutResponse(this.request)));
  }

  response(res: SipResponse): void {
    const invite = this.request.method === "INVITE";
    if (res.status < 200) {
      if (this.state === "calling") {
        this.state = "proceeding";
        // Timer A stops on a provisional; non-INVITE keeps E at T2 (17.1.2.2).
        if (invite) this.#clearRetransmit();
      }
      this.opts.provisional?.(res);
      return;
    }
    if (this.state === "completed") {
      // A retransmitted final: ACK it again (17.1.1.2).
      if (this.#ack) this.layer.transmit(this.#ack, this.peer);
      return;
    }
    if (invite && res.status >= 300) {
      this.#ack = serialize(ackFor(this.request, res));
      this.layer.transmit(this.#ack, this.peer);
    }
    this.#finish(res);
  }

  #finish(res: SipResponse): void {
    if (this.#done) return;
    this.#done = true;
    this.#clear();
    this.state = "completed";
    this.#resolve(res);
    const udp = this.peer.transport === "UDP";
    const invite = this.request.method === "INVITE";
    // Timers D (32 s) and K (T4) absorb retransmitted finals; 2xx go to the dialog.
    const linger = !udp ? 0 : invite ? (res.status >= 300 ? 32_000 : 0) : this.layer.timers.t4;
    setTimeout(() => {
      this.state = "terminated";
      this.layer.forgetClient(this);
    }, linger);
  }

  #retransmitTimer?: ReturnType<typeof setTimeout>;

  #retransmit(bytes: Uint8Array, interval: number, cap: number): void {
    this.#retransmitTimer = setTimeout(() => {
      if (this.#done) return;
      this.layer.transmit(bytes, this.peer);
      this.layer.stats.retransmissions++;
      this.#retransmit(bytes, Math.min(interval * 2, cap), cap);
    }, interval);
  }

  #clearRetransmit(): void {
    clearTimeout(this.#retransmitTimer);
  }

  #after(ms: number, fn: () => void): void {
    this.#timers.push(setTimeout(fn, ms));
  }

  #clear(): void {
    this.#clearRetransmit();
    for (const t of this.#timers) clearTimeout(t);
  }

  terminate(): void {
    this.#finish(timeoutResponse(this.request, 503, "Shutting Down"));
  }
}

function timeoutResponse(req: SipRequest, status = 408, reason = "Request Timeout"): SipResponse {
  const h = new Headers();
  for (const name of ["via", "from", "to", "call-id", "cseq"]) {
    const v = req.headers.get(name);
    if (v !== undefined) h.append(name, v);
  }
  return { kind: "response", status, reason, headers: h, body: new Uint8Array(0) };
}

/** The ACK for a non-2xx final response: same branch, To from the response (17.1.1.3). */
export function ackFor(invite: SipRequest, res: SipResponse): SipRequest {
  const h = new Headers();
  h.append("via", invite.headers.all("via")[0]);
  for (const r of invite.headers.all("route")) h.append("route", r);
  h.append("max-forwards", "70");
  h.append("from", invite.headers.get("from")!);
  h.append("to", res.headers.get("to")!);
  h.append("call-id", invite.headers.get("call-id")!);
  h.append("cseq", `${cseqOf(invite).seq} ACK`);
  return {
    kind: "request",
    method: "ACK",
    uri: invite.uri,
    uriText: invite.uriText,
    headers: h,
    body: new Uint8Array(0),
  };
}

export interface TransactionStats {
  retransmissions: number;
  serverTransactions: number;
  clientTransactions: number;
  sendErrors: number;
}

export class TransactionLayer {
  #server = new Map<string, ServerTransaction>();
  #client = new Map<string, ClientTransaction>();
  readonly stats: TransactionStats = {
    retransmissions: 0,
    serverTransactions: 0,
    clientTransactions: 0,
    sendErrors: 0,
  };

  constructor(private readonly send: Send, readonly timers: Timers = DEFAULT_TIMERS) {}

  transmit(bytes: Uint8Array, to: Peer): void {
    this.send(bytes, to).catch(() => this.stats.sendErrors++);
  }

  get serverCount(): number {
    return this.#server.size;
  }

  /**
   * An ACK: true when it acknowledged a non-2xx final of an INVITE transaction
   * (absorbed here); false when it belongs to a 2xx, i.e. to the dialog (17.2.3).
   */
  absorbAck(ack: SipRequest): boolean {
    const tx = this.#server.get(serverKey(ack, parseVia(ack.headers.all("via")[0])));
    if (!tx || (tx.state !== "completed" && tx.state !== "confirmed")) return false;
    tx.acked();
    return true;
  }

  /**
   * Finds or creates the server transaction for a request (not ACK). Returns
   * undefined for a retransmission, which the transaction has answered again.
   */
  receive(req: SipRequest, from: Peer): ServerTransaction | undefined {
    const via = parseVia(req.headers.all("via")[0]);
    const key = serverKey(req, via);
    const existing = this.#server.get(key);
    if (existing) {
      existing.retransmitted();
      return undefined;
    }
    stampVia(req, via, from);
    const tx = new ServerTransaction(key, req, responsePeer(via, from), this);
    this.#server.set(key, tx);
    this.stats.serverTransactions++;
    return tx;
  }

  /** The INVITE server transaction a CANCEL refers to (9.2). */
  inviteFor(cancel: SipRequest): ServerTransaction | undefined {
    const via = parseVia(cancel.headers.all("via")[0]);
    const key = serverKey({ ...cancel, method: "INVITE" }, via);
    return this.#server.get(key);
  }

  forget(tx: ServerTransaction): void {
    if (this.#server.get(tx.key) === tx) this.#server.delete(tx.key);
  }

  /** Sends a request in a client transaction; resolves with its final response. */
  request(req: SipRequest, to: Peer, opts: ClientOptions = {}): Promise<SipResponse> {
    const branch = parseVia(req.headers.all("via")[0]).params.get("branch")!;
    const key = `${branch}|${req.method}`;
    const tx = new ClientTransaction(key, req, to, this, opts);
    this.#client.set(key, tx);
    this.stats.clientTransactions++;
    tx.start();
    return tx.result;
  }

  /** Hands a response to its client transaction; false when none matches (17.1.3). */
  response(res: SipResponse): boolean {
    const branch = parseVia(res.headers.all("via")[0]).params.get("branch");
    const tx = this.#client.get(`${branch}|${cseqOf(res).method}`);
    if (!tx) return false;
    tx.response(res);
    return true;
  }

  forgetClient(tx: ClientTransaction): void {
    if (this.#client.get(tx.key) === tx) this.#client.delete(tx.key);
  }

  close(): void {
    for (const tx of [...this.#server.values()]) tx.terminate();
    for (const tx of [...this.#client.values()]) tx.terminate();
  }
}

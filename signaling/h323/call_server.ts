// The H.225.0 call signalling listener (TCP, 1720 by default): accepts
// connections up to caps in total and per source address (the shared accept loop,
// which survives EMFILE), closes a connection that stays silent (no complete
// message within firstMessageMs, then none for idleMs) unless it carries a call,
// and hands each to H323Calls.

import { Gauge, type Registry } from "prom-client";
import type { Subsystem } from "../../lifecycle/mod.ts";
import { acceptLoop } from "../../lifecycle/accept.ts";
import type { Logger } from "../../telemetry/log.ts";
import { type Admission, ConnectionGate, type RefusalReason } from "../../telemetry/connections.ts";
import type { H323Calls } from "./calls.ts";
import { TpktConnection, type TpktHandlers } from "./q931/connection.ts";

export interface CallServerOptions {
  host: string;
  port: number;
  /** Caps and timers; safe defaults when absent (callLimitsDefault). */
  limits?: Partial<CallLimits>;
  log: Logger;
  metrics?: Registry;
}

export interface CallLimits {
  /** Caps in total and per source address. */
  gate: ConnectionGate;
  /** A connection with no complete message for this long closes, unless it carries a call... */
  idleMs: number;
  /** ...and a new one must bring its first message within this. */
  firstMessageMs: number;
}

/** The defaults of the limits.h225* keys, for servers built without config. */
export function callLimitsDefault(): CallLimits {
  return {
    gate: new ConnectionGate("h225", { maxTotal: 1024, maxPerSource: 64 }),
    idleMs: 60_000,
    firstMessageMs: 10_000,
  };
}

// Q.931 message types that begin and end a call (Q.931 table 4-2).
const Q931_SETUP = 0x05;
const Q931_RELEASE_COMPLETE = 0x5a;
const MAX_TRACKED_CALLS = 16;

/** The call reference (flag bit cleared) and message type of a Q.931 message. */
function q931Call(payload: Uint8Array): { crv: number; type: number } | undefined {
  if (payload.length < 3 || payload[0] !== 0x08) return undefined;
  const len = payload[1] & 0x0f;
  if (payload.length < 3 + len) return undefined;
  let crv = 0;
  for (let i = 0; i < len; i++) crv = (crv << 8) | payload[2 + i];
  if (len > 0) crv &= ~(0x80 << (8 * (len - 1)));
  return { crv, type: payload[2 + len] };
}

/**
 * A call signalling connection that keeps its own timers: Setup (in or out) marks
 * a call, Release Complete ends it; while a call is up the idle timer waits.
 */
export class TimedTpktConnection extends TpktConnection {
  #calls = new Set<number>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #done = false;

  constructor(
    conn: Deno.TcpConn,
    private readonly limits: CallLimits,
    private readonly admission: Admission,
  ) {
    super(conn);
  }

  get carriesCall(): boolean {
    return this.#calls.size > 0;
  }

  override run(h: TpktHandlers): Promise<void> {
    this.#arm(this.limits.firstMessageMs, "header_timeout");
    return super.run({
      message: (payload) => {
        this.#arm(this.limits.idleMs, "idle_timeout");
        this.#track(payload);
        h.message(payload);
      },
      closed: (why) => h.closed(why),
    });
  }

  override send(payload: Uint8Array): void {
    this.#track(payload);
    super.send(payload);
  }

  #track(payload: Uint8Array): void {
    const m = q931Call(payload);
    if (!m) return;
    if (m.type === Q931_SETUP && this.#calls.size < MAX_TRACKED_CALLS) this.#calls.add(m.crv);
    else if (m.type === Q931_RELEASE_COMPLETE) this.#calls.delete(m.crv);
  }

  #arm(ms: number, reason: RefusalReason): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      if (this.carriesCall) return this.#arm(ms, reason);
      this.limits.gate.closedFor(reason);
      this.close(reason === "idle_timeout" ? "idle" : "no message in time");
    }, ms);
  }

  override close(why?: string): void {
    if (!this.#done) {
      this.#done = true;
      clearTimeout(this.#timer);
      this.admission.release();
    }
    super.close(why);
  }
}

export class CallSignalServer implements Subsystem {
  readonly name = "h323-cs";
  #open = new Set<TpktConnection>();
  #limits: CallLimits;
  #closing = false;
  #loop: Promise<void>;

  private constructor(
    private readonly o: CallServerOptions,
    readonly calls: H323Calls,
    private readonly listener: Deno.TcpListener,
  ) {
    this.#limits = { ...callLimitsDefault(), ...o.limits };
    this.#loop = this.#acceptLoop();
  }

  /** Applies configured limits (main.ts, right after start); open connections keep theirs. */
  useLimits(limits: Partial<CallLimits>): void {
    this.#limits = { ...this.#limits, ...limits };
  }

  get limits(): CallLimits {
    return this.#limits;
  }

  static start(o: CallServerOptions, calls: H323Calls): CallSignalServer {
    const listener = Deno.listen({ hostname: o.host, port: o.port, transport: "tcp" });
    const server = new CallSignalServer(o, calls, listener);
    if (o.metrics) {
      o.metrics.registerMetric(
        new Gauge({
          name: "council_h323_calls",
          help: "H.323 calls in progress",
          registers: [],
          collect() {
            this.set(calls.count);
          },
        }),
      );
    }
    return server;
  }

  get port(): number {
    return (this.listener.addr as Deno.NetAddr).port;
  }

  #acceptLoop(): Promise<void> {
    // The gate is looked up per accept: useLimits may replace it after start.
    const current = () => this.#limits.gate;
    return acceptLoop(this.listener, {
      get gate() {
        return current();
      },
      log: this.o.log,
      closing: () => this.#closing,
      onConnection: (raw, admission) => {
        const conn = new TimedTpktConnection(raw, this.#limits, admission);
        this.#open.add(conn);
        this.calls.accept(conn, () => this.#open.delete(conn));
      },
    });
  }

  ready(): boolean {
    return !this.#closing;
  }

  async close(): Promise<void> {
    this.#closing = true;
    try {
      this.listener.close();
    } catch { /* closed */ }
    await this.calls.close();
    for (const c of this.#open) c.close("shutdown");
    await this.#loop;
  }
}

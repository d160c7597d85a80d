// The H.225.0 call signalling listener (TCP, 1720 by default): accepts
// connections up to a cap and hands each to H323Calls.

import { Gauge, type Registry } from "prom-client";
import type { Subsystem } from "../../lifecycle/mod.ts";
import type { Logger } from "../../telemetry/log.ts";
import type { H323Calls } from "./calls.ts";
import { TpktConnection } from "./q931/connection.ts";

export interface CallServerOptions {
  host: string;
  port: number;
  /** Open signalling connections at most; more are closed on accept. */
  maxConnections?: number;
  log: Logger;
  metrics?: Registry;
}

export class CallSignalServer implements Subsystem {
  readonly name = "h323-cs";
  #open = new Set<TpktConnection>();
  #closing = false;
  #loop: Promise<void>;

  private constructor(
    private readonly o: CallServerOptions,
    readonly calls: H323Calls,
    private readonly listener: Deno.TcpListener,
  ) {
    this.#loop = this.#acceptLoop();
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

  async #acceptLoop(): Promise<void> {
    const max = this.o.maxConnections ?? 2000;
    while (!this.#closing) {
      let raw: Deno.TcpConn;
      try {
        raw = await this.listener.accept();
      } catch {
        if (this.#closing) return;
        continue;
      }
      const conn = new TpktConnection(raw);
      if (this.#open.size >= max) {
        this.o.log.warn("call signalling connection refused: at capacity", { max });
        conn.close("at capacity");
        continue;
      }
      this.#open.add(conn);
      this.calls.accept(conn, () => this.#open.delete(conn));
    }
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

// A separate H.245 channel (H.323 8.2.1: when H.245 is not tunnelled): Council
// either connects to the h245Address a caller gave in Setup, or listens on an
// ephemeral port it announces in Connect and accepts exactly one connection.
// Bounds: a listener holds one descriptor, accepts one connection (from the call's
// peer when told which) and closes after it or after timeoutMs, so connections
// aimed at it wait in the kernel's backlog and cost Council nothing; there is at
// most one per call, and calls are capped by the H.225 listener (call_server.ts).

import type { HostPort } from "../h225/address.ts";
import { TpktConnection } from "../q931/connection.ts";

/** A TPKT connection to `to` (a separate H.245 channel, or a terminal's call signalling). */
export async function connectTcp(to: HostPort, timeoutMs = 5000): Promise<TpktConnection> {
  const timer = new AbortController();
  const t = setTimeout(() => timer.abort(), timeoutMs);
  try {
    const conn = await Deno.connect({
      hostname: to.host,
      port: to.port,
      transport: "tcp",
      signal: timer.signal,
    });
    return new TpktConnection(conn);
  } finally {
    clearTimeout(t);
  }
}

/** Listens for the one H.245 connection of a call. */
export class H245Listener {
  private constructor(private readonly listener: Deno.TcpListener) {}

  static open(host: string): H245Listener {
    return new H245Listener(Deno.listen({ hostname: host, port: 0, transport: "tcp" }));
  }

  get address(): HostPort {
    const a = this.listener.addr as Deno.NetAddr;
    return { host: a.hostname, port: a.port };
  }

  /**
   * The first connection (from host `from`, when given: another host's connection
   * is closed and the wait goes on), or undefined after timeoutMs or close(); the
   * listener closes. accept() errors (EMFILE) end the wait, never the process.
   */
  async accept(timeoutMs = 30_000, from?: string): Promise<TpktConnection | undefined> {
    const t = setTimeout(() => this.close(), timeoutMs);
    try {
      for (;;) {
        const conn = await this.listener.accept();
        if (from === undefined || (conn.remoteAddr as Deno.NetAddr).hostname === from) {
          return new TpktConnection(conn);
        }
        try {
          conn.close();
        } catch { /* closed */ }
      }
    } catch {
      return undefined;
    } finally {
      clearTimeout(t);
      this.close();
    }
  }

  close(): void {
    try {
      this.listener.close();
    } catch { /* closed already */ }
  }
}

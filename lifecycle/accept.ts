// One accept loop for every TCP listener. It never throws: EMFILE/ENFILE (out of
// descriptors) and any other accept failure are counted and followed by a short
// back-off, so a flood makes the server refuse work instead of exiting, and a
// listener's error can never become an unhandled rejection.

import type { Logger } from "../telemetry/log.ts";
import type { Admission, ConnectionGate } from "../telemetry/connections.ts";

export interface AcceptOptions<C extends Deno.Conn = Deno.TcpConn> {
  gate: ConnectionGate;
  log: Logger;
  /** True once the listener is being closed on purpose: the loop ends quietly. */
  closing(): boolean;
  /** Takes an admitted connection; must not throw (if it does, the connection is closed). */
  onConnection(conn: C, admission: Admission, peer: Deno.NetAddr): void;
  /** Said to a refused peer before the close (HTTP answers 503); best effort. */
  refusal?: Uint8Array;
}

const BACKOFF_MIN_MS = 10;
const BACKOFF_MAX_MS = 1_000;
const LOG_EVERY_MS = 10_000;

/**
 * Runs until the listener closes; resolves, never rejects. TCP or TLS: a TLS
 * handshake happens on the first read, so a failed one never reaches accept().
 */
export async function acceptLoop<C extends Deno.Conn>(
  listener: Deno.Listener<C>,
  o: AcceptOptions<C>,
): Promise<void> {
  let backoff = BACKOFF_MIN_MS;
  let loggedAt = -Infinity;
  let unlogged = 0;
  for (;;) {
    let conn: C;
    try {
      conn = await listener.accept();
    } catch (err) {
      if (o.closing() || err instanceof Deno.errors.BadResource) return;
      const code = errorCode(err);
      o.gate.acceptFailed(code);
      unlogged++;
      const now = performance.now();
      if (now - loggedAt >= LOG_EVERY_MS) {
        o.log.warn("accept failed; backing off", {
          listener: o.gate.name,
          code,
          failures: unlogged,
          err: (err as Error).message,
        });
        loggedAt = now;
        unlogged = 0;
      }
      // The pending connection stays in the backlog; try again once something closed.
      await new Promise((r) => setTimeout(r, backoff));
      backoff = Math.min(BACKOFF_MAX_MS, backoff * 2);
      continue;
    }
    backoff = BACKOFF_MIN_MS;
    const peer = conn.remoteAddr as Deno.NetAddr;
    const admission = o.gate.admit(peer.hostname);
    if (!admission.ok) {
      refuse(conn, o.refusal);
      continue;
    }
    noDelay(conn);
    try {
      o.onConnection(conn, admission, peer);
    } catch (err) {
      admission.release();
      closeQuietly(conn);
      o.log.error("connection handler failed", { listener: o.gate.name, err });
    }
  }
}

/**
 * Turns Nagle's algorithm off. Signalling is small writes (a WebSocket event, a SIP
 * response, a Q.931 message) that the peer answers late: with Nagle, a write behind
 * one not yet acknowledged waits for the peer's delayed ACK, up to 40 ms on Linux
 * (measured: a provenance state change reached a page 41 ms late at p99 with it on).
 * TLS connections have no such setting in Deno: they keep the default.
 */
function noDelay(conn: Deno.Conn): void {
  try {
    (conn as Partial<Deno.TcpConn>).setNoDelay?.(true);
  } catch { /* closed already: the handler finds out */ }
}

function refuse(conn: Deno.Conn, said: Uint8Array | undefined): void {
  if (!said) return closeQuietly(conn);
  // A fresh socket's send buffer takes a short answer at once; never wait on it long.
  conn.write(said).catch(() => {}).finally(() => closeQuietly(conn));
}

export function closeQuietly(conn: { close(): void }): void {
  try {
    conn.close();
  } catch { /* already closed */ }
}

/** The errno name of a Deno error ("EMFILE"), or its class name. */
export function errorCode(err: unknown): string {
  const code = (err as { code?: unknown })?.code;
  if (typeof code === "string" && /^[A-Z0-9_]{2,24}$/.test(code)) return code;
  const name = (err as Error)?.name;
  return typeof name === "string" && /^[A-Za-z]{1,40}$/.test(name) ? name : "unknown";
}

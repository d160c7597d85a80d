// Every fixed listening port, bound once and released before the server opens its
// database: a port another program (or another Council) holds is refused in one
// line naming its setting, before anything is written. The subsystems bind for
// real moments later; a port taken in between still fails their own bind.
//
// Port 0 (any free port) is never checked. The media and WebRTC port ranges are
// pools the subsystems pick free ports from, not ports to claim.

import type { CouncilConfig } from "../config/mod.ts";

export type PortTransport = "tcp" | "udp";

/** One port the server will listen on, with the settings that choose it. */
export interface PortClaim {
  /** The setting naming the port, e.g. "sip.port". */
  readonly key: string;
  /** The setting naming the address, e.g. "sip.host". */
  readonly hostKey: string;
  readonly host: string;
  readonly port: number;
  readonly transport: PortTransport;
}

/** A port that cannot be listened on; the message is the one line for the operator. */
export class PortError extends Error {
  override name = "PortError";
  constructor(readonly claim: PortClaim, message: string) {
    super(message);
  }
}

/** The fixed ports a configuration listens on, in the order the server binds them. */
export function listeningPorts(config: CouncilConfig): PortClaim[] {
  const claims: PortClaim[] = [];
  const claim = (
    key: string,
    hostKey: string,
    host: string,
    port: number,
    transport: PortTransport,
  ) => {
    if (port !== 0) claims.push({ key, hostKey, host, port, transport });
  };
  claim("http.port", "http.host", config.http.host, config.http.port, "tcp");
  const { sip, h323 } = config;
  if (sip.transports !== "tcp") claim("sip.port", "sip.host", sip.host, sip.port, "udp");
  if (sip.transports !== "udp") claim("sip.port", "sip.host", sip.host, sip.port, "tcp");
  if (sip.tls === "on") claim("sip.tlsPort", "sip.host", sip.host, sip.tlsPort, "tcp");
  claim("h323.rasPort", "h323.host", h323.host, h323.rasPort, "udp");
  claim("h323.callSignalPort", "h323.host", h323.host, h323.callSignalPort, "tcp");
  return claims;
}

/** `host:port`, with `/udp` for UDP (TCP is what an operator assumes). */
export function describeClaim(c: PortClaim): string {
  const host = c.host.includes(":") ? `[${c.host}]` : c.host;
  return `${host}:${c.port}${c.transport === "udp" ? "/udp" : ""}`;
}

/**
 * Binds every claim, all at once (so two settings naming one port are caught as
 * well), then releases them. Throws PortError for the first that cannot be bound:
 * `sip.port: 127.0.0.1:5060/udp is already in use`.
 */
export function checkPorts(claims: readonly PortClaim[]): void {
  const held: Array<{ close(): void }> = [];
  try {
    for (const [i, c] of claims.entries()) {
      try {
        held.push(
          c.transport === "tcp"
            ? Deno.listen({ hostname: c.host, port: c.port, transport: "tcp" })
            : Deno.listenDatagram({ hostname: c.host, port: c.port, transport: "udp" }),
        );
      } catch (err) {
        throw portError(c, claims.slice(0, i), err as Error);
      }
    }
  } finally {
    for (const socket of held) socket.close();
  }
}

function portError(c: PortClaim, earlier: readonly PortClaim[], err: Error): PortError {
  const where = describeClaim(c);
  if (err instanceof Deno.errors.AddrInUse) {
    const mine = earlier.find((e) => e.port === c.port && e.transport === c.transport);
    if (mine && mine.key !== c.key) {
      return new PortError(c, `${c.key}: ${where} is also ${mine.key}; give them different ports`);
    }
    return new PortError(c, `${c.key}: ${where} is already in use`);
  }
  if (err instanceof Deno.errors.PermissionDenied) {
    return new PortError(c, `${c.key}: cannot listen on ${where}: ${err.message}`);
  }
  return new PortError(c, `${c.hostKey}: cannot listen on ${where}: ${err.message}`);
}

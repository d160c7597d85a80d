// The HTTP listener as a subsystem: close() stops accepting and lets in-flight
// requests finish (Deno.serve's shutdown), which is what graceful shutdown needs.

import type { Subsystem } from "../lifecycle/mod.ts";

export class ListenError extends Error {
  override name = "ListenError";
}

export interface HttpServer extends Subsystem {
  readonly host: string;
  readonly port: number;
  readonly url: string;
}

export function listenHttp(
  handler: (req: Request) => Response | Promise<Response>,
  at: { host: string; port: number },
): HttpServer {
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({ hostname: at.host, port: at.port, onListen: () => {} }, handler);
  } catch (err) {
    const where = `${at.host}:${at.port}`;
    if (err instanceof Deno.errors.AddrInUse) {
      throw new ListenError(`http.port: ${where} is already in use`);
    }
    if (
      err instanceof Deno.errors.AddrNotAvailable || err instanceof Deno.errors.PermissionDenied
    ) {
      throw new ListenError(`http.host: cannot listen on ${where}: ${(err as Error).message}`);
    }
    throw new ListenError(`http: cannot listen on ${where}: ${(err as Error).message}`);
  }
  const { hostname, port } = server.addr;
  const urlHost = hostname.includes(":") ? `[${hostname}]` : hostname;
  let closed = false;
  return {
    name: "http",
    host: hostname,
    port,
    url: `http://${urlHost}:${port}`,
    ready: () => !closed,
    close: async () => {
      closed = true;
      await server.shutdown();
    },
  };
}

// Neighbour gatekeepers (h323.neighbours): the only sources whose LRQs are
// answered by default. A neighbour with a password must prove each LRQ with H.235.1.

import { h235Key } from "./h235_1.ts";

export interface Neighbour {
  host: string;
  /** Any source port when absent. */
  port?: number;
  /** H.235.1 key of the neighbour's password, when it has one. */
  key?: Uint8Array;
}

/** Parses "host[:port][=password], ..." (validated by config/_schema.ts). */
export function parseNeighbours(text: string): Neighbour[] {
  return text.split(",").map((s) => s.trim()).filter((s) => s !== "").map((item) => {
    const eq = item.indexOf("=");
    const address = eq < 0 ? item : item.slice(0, eq);
    const password = eq < 0 ? undefined : item.slice(eq + 1);
    const [host, port] = address.split(":");
    return {
      host,
      port: port === undefined ? undefined : Number(port),
      key: password === undefined ? undefined : h235Key(password),
    };
  });
}

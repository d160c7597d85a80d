// H.225.0 TransportAddress and AliasAddress values <-> what Council works with.

export interface HostPort {
  host: string;
  port: number;
}

export type TransportAddressValue =
  | { ipAddress: { ip: Uint8Array; port: number } }
  | Record<
    string,
    unknown
  >;

/** An IPv4 host:port as a TransportAddress (ipAddress). */
export function transportAddress(a: HostPort): TransportAddressValue {
  const parts = a.host.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new RangeError(`not an IPv4 address: ${a.host}`);
  }
  return { ipAddress: { ip: new Uint8Array(parts), port: a.port } };
}

/** host:port of an ipAddress TransportAddress; undefined for the other kinds. */
export function hostPort(t: unknown): HostPort | undefined {
  const ip = (t as { ipAddress?: { ip?: unknown; port?: unknown } } | undefined)?.ipAddress;
  if (!(ip?.ip instanceof Uint8Array) || ip.ip.length !== 4 || typeof ip.port !== "number") {
    return undefined;
  }
  return { host: [...ip.ip].join("."), port: ip.port };
}

/** An alias as one string, "h323-ID:alice", "dialledDigits:1001", "url-ID:...". */
export function aliasKey(alias: unknown): string | undefined {
  if (typeof alias !== "object" || alias === null) return undefined;
  const [kind] = Object.keys(alias);
  const value = (alias as Record<string, unknown>)[kind];
  return typeof value === "string" ? `${kind}:${value}` : undefined;
}

export function aliasOf(key: string): Record<string, string> {
  const i = key.indexOf(":");
  return { [key.slice(0, i)]: key.slice(i + 1) };
}

/**
 * The first alias that names someone to call rather than a Council room: its
 * value ("bob", "1002", "sip:bob@host"), for the gateway to route.
 */
export function dialledAlias(aliases: (string | undefined)[]): string | undefined {
  for (const a of aliases) {
    const m = a && /^(h323-ID|dialledDigits|url-ID|email-ID):(.+)$/.exec(a);
    if (m && !/^(?:h323:|sip:)?council-/.test(m[2])) return m[2];
  }
  return undefined;
}

// Calls another gatekeeper routes to Council through itself (gatekeeper-routed
// signalling: the Setup's TCP connection comes from the gatekeeper's address).
// With h323.trustRouted "aliases", the gatekeeper vouches for its caller the way
// an IP-authenticated SIP trunk does: a caller whose h323-ID names an active
// guardian is admitted as that guardian with a password-class proof (ROUTINE
// unless guard's passwordCallTypes say otherwise). A TCP peer address cannot be
// forged without the handshake, so the trust is the operator's choice of which
// gatekeepers to name (h323.upstream, h323.neighbours), nothing a caller says.

import type { GuardianRegistry } from "../../guard/mod.ts";
import type { Neighbour } from "./security/neighbours.ts";

export interface RoutedTrust {
  trust: "off" | "aliases";
  /** The upstream gatekeeper's host (h323.upstream), if any. */
  upstreamHost?: string;
  neighbours: readonly Neighbour[];
  /** The guardians a vouched alias may name. */
  registry: Pick<GuardianRegistry, "get">;
}

/** Which trusted gatekeeper a Setup's connection comes from ("upstream 10.0.0.5"), if any. */
export function routedBy(peerHost: string, t: RoutedTrust): string | undefined {
  if (t.trust === "off") return undefined;
  if (t.upstreamHost === peerHost) return `upstream ${peerHost}`;
  if (t.neighbours.some((n) => n.host === peerHost)) return `neighbour ${peerHost}`;
  return undefined;
}

/**
 * The guardian a routed caller is, from the Setup's sourceAddress ("h323-ID:alice"
 * alias keys): the first h323-ID naming an active guardian (if://guardian/alice,
 * as registration maps them).
 */
export function vouchedGuardian(
  sourceAliases: readonly (string | undefined)[],
  t: RoutedTrust,
): string | undefined {
  for (const a of sourceAliases) {
    const m = a && /^h323-ID:(.{1,128})$/.exec(a);
    if (!m) continue;
    const g = t.registry.get(`if://guardian/${m[1]}`);
    if (g?.status === "active") return g.id;
  }
  return undefined;
}

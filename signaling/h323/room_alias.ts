// Which room an H.323 alias names: council-<room> as an h323-ID, url-ID or email-ID
// (with or without a sip:/h323: scheme and @host), or the room's E.164 number as
// dialledDigits (H.225.0 AliasAddress). One reading for ARQ, LRQ and Setup.

import { type Policy, roomOfNumber } from "../../guard/policy.ts";

const NAMED =
  /^(?:h323-ID|url-ID|email-ID):(?:h323:|sip:)?council-([a-z0-9][a-z0-9._-]{0,63})(?:@.*)?$/;

/** The room the first alias naming one names ("h323-ID:council-main", "dialledDigits:4100"). */
export function roomOfAliases(
  aliases: readonly (string | undefined)[],
  /** Without it, rooms are found by name only. */
  policy?: Policy,
): string | undefined {
  for (const a of aliases) {
    if (!a) continue;
    const named = NAMED.exec(a)?.[1];
    if (named) return named;
    if (policy && a.startsWith("dialledDigits:")) {
      const room = roomOfNumber(policy, a.slice("dialledDigits:".length));
      if (room) return room;
    }
  }
  return undefined;
}

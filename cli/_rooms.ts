// What `council rooms` and `council calls` read from the rooms API, and how a
// member line reads, in one place.

import type { MemberStatus, RoomDefinition } from "../rooms/mod.ts";

export interface RoomStatus {
  room: string;
  definition: RoomDefinition | null;
  speaker: string | null;
  members: MemberStatus[];
}

/** "<id>  <guardian>  <protocol> <codec>  muted  speaking  loss ..% jitter .. ms MOS .." */
export function describeMember(m: MemberStatus, room?: string): string {
  return [
    m.memberId,
    ...(room ? [room] : []),
    m.guardianId,
    `${m.protocol} ${m.codec}`,
    ...(m.muted ? ["muted"] : []),
    ...(m.speaking ? ["speaking"] : []),
    ...(m.stats
      ? [
        `loss ${(m.stats.lossFraction * 100).toFixed(1)}%`,
        `jitter ${m.stats.jitterMs.toFixed(1)} ms`,
        `MOS ${m.stats.mos.toFixed(2)}`,
        // Media from strangers, dropped (docs/media.md): only shown when there was some.
        ...(m.stats.rejectedSource ? [`rejected ${m.stats.rejectedSource}`] : []),
        ...(m.stats.srtp
          ? [`SRTP${m.stats.srtpRefused ? ` (${m.stats.srtpRefused} refused)` : ""}`]
          : []),
      ]
      : []),
  ].join("  ");
}

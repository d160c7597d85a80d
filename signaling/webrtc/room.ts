// One room's WebRTC side: its mediasoup Router and the browsers in it. Audio goes
// through the MCU (each member's AudioBridge); video is forwarded here, SFU style,
// from every member's video producers to every other member.

import type { types } from "mediasoup";
import type { WebRtcMember } from "./member.ts";

export class WebRtcRoom {
  readonly members = new Map<string, WebRtcMember>();

  constructor(
    readonly name: string,
    readonly router: types.Router,
    readonly server: types.WebRtcServer,
    readonly worker: number,
  ) {}

  /** Video producers of everyone but `memberId`, with their owners. */
  videoFrom(memberId: string): { owner: string; producer: types.Producer }[] {
    const out: { owner: string; producer: types.Producer }[] = [];
    for (const m of this.members.values()) {
      if (m.memberId === memberId) continue;
      for (const p of m.videoProducers) out.push({ owner: m.memberId, producer: p });
    }
    return out;
  }

  /** A new video producer reaches every other member that can receive it. */
  async forward(owner: string, producer: types.Producer): Promise<void> {
    await Promise.all(
      [...this.members.values()]
        .filter((m) => m.memberId !== owner)
        .map((m) => m.consume(owner, producer)),
    );
  }

  close(): void {
    this.router.close();
  }
}

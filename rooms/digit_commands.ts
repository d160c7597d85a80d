// Keypad commands a member dials during a call, whatever carried the digits
// (RFC 4733, SIP INFO, H.245 user input, Q.931 keypad): *6 toggles mute, as on
// most conference bridges; *1 consents to the room's recording and *0 refuses it
// when the policy asks for consent (docs/provenance.md, "Consent"). Digits older than 3 s are forgotten. On a gateway call
// digits are the far end's (an IVR, a voicemail PIN): they are relayed, not read.

import type { Logger } from "../telemetry/log.ts";
import type { Gateway } from "./gateway.ts";
import type { Rooms } from "./mod.ts";

const WINDOW_MS = 3000;

export class DigitCommands {
  #pending = new Map<string, { digits: string; timer: ReturnType<typeof setTimeout> }>();

  constructor(
    private readonly rooms: Rooms,
    /** Called after a command changed the member (the stack witnesses it). */
    private readonly onMuted: (legId: string, muted: boolean) => void,
    private readonly log: Logger,
    /** Takes the digits of gateway calls' legs (true when it took them). */
    private readonly gateway?: Pick<Gateway, "relayDigits">,
  ) {}

  feed(legId: string, digits: string): void {
    if (this.gateway?.relayDigits(legId, digits)) return;
    for (const digit of digits.toUpperCase()) {
      if (!/[0-9*#A-D]/.test(digit)) continue;
      const p = this.#pending.get(legId);
      if (p) clearTimeout(p.timer);
      const sofar = ((p?.digits ?? "") + digit).slice(-4);
      const timer = setTimeout(() => this.#pending.delete(legId), WINDOW_MS);
      this.#pending.set(legId, { digits: sofar, timer });
      if (sofar.endsWith("*1") || sofar.endsWith("*0")) {
        this.forget(legId);
        const consent = sofar.endsWith("*1");
        this.rooms.consent(legId, consent).then(
          (answer) => this.log.info("dtmf consent", { legId, consent, answer }),
          (err) => this.log.warn("dtmf consent failed", { err, legId }),
        );
        continue;
      }
      if (!sofar.endsWith("*6")) continue;
      this.forget(legId);
      const member = this.rooms.member(legId);
      if (!member) continue;
      const muted = !member.muted;
      this.rooms.update(legId, { muted }).then(
        () => this.onMuted(legId, muted),
        (err) => this.log.warn("dtmf mute failed", { err, legId }),
      );
      this.log.info("dtmf mute", { legId, muted });
    }
  }

  /** Drops a leg's partial digits (when its call ends). */
  forget(legId: string): void {
    clearTimeout(this.#pending.get(legId)?.timer);
    this.#pending.delete(legId);
  }
}

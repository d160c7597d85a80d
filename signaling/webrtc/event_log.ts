// One member's numbered events, kept for a while so a client that lost its socket
// gets exactly what it missed after `resume` (nothing twice, nothing lost). Bounded:
// a client that missed more than the log holds must rejoin, and is told so.

import type { MemberEvent, ServerMessage } from "./protocol.ts";

export type NumberedEvent = Extract<ServerMessage, { type: "event" }>;

export class EventLog {
  #events: NumberedEvent[] = [];
  #seq = 0;

  constructor(private readonly capacity = 1000) {}

  /** The number of the latest event (0 before any). */
  get seq(): number {
    return this.#seq;
  }

  append(event: MemberEvent): NumberedEvent {
    const numbered = { type: "event", seq: ++this.#seq, ...event } as NumberedEvent;
    this.#events.push(numbered);
    if (this.#events.length > this.capacity) this.#events.shift();
    return numbered;
  }

  /**
   * Events after `lastSeq`, or undefined when some of them are no longer held
   * (or `lastSeq` is from the future: a client of another session).
   */
  since(lastSeq: number): NumberedEvent[] | undefined {
    if (lastSeq > this.#seq) return undefined;
    if (lastSeq === this.#seq) return [];
    const first = this.#events[0]?.seq ?? this.#seq + 1;
    if (lastSeq + 1 < first) return undefined;
    return this.#events.slice(lastSeq + 1 - first);
  }
}

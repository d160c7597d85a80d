// Numbered events kept for a while, so a listener that lost its connection gets
// exactly what it missed (nothing twice, nothing lost): a browser's own events after
// `resume`, a room's events after an SSE reconnect (Last-Event-ID). Bounded: a
// listener that missed more than the log holds must start over, and is told so.

export type Numbered<E> = { type: "event"; seq: number } & E;

export class EventLog<E extends { name: string }> {
  #events: Numbered<E>[] = [];
  #seq = 0;

  constructor(private readonly capacity = 1000) {}

  /** The number of the latest event (0 before any). */
  get seq(): number {
    return this.#seq;
  }

  append(event: E): Numbered<E> {
    const numbered = { type: "event", seq: ++this.#seq, ...event } as Numbered<E>;
    this.#events.push(numbered);
    if (this.#events.length > this.capacity) this.#events.shift();
    return numbered;
  }

  /**
   * Events after `lastSeq`, or undefined when some of them are no longer held
   * (or `lastSeq` is from the future: a listener of another log).
   */
  since(lastSeq: number): Numbered<E>[] | undefined {
    if (lastSeq > this.#seq) return undefined;
    if (lastSeq === this.#seq) return [];
    const first = this.#events[0]?.seq ?? this.#seq + 1;
    if (lastSeq + 1 < first) return undefined;
    return this.#events.slice(lastSeq + 1 - first);
  }
}

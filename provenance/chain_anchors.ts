// Chain heads into IF.witness (docs/provenance.md): every live recording's and
// chained leg's head at a fixed interval (`provenance.heads`), and each leg's final
// head when its stream ends (`provenance.end`): hung up, left, its room closed, or
// its media worker died. Without the final head, the frames after a stream's last
// anchor and last checkpoint could not be proven against a signed tree head.

import type { MediaEngine, MediaEvent } from "../media/engine/mod.ts";
import type { LegChainHead, ProvenanceHeads } from "../media/engine/protocol.ts";
import type { Logger } from "../telemetry/mod.ts";
import type { WitnessLog } from "../witness/mod.ts";

export interface ChainAnchorsOptions {
  media: MediaEngine;
  witness: WitnessLog;
  log: Logger;
  /** Default 10 s. */
  everyMs?: number;
}

type EndEvent = Extract<MediaEvent, { ev: "provenance.end" }>;
type FailoverEvent = Extract<MediaEvent, { ev: "failover" }>;

export class ChainAnchors {
  readonly #timer: ReturnType<typeof setInterval>;
  /** The last anchored head of each chained leg's stream (by stream id): all a dead worker leaves. */
  readonly #lastHead = new Map<string, LegChainHead & { legId: string; roomId: string }>();
  readonly #listeners = new Set<(heads: ProvenanceHeads) => void>();
  /** Final heads appended (for tests and the health view). */
  ends = 0;

  constructor(private readonly o: ChainAnchorsOptions) {
    // Never unsubscribed: the legs' final heads come as the media engine closes its
    // rooms at shutdown, after this has stopped anchoring, and the witness closes last.
    o.media.on((e) => {
      if (e.ev === "provenance.end") this.#end(e);
      else if (e.ev === "failover") this.#failover(e);
    });
    this.#timer = setInterval(() => this.anchor(), o.everyMs ?? 10_000);
  }

  /** Heads as each anchor reads them (the health checks run on the same read). */
  onHeads(listener: (heads: ProvenanceHeads) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Reads every chain head and appends them (no entry when there is none). */
  async anchor(): Promise<void> {
    let heads: ProvenanceHeads;
    try {
      heads = await this.o.media.provenanceHeads();
    } catch (err) {
      return this.o.log.warn("chain heads not read", { err });
    }
    for (const l of this.#listeners) l(heads);
    const { recordings, legs } = heads;
    for (const l of legs) this.#lastHead.set(l.streamId, l);
    if (recordings.length === 0 && legs.length === 0) return;
    try {
      await this.o.witness.append("provenance.heads", {
        streams: [
          ...recordings.map((h) => ({
            recordingId: h.recordingId,
            streamId: h.streamId,
            frames: h.frames,
            link: h.link,
          })),
          ...legs.map((l) => ({
            legId: l.legId,
            room: l.roomId,
            streamId: l.streamId,
            frames: l.frames,
            link: l.link,
          })),
        ],
      });
    } catch (err) {
      this.o.log.warn("chain heads not anchored", { err });
    }
  }

  /** A leg closed: its final head, from its worker, as it was at the last frame. */
  #end(e: EndEvent): void {
    if (e.outbound) this.#lastHead.delete(e.outbound.streamId);
    this.#append({
      legId: e.legId,
      room: e.roomId,
      reason: e.reason,
      final: true,
      outbound: e.outbound
        ? { streamId: e.outbound.streamId, frames: e.outbound.frames, link: e.outbound.link }
        : null,
      inbound: e.inbound
        ? {
          streamId: e.inbound.streamId,
          state: e.inbound.state,
          frames: e.inbound.frames,
          provenThrough: e.inbound.provenThrough,
          firstBad: e.inbound.firstBad ?? null,
        }
        : null,
    });
  }

  /**
   * A worker died with its legs' chains: their final heads are lost with it. What is
   * witnessed is the end and the last anchored head (`final: false`): frames after it
   * are proven only by the checkpoints their listener received.
   */
  #failover(e: FailoverEvent): void {
    const reason = `media worker died: ${e.reason}`;
    for (const c of e.ended) {
      const last = this.#lastHead.get(c.streamId);
      this.#lastHead.delete(c.streamId);
      this.#append({
        legId: c.legId,
        room: c.roomId,
        reason,
        final: false,
        outbound: c.direction === "out"
          ? { streamId: c.streamId, frames: last?.frames ?? null, link: last?.link ?? null }
          : null,
        inbound: c.direction === "in" ? { streamId: c.streamId, state: "interrupted" } : null,
      });
    }
  }

  #append(payload: Parameters<WitnessLog["append"]>[1]): void {
    this.ends++;
    // Queued at once: the witness commits what is queued before it closes.
    this.o.witness.append("provenance.end", payload).catch((err) =>
      this.o.log.warn("final chain head not witnessed", { err })
    );
  }

  /** Stops the periodic anchors; final heads are still witnessed (see the constructor). */
  close(): void {
    clearInterval(this.#timer);
  }
}

// A stranger's media on record: each leg's rejected datagrams (reported by its worker
// at most every 10 s) become notes in a reject ledger keyed by the source host, which
// witnesses the first at once and the rest as one counted entry per interval. So an
// attack on a leg's port is in the witness log without growing it per packet.

import type { MediaEngine } from "./pool.ts";

/** What the media engine needs of a reject ledger (guard's RejectLedger fits). */
export interface RejectNotes {
  note(event: string, key: string, detail: { legId: string; from: string; packets: number }): void;
}

export const MEDIA_REJECT_EVENT = "media.source_rejected";

/** Notes every leg.rejected report; returns the unsubscribe function. */
export function noteRejectedSources(engine: MediaEngine, notes: RejectNotes): () => void {
  return engine.on((e) => {
    if (e.ev !== "leg.rejected") return;
    notes.note(MEDIA_REJECT_EVENT, e.from.address, {
      legId: e.legId,
      from: `${e.from.address}:${e.from.port}`,
      packets: e.count,
    });
  });
}

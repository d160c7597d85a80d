// A member's `postEvidence` request, for browsers and agents alike: the item is
// checked by the evidence board (each fault named) and shown to the room as posted
// by the member's guardian.

import { type EvidenceBoard, EvidenceError, parseEvidence } from "../../rooms/mod.ts";
import { type ClientRequest, ProtocolError } from "./protocol.ts";

export async function postEvidence(
  board: EvidenceBoard | undefined,
  room: string,
  guardianId: string,
  req: Extract<ClientRequest, { type: "postEvidence" }>,
): Promise<{ evidenceId: string }> {
  if (!board) throw new ProtocolError("UNAVAILABLE", "no evidence board", req.id);
  try {
    const { type: _t, id: _i, ...item } = req;
    const posted = await board.post(room, parseEvidence(item), guardianId);
    return { evidenceId: posted.id };
  } catch (err) {
    if (!(err instanceof EvidenceError)) throw err;
    throw new ProtocolError(
      err.status === 429 ? "RATE_LIMITED" : "BAD_REQUEST",
      err.message,
      req.id,
    );
  }
}

// A member's place on the WebSocket signalling, whatever its media: its numbered
// events (replayed after a resume) and the socket it is attached to, if any. A seat
// outlives its socket for the resume window. Browsers (member.ts) and agents
// (signaling/agent/) each take one.

import type { AdmissionRequest, Guard } from "../../guard/mod.ts";
import { parseAdmissionRequest, RequestError, signedBytes } from "../../guard/mod.ts";
import { toBase64Url } from "../../witness/base64.ts";
import { EventLog, type Numbered } from "../../rooms/event_log.ts";
import {
  type ClientRequest,
  type MemberEvent,
  ProtocolError,
  type ServerMessage,
} from "./protocol.ts";

/**
 * How old a join request may be and still end the guardian's older seat in its room
 * (guard's default freshness window): a request captured on the way cannot be
 * replayed later to throw the guardian out.
 */
const REPLACE_FRESH_MS = 30_000;

/** A join's signed admission request, checked for shape and for the room joined. */
export function admissionOf(req: Extract<ClientRequest, { type: "join" }>): AdmissionRequest {
  let request;
  try {
    request = parseAdmissionRequest(req.admission);
  } catch (err) {
    if (err instanceof RequestError) {
      throw new ProtocolError("BAD_REQUEST", `admission.${err.message}`, req.id);
    }
    throw err;
  }
  if (request.room !== req.room) {
    throw new ProtocolError(
      "BAD_REQUEST",
      `the admission request is for room ${request.room}, not ${req.room}`,
      req.id,
    );
  }
  return request;
}

/**
 * Whether a join may end the guardian's older seats in the room (a new tab, a
 * restarted agent): only a fresh request whose signature verifies with the
 * guardian's registered key, so nobody else can end a guardian's seat.
 */
export async function mayReplace(guard: Guard, request: AdmissionRequest): Promise<boolean> {
  if (Math.abs(Date.now() - request.timestamp) > REPLACE_FRESH_MS) return false;
  return await guard.verifyGuardian(request.guardianId, signedBytes(request), request.signature) ===
    "ok";
}

/** A resume onto `seat` (found by its token): the events after lastSeq, or RESUME_FAILED. */
export function resumeSeat<S extends Seat>(
  seat: S | undefined,
  req: Extract<ClientRequest, { type: "resume" }>,
  send: Sender,
  kick: () => void,
): { seat: S; missed: Numbered<MemberEvent>[] } {
  if (!seat || seat.closed) {
    throw new ProtocolError("RESUME_FAILED", "no such membership (left or expired)", req.id);
  }
  const missed = seat.events.since(req.lastSeq);
  if (!missed) {
    throw new ProtocolError("RESUME_FAILED", "events since lastSeq are no longer held", req.id);
  }
  seat.attach(send, kick);
  return { seat, missed };
}

export type Sender = (msg: ServerMessage) => void;

export class Seat {
  readonly events = new EventLog<MemberEvent>();
  readonly resumeToken = toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
  #sender?: Sender;
  #kick?: () => void;
  /** When the socket went away (for the resume window), or undefined while attached. */
  detachedAt?: number;
  closed = false;

  /** Sends to `sender` from now on; a socket still attached is closed by its `kick`. */
  attach(sender: Sender, kick: () => void): void {
    if (this.#sender !== sender) this.#kick?.();
    this.#sender = sender;
    this.#kick = kick;
    this.detachedAt = undefined;
  }

  /** The socket behind `sender` is gone (a socket replaced by a newer one changes nothing). */
  detach(sender: Sender, now: number): void {
    if (this.#sender !== sender) return;
    this.#sender = undefined;
    this.#kick = undefined;
    this.detachedAt = now;
  }

  get attached(): boolean {
    return this.#sender !== undefined;
  }

  /** Numbers the event, keeps it for replay, and sends it when a socket is attached. */
  push(event: MemberEvent): Numbered<MemberEvent> {
    const numbered = this.events.append(event);
    this.#sender?.(numbered);
    return numbered;
  }

  /** Volatile messages (levels): sent if attached, never kept. */
  sendVolatile(msg: ServerMessage): void {
    this.#sender?.(msg);
  }

  /** No socket from now on (the member is leaving). */
  protected release(): void {
    this.closed = true;
    this.#sender = undefined;
    this.#kick = undefined;
  }
}

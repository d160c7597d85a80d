// What the join page says about the connection and why a session ended, in words a
// person can act on. Pure functions: the page renders them, the unit tests read them.

import type { ClientState } from "./client.ts";

/** Where media goes (README): a hint for calls whose media never connects. */
export const MEDIA_HINT =
  "Audio and video travel over UDP (ports 50000-59999 on the server, or TCP to the same " +
  "ports as a fallback). A firewall, VPN or a network that blocks UDP stops them: try " +
  "another network, or ask the operator to check the server's announced address and firewall.";

export interface Ending {
  /** One line for the status bar. */
  title: string;
  /** What happened and what to do, for the notice under it. */
  detail: string;
  /** An ending the person did not choose (shown as a warning). */
  unexpected: boolean;
}

/** Why a session ended (`session.ended`'s reason, or "left"), for the page. */
export function ending(reason: string, room: string): Ending {
  const e = (title: string, detail: string, unexpected = true): Ending => ({
    title,
    detail,
    unexpected,
  });
  switch (reason) {
    case "left":
      return e(`You left room ${room}`, "Join again when you are ready.", false);
    case "replaced":
      return e(
        "Replaced by a newer tab",
        `You joined room ${room} again from another tab or window (or reloaded this one), ` +
          "and that tab now has your seat. Close this tab, or join here again to take it back.",
      );
    case "media-timeout":
      return e(
        "Disconnected: no media for 30 s",
        `Council received no audio from this browser. ${MEDIA_HINT}`,
      );
    case "removed":
      return e("Removed from the room", `An operator removed you from room ${room}.`);
    case "room-closed":
      return e("The room was closed", `Room ${room} was closed by an operator.`);
    case "revoked":
      return e("Admission revoked", "Council revoked this session's admission.");
    case "guardian-suspended":
      return e("Guardian suspended", "Your guardian was suspended; ask an operator why.");
    case "guardian-revoked":
      return e("Guardian revoked", "Your guardian's registration was revoked.");
    case "socket-lost":
      return e(
        "Connection lost",
        "The connection to Council was lost for longer than the server keeps a seat (30 s).",
      );
    case "shutdown":
      return e("The server shut down", "Council is restarting or shutting down; join again later.");
    default:
      return e(`The session ended (${reason})`, "Join again to continue.");
  }
}

export interface StatusInput {
  state: ClientState;
  room: string;
  /** The reconnect attempt under way (1, 2, ...). */
  attempt: number;
  /** The receive transport's connection state ("new" until known). */
  media: string;
  /** Set once the session has ended: its reason. */
  endedReason?: string;
}

/** The status bar's line. */
export function statusLine(s: StatusInput): string {
  switch (s.state) {
    case "idle":
      return "Not connected";
    case "connecting":
      return `Connecting to room ${s.room}…`;
    case "reconnecting":
      return `Connection lost; reconnecting (attempt ${Math.max(1, s.attempt)})…`;
    case "failed":
      return "Could not join";
    case "left":
      return ending(s.endedReason ?? "left", s.room).title;
    case "joined":
      if (s.media === "connected") return `In room ${s.room}`;
      if (s.media === "failed" || s.media === "disconnected") {
        return `In room ${s.room}; media ${s.media}`;
      }
      return `In room ${s.room}; connecting audio…`;
  }
}

/** A join error (the client's, guard's or the browser's) as a sentence. */
export function joinError(err: unknown): string {
  const name = (err as { name?: string })?.name;
  const message = err instanceof Error ? err.message : String(err);
  if (name === "NotAllowedError") {
    return "The browser was not allowed to use the microphone: allow it for this page " +
      "(the icon in the address bar) and join again.";
  }
  if (name === "NotFoundError" || name === "OverconstrainedError") {
    return "No microphone (or the chosen camera) was found: plug one in or pick another.";
  }
  if (name === "NotReadableError") {
    return "The microphone or camera is in use by another program.";
  }
  const rejected = /^REJECTED: (\w+): (.*)$/s.exec(message);
  if (rejected) {
    const [, reason, why] = rejected;
    if (reason === "INVALID_SIGNATURE") {
      return `Council did not accept this key: ${why}. Forget the key and import the right one.`;
    }
    if (reason === "NOT_REGISTERED") return `Not admitted: ${why}.`;
    return `Not admitted (${reason}): ${why}`;
  }
  if (/^cannot reach /.test(message)) {
    return `Council cannot be reached (${message.slice("cannot reach ".length)}).`;
  }
  return message;
}

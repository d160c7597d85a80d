// The agent mode of the WebSocket signalling (/ws, docs/agent.md): after
// `{"type":"hello","version":1,"mode":"agent"}` a socket speaks this message set.
// It is the browsers' (signaling/webrtc/protocol.ts) without mediasoup's requests,
// plus `media` (a new ticket for the media socket) and `vote` (a signed ballot). The
// join answer names the media socket: the URL of the room's media worker and a
// one-time ticket. The SDK in agent/ speaks it without importing this file.

import type { AgentTicket } from "../../media/engine/mod.ts";
import {
  type ClientRequest,
  type Joined,
  parseClientMessage,
  ProtocolError,
  type RequestId,
} from "../webrtc/protocol.ts";

/** The audio formats an agent may sign for (its admission's codecs, in its order). */
export const AGENT_CODECS = ["L16", "opus"] as const;
export type AgentCodec = typeof AGENT_CODECS[number];

/** Where an agent's audio goes: a socket on the room's media worker, and its frames. */
export interface AgentMedia extends AgentTicket {
  codec: AgentCodec;
  /** 16000 for L16 (little-endian on the socket); 48000, Opus's clock, for opus. */
  sampleRate: number;
  channels: 1;
  frameMs: 20;
  /** Bytes of every frame each way (L16: 640); absent for Opus (one packet a frame). */
  frameBytes?: number;
}

export interface AgentJoined
  extends Pick<Joined, "memberId" | "room" | "guardianId" | "resumeToken" | "resumeWindowMs"> {
  members: Joined["members"];
  /** The last event number already reflected in `members`. */
  seq: number;
  media: AgentMedia;
}

export type AgentRequest =
  | Extract<
    ClientRequest,
    {
      type:
        | "hello"
        | "join"
        | "resume"
        | "mute"
        | "postEvidence"
        | "consent"
        | "leave"
        | "ping"
        | "pong";
    }
  >
  /** A new ticket for the media socket (after it closed, or a media worker failover). */
  | { type: "media"; id: RequestId }
  /**
   * The member's ballot in one of its room's votes: `signature` (base64 Ed25519 by the
   * guardian's key) covers { voteId, room, guardianId, choice, timestamp } as
   * guard/canonical.ts's ballotBytes encodes it; room and guardian are the member's.
   */
  | {
    type: "vote";
    id: RequestId;
    voteId: string;
    choice: string;
    timestamp: number;
    signature: string;
  };

const SHARED = [
  "hello",
  "join",
  "resume",
  "mute",
  "postEvidence",
  "consent",
  "leave",
  "ping",
  "pong",
];

/** Parses one text frame of an agent's socket, or throws a ProtocolError. */
export function parseAgentMessage(text: string): AgentRequest {
  let raw: Record<string, unknown> | undefined;
  try {
    const v = JSON.parse(text);
    if (typeof v === "object" && v !== null && !Array.isArray(v)) raw = v;
  } catch { /* the shared parser says why */ }
  if (raw?.type !== "media" && raw?.type !== "vote") {
    const req = parseClientMessage(text);
    if (!SHARED.includes(req.type)) {
      throw new ProtocolError(
        "UNKNOWN_TYPE",
        `${req.type} is not part of the agent mode (agents have no transports)`,
        req.id,
      );
    }
    return req as AgentRequest;
  }
  // The id is read by the shared parser's rules: a ping with the same id parses.
  const id = (parseClientMessage(JSON.stringify({ type: "ping", id: raw.id })) as { id: RequestId })
    .id;
  if (raw.type === "media") return { type: "media", id };
  const bad = (field: string, what: string): never => {
    throw new ProtocolError("BAD_REQUEST", `${field}: expected ${what}`, id);
  };
  const { voteId, choice, timestamp, signature } = raw;
  if (typeof voteId !== "string" || voteId.length < 1 || voteId.length > 64) {
    bad("voteId", "a vote id");
  }
  if (typeof choice !== "string" || choice.length < 1 || choice.length > 100) {
    bad("choice", "one of the vote's options");
  }
  if (!Number.isSafeInteger(timestamp) || (timestamp as number) < 0) {
    bad("timestamp", "milliseconds since the epoch");
  }
  if (typeof signature !== "string" || !/^[A-Za-z0-9+/]{86}==$/.test(signature)) {
    bad("signature", "a 64-byte Ed25519 signature in base64");
  }
  return {
    type: "vote",
    id,
    voteId: voteId as string,
    choice: choice as string,
    timestamp: timestamp as number,
    signature: signature as string,
  };
}

// What an agent and Council say to each other over /ws in agent mode (docs/agent.md).
// The SDK's own copy of the wire format: it imports nothing of the server's.

/** A member of the room, whatever its protocol. */
export interface MemberInfo {
  memberId: string;
  guardianId: string;
  protocol: "sip" | "h323" | "webrtc" | "feed" | "agent";
  codec: string;
  muted: boolean;
  joinedAt: number;
  displayName?: string;
  guest?: boolean;
}

export interface VoteOpened {
  voteId: string;
  question: string;
  options: string[];
  deadline: string;
}

/** The numbered events of a member, replayed after a resume (the browsers' set). */
export type RoomEvent =
  | { name: "member.joined"; data: MemberInfo }
  | { name: "member.left"; data: { memberId: string; reason: string } }
  | { name: "member.muted"; data: { memberId: string; muted: boolean } }
  | { name: "speaker"; data: { memberId: string | null } }
  | { name: "evidence.shown"; data: Record<string, unknown> }
  | { name: "vote.opened"; data: VoteOpened }
  | {
    name: "vote.closed";
    data: { voteId: string; result: Record<string, unknown>; witnessIndex: number };
  }
  | { name: "recording.started"; data: { recordingId: string; by: string } }
  | { name: "recording.stopped"; data: { recordingId: string; reason: string } }
  /** The policy asks every member's consent first: answer with AgentClient.consent(). */
  | { name: "recording.consent"; data: { recordingId: string; why: string; timeoutMs: number } }
  | { name: "recording.refused"; data: { recordingId: string; reason: string } }
  | { name: "provenance.state"; data: Record<string, unknown> }
  | { name: "session.ended"; data: { reason: string } }
  | {
    name: "invitation";
    data: { room: string; escalationId: string; severity: string; summary: string };
  };

export type RoomEventName = RoomEvent["name"];
export type Numbered = RoomEvent & { type: "event"; seq: number };

/** The media socket: a URL on the room's media worker, a one-time ticket, the frames. */
export interface MediaTicket {
  url: string;
  ticket: string;
  expiresInMs: number;
  codec: "L16" | "opus";
  sampleRate: number;
  channels: 1;
  frameMs: 20;
  frameBytes?: number;
}

export interface Joined {
  memberId: string;
  room: string;
  guardianId: string;
  resumeToken: string;
  resumeWindowMs: number;
  members: MemberInfo[];
  seq: number;
  media: MediaTicket;
}

export type ServerMessage =
  | { type: "result"; id: number; data?: unknown }
  | { type: "error"; id?: number; code: string; message: string }
  | Numbered
  | { type: "levels"; levels: Record<string, number> }
  | { type: "ping"; id: number };

export const PROTOCOL_VERSION = 1;
/** 20 ms of 16-bit mono PCM at 16 kHz. */
export const FRAME_SAMPLES = 320;
export const SAMPLE_RATE = 16000;

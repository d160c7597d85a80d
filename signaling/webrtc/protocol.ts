// The WebSocket join protocol between a browser and Council (docs/API.md, "WebRTC
// signalling"). JSON text frames; every request has a `type` and an `id` the answer
// repeats. This module is shared by the server and the browser client (web/src), so
// it imports nothing but types.

import type { AdmissionRequest } from "../../guard/types.ts";
import type { MemberProvenance, RoomMemberInfo } from "../../rooms/events.ts";

export type { MemberProvenance };

/** Version of the message set; `hello` names it and the server refuses others. */
export const PROTOCOL_VERSION = 1;

export type RequestId = string | number;
export type Direction = "send" | "recv";
export type MediaKind = "audio" | "video";

/** Opaque mediasoup objects travel as JSON; the server validates their shape when used. */
export type Json = Record<string, unknown>;

export type ClientRequest =
  /** `mode: "agent"`: the socket is an AI guardian's (signaling/agent/protocol.ts, docs/agent.md). */
  | { type: "hello"; id: RequestId; version: number; mode?: "browser" | "agent" }
  | { type: "join"; id: RequestId; room: string; admission: AdmissionRequest }
  | { type: "resume"; id: RequestId; token: string; lastSeq: number }
  | { type: "capabilities"; id: RequestId; rtpCapabilities: Json }
  | { type: "createTransport"; id: RequestId; direction: Direction }
  | { type: "connectTransport"; id: RequestId; transportId: string; dtlsParameters: Json }
  | { type: "restartIce"; id: RequestId; transportId: string }
  | {
    type: "produce";
    id: RequestId;
    transportId: string;
    kind: MediaKind;
    rtpParameters: Json;
    paused?: boolean;
    /**
     * Audio only: the page chains and signs what this producer sends (docs/provenance.md,
     * "Browsers"); `streamId` is the chain's 16-byte stream id in hex.
     */
    provenance?: { streamId: string };
  }
  /**
   * A signed checkpoint of the member's audio chain: frame `index` (the page's count
   * of frames its encoded transform saw, from 0) had RTP timestamp `rtpTimestamp` and
   * link `link` (hex, 32 bytes); `signature` (base64, 64 bytes) is the guardian's
   * Ed25519 signature over the checkpoint bytes (provenance/checkpoint.ts).
   */
  | {
    type: "checkpoint";
    id: RequestId;
    streamId: string;
    index: number;
    rtpTimestamp: number;
    link: string;
    signature: string;
  }
  | {
    type: "pauseProducer" | "resumeProducer" | "closeProducer";
    id: RequestId;
    producerId: string;
  }
  | { type: "resumeConsumer" | "pauseConsumer"; id: RequestId; consumerId: string }
  | { type: "mute"; id: RequestId; muted: boolean }
  /** The member's answer to `recording.consent` (docs/provenance.md, "Consent"). */
  | { type: "consent"; id: RequestId; consent: boolean }
  | {
    type: "postEvidence";
    id: RequestId;
    kind: string;
    title: string;
    body: string;
    url?: string;
  }
  | { type: "leave"; id: RequestId }
  | { type: "ping"; id: RequestId }
  | { type: "pong"; id: RequestId };

export type ClientType = ClientRequest["type"];

/** A member of the room as browsers see it, whatever its protocol. */
export type MemberInfo = RoomMemberInfo;

export interface ConsumerInfo {
  consumerId: string;
  producerId: string;
  /** Whose media this is; "mix" for the MCU's mix of everyone else. */
  memberId: string;
  kind: MediaKind;
  rtpParameters: Json;
}

/** Events that matter to the client's state: numbered and replayed after a reconnect. */
export type MemberEvent =
  | { name: "member.joined"; data: MemberInfo }
  | { name: "member.left"; data: { memberId: string; reason: string } }
  | { name: "member.muted"; data: { memberId: string; muted: boolean } }
  | { name: "speaker"; data: { memberId: string | null } }
  | { name: "evidence.shown"; data: Json }
  | { name: "vote.opened"; data: Json }
  | { name: "vote.closed"; data: Json }
  | { name: "consumer.new"; data: ConsumerInfo }
  | { name: "consumer.closed"; data: { consumerId: string } }
  | { name: "consumer.layers"; data: { consumerId: string; spatialLayer: number | null } }
  /**
   * The membership is over: revoked, guardian-suspended, guardian-revoked,
   * media-timeout, socket-lost, shutdown, removed, room-closed, replaced (the same
   * guardian joined the room again, from another tab or after a reload) or
   * webrtc-worker-died (join again).
   */
  | { name: "session.ended"; data: { reason: string } }
  /** A member's signed stream was verified, lost its proof, or broke (docs/provenance.md). */
  | { name: "provenance.state"; data: MemberProvenance }
  /** The room's mix is recorded from now on, or no longer (docs/provenance.md, "Recordings"). */
  | { name: "recording.started"; data: { recordingId: string; by: string } }
  | { name: "recording.stopped"; data: { recordingId: string; reason: string } }
  /** The policy asks every member's consent first: answer with the `consent` request. */
  | { name: "recording.consent"; data: { recordingId: string; why: string; timeoutMs: number } }
  /** A member refused or did not answer: nothing is recorded. */
  | { name: "recording.refused"; data: { recordingId: string; reason: string } }
  /** The council is convened elsewhere (an ESCALATE room): join it with a new request. */
  | {
    name: "invitation";
    data: { room: string; escalationId: string; severity: string; summary: string };
  };

export type ServerMessage =
  | { type: "result"; id: RequestId; data?: unknown }
  | { type: "error"; id?: RequestId; code: ErrorCode; message: string }
  | ({ type: "event"; seq: number } & MemberEvent)
  /** Volatile: not numbered, not replayed (a level is stale a second later). */
  | { type: "levels"; levels: Record<string, number> }
  /**
   * Volatile: a checkpoint of the mix this member hears (docs/provenance.md), signed
   * with Council's media key (Joined.mixKey): stream id and link in hex, signature base64.
   */
  | {
    type: "mix.checkpoint";
    streamId: string;
    index: number;
    rtpTimestamp: number;
    link: string;
    signature: string;
  }
  | { type: "ping"; id: number };

export type ErrorCode =
  | "BAD_REQUEST"
  | "UNKNOWN_TYPE"
  | "TOO_LARGE"
  | "RATE_LIMITED"
  | "OUT_OF_ORDER"
  | "NOT_FOUND"
  | "REJECTED"
  | "RESUME_FAILED"
  | "UNAVAILABLE"
  | "INTERNAL_ERROR";

export interface Welcome {
  version: number;
  heartbeatMs: number;
  maxMessageBytes: number;
  /** The same for every room's Router (see Joined). */
  routerRtpCapabilities: Json;
}

export interface Joined {
  memberId: string;
  room: string;
  guardianId: string;
  /** Presented with `resume` on a new socket while the session lives. */
  resumeToken: string;
  resumeWindowMs: number;
  routerRtpCapabilities: Json;
  members: MemberInfo[];
  /** The last event number already reflected in `members`. */
  seq: number;
  /** How the room's operator wants video laid out: "grid", "speaker" or "presentation". */
  videoLayout: string;
  /** Members whose stream is signed, as far as it is proven now (the rest: unverified). */
  provenance: MemberProvenance[];
  /**
   * The mix this member hears is chained (docs/provenance.md): signed with Council's
   * media key (`key`, base64), stream `streamId` (hex), its checkpoints sent as
   * `mix.checkpoint` (absent: the mix is not chained).
   */
  mix?: { key: string; streamId: string };
}

export interface Resumed {
  memberId: string;
  /** Transports still open on the server (their ICE can be restarted). */
  transportIds: string[];
  /** Events after the client's lastSeq follow this answer, in order. */
  replayed: number;
}

export interface TransportInfo {
  transportId: string;
  iceParameters: Json;
  iceCandidates: Json[];
  dtlsParameters: Json;
}

export class ProtocolError extends Error {
  override name = "ProtocolError";
  constructor(readonly code: ErrorCode, message: string, readonly id?: RequestId) {
    super(message);
  }
}

const ID_RE = /^[\w.:-]{1,64}$/;
const STREAM_ID_RE = /^[0-9a-f]{32}$/;
const LINK_RE = /^[0-9a-f]{64}$/;
const SIGNATURE_RE = /^[A-Za-z0-9+/]{86}==$/;
const OBJECT_ID_RE = /^[0-9a-f-]{36}$/;
const TYPES: readonly ClientType[] = [
  "hello",
  "join",
  "resume",
  "capabilities",
  "createTransport",
  "connectTransport",
  "restartIce",
  "produce",
  "pauseProducer",
  "resumeProducer",
  "closeProducer",
  "resumeConsumer",
  "pauseConsumer",
  "mute",
  "consent",
  "postEvidence",
  "checkpoint",
  "leave",
  "ping",
  "pong",
];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Parses one text frame into a request, or throws a ProtocolError that carries the
 * request id whenever one could be read, so the client can match the error.
 */
export function parseClientMessage(text: string): ClientRequest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ProtocolError("BAD_REQUEST", "not JSON");
  }
  if (!isObject(raw)) throw new ProtocolError("BAD_REQUEST", "expected a JSON object");
  const id = raw.id;
  const validId = (typeof id === "number" && Number.isSafeInteger(id) && id >= 0) ||
    (typeof id === "string" && ID_RE.test(id));
  if (!validId) {
    throw new ProtocolError(
      "BAD_REQUEST",
      "id: expected a non-negative integer or 1-64 word chars",
    );
  }
  const rid = id as RequestId;
  const bad = (field: string, what: string): never => {
    throw new ProtocolError("BAD_REQUEST", `${field}: expected ${what}`, rid);
  };
  if (typeof raw.type !== "string") bad("type", "a string");
  const type = raw.type as string;
  if (!(TYPES as readonly string[]).includes(type)) {
    throw new ProtocolError(
      "UNKNOWN_TYPE",
      `unknown type ${JSON.stringify(type.slice(0, 40))}`,
      rid,
    );
  }
  const objectId = (field: string): string => {
    const v = raw[field];
    return typeof v === "string" && OBJECT_ID_RE.test(v) ? v : bad(field, "an id");
  };
  const object = (field: string): Json => {
    const v = raw[field];
    return isObject(v) ? v : bad(field, "an object");
  };
  switch (type as ClientType) {
    case "hello": {
      const version = raw.version;
      if (!Number.isInteger(version)) bad("version", "an integer");
      const mode = raw.mode;
      if (mode !== undefined && mode !== "browser" && mode !== "agent") {
        bad("mode", `"browser" or "agent"`);
      }
      return {
        type: "hello",
        id: rid,
        version: version as number,
        ...(mode ? { mode: mode as "browser" | "agent" } : {}),
      };
    }
    case "join": {
      const room = raw.room;
      if (typeof room !== "string" || room.length > 64) bad("room", "a room name");
      // The admission request itself is checked field by field by guard.
      return {
        type: "join",
        id: rid,
        room: room as string,
        admission: object("admission") as unknown as AdmissionRequest,
      };
    }
    case "resume": {
      const token = raw.token;
      if (typeof token !== "string" || !/^[A-Za-z0-9_-]{16,128}$/.test(token)) {
        bad("token", "a resume token");
      }
      const lastSeq = raw.lastSeq;
      if (!Number.isSafeInteger(lastSeq) || (lastSeq as number) < 0) {
        bad("lastSeq", "a non-negative integer");
      }
      return { type: "resume", id: rid, token: token as string, lastSeq: lastSeq as number };
    }
    case "capabilities":
      return { type: "capabilities", id: rid, rtpCapabilities: object("rtpCapabilities") };
    case "createTransport": {
      const direction = raw.direction;
      if (direction !== "send" && direction !== "recv") bad("direction", `"send" or "recv"`);
      return { type: "createTransport", id: rid, direction: direction as Direction };
    }
    case "connectTransport":
      return {
        type: "connectTransport",
        id: rid,
        transportId: objectId("transportId"),
        dtlsParameters: object("dtlsParameters"),
      };
    case "restartIce":
      return { type: "restartIce", id: rid, transportId: objectId("transportId") };
    case "produce": {
      const kind = raw.kind;
      if (kind !== "audio" && kind !== "video") bad("kind", `"audio" or "video"`);
      if (raw.paused !== undefined && typeof raw.paused !== "boolean") bad("paused", "a boolean");
      let provenance: { streamId: string } | undefined;
      if (raw.provenance !== undefined) {
        const p = object("provenance");
        if (kind !== "audio") bad("provenance", "nothing: only audio is chained");
        if (typeof p.streamId !== "string" || !STREAM_ID_RE.test(p.streamId)) {
          bad("provenance.streamId", "16 bytes in lower-case hex");
        }
        provenance = { streamId: p.streamId as string };
      }
      return {
        type: "produce",
        id: rid,
        transportId: objectId("transportId"),
        kind: kind as MediaKind,
        rtpParameters: object("rtpParameters"),
        paused: raw.paused as boolean | undefined,
        ...(provenance ? { provenance } : {}),
      };
    }
    case "pauseProducer":
    case "resumeProducer":
    case "closeProducer":
      return { type, id: rid, producerId: objectId("producerId") } as ClientRequest;
    case "pauseConsumer":
    case "resumeConsumer":
      return { type, id: rid, consumerId: objectId("consumerId") } as ClientRequest;
    case "mute":
      if (typeof raw.muted !== "boolean") bad("muted", "a boolean");
      return { type: "mute", id: rid, muted: raw.muted as boolean };
    case "consent":
      if (typeof raw.consent !== "boolean") bad("consent", "a boolean");
      return { type: "consent", id: rid, consent: raw.consent as boolean };
    case "postEvidence": {
      // The fields themselves are checked by the evidence board, each error named.
      const { type: _t, id: _i, ...item } = raw;
      return { type: "postEvidence", id: rid, ...item } as ClientRequest;
    }
    case "checkpoint": {
      const { streamId, index, rtpTimestamp, link, signature } = raw;
      if (typeof streamId !== "string" || !STREAM_ID_RE.test(streamId)) {
        bad("streamId", "16 bytes in lower-case hex");
      }
      if (!Number.isSafeInteger(index) || (index as number) < 0) {
        bad("index", "a non-negative integer");
      }
      if (
        !Number.isInteger(rtpTimestamp) || (rtpTimestamp as number) < 0 ||
        (rtpTimestamp as number) > 0xffffffff
      ) bad("rtpTimestamp", "an RTP timestamp (0 to 2^32 - 1)");
      if (typeof link !== "string" || !LINK_RE.test(link)) {
        bad("link", "32 bytes in lower-case hex");
      }
      if (typeof signature !== "string" || !SIGNATURE_RE.test(signature)) {
        bad("signature", "a 64-byte signature in base64");
      }
      return {
        type: "checkpoint",
        id: rid,
        streamId: streamId as string,
        index: index as number,
        rtpTimestamp: rtpTimestamp as number,
        link: link as string,
        signature: signature as string,
      };
    }
    case "leave":
    case "ping":
    case "pong":
      return { type, id: rid } as ClientRequest;
  }
}

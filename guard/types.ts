// The contract between signalling stacks and IF.guard (ARCHITECTURE.md): call types,
// the shared reject reasons, the admission request and the decision.

export const CALL_TYPES = ["ROUTINE", "ESCALATE", "EMERGENCY"] as const;
export type CallType = typeof CALL_TYPES[number];

/** One enum for every stack; each maps it to its own codes (SIP, RAS, HTTP, WS). */
export const REJECT_REASONS = [
  "INVALID_SIGNATURE",
  "NOT_REGISTERED",
  "REPLAYED",
  "PII_POLICY_VIOLATION",
  "BANDWIDTH_EXCEEDED",
  "CAPACITY_EXCEEDED",
  "RATE_LIMITED",
  "CODEC_UNSUPPORTED",
  "ROOM_NOT_FOUND",
  "INTERNAL_ERROR",
] as const;
export type RejectReason = typeof REJECT_REASONS[number];

/**
 * Codec names as SDP rtpmap encodings use them. L16 is 16-bit linear PCM at 16 kHz
 * (RFC 3551 4.5.11, network byte order; a dynamic payload type): the agent leg's
 * format (docs/agent.md), taken from a phone only when it offers L16/16000.
 */
export const CODECS = ["opus", "G722", "PCMU", "PCMA", "G729", "L16"] as const;
export type Codec = typeof CODECS[number];

/** What a participant asks for; `signature` covers everything else (canonical.ts). */
export interface AdmissionRequest {
  guardianId: string;
  room: string;
  callType: CallType;
  bandwidthKbps: number;
  codecs: Codec[];
  pii: boolean;
  /** Milliseconds since the Unix epoch, set by the signer. */
  timestamp: number;
  /** 16-64 base64url characters, unique per request. */
  nonce: string;
  /** Base64 Ed25519 signature over the canonical bytes. */
  signature: string;
}

/**
 * How a stack authenticated a caller itself. Password proofs (SIP digest, an H.323
 * registration proven by H.235.1) admit the call types the policy lets passwords
 * have (ROUTINE by default); an H.323 registration signed with the guardian's own
 * Ed25519 key (Council's RAS token) is as strong as a signed request and admits any.
 * "room-pin": a guest who keyed in the room's PIN after connecting (no guardian;
 * guardianId is guest-<8 hex>), admitted to the same call types as a password.
 * "h323-gatekeeper": a caller a trusted gatekeeper routed to Council and vouches
 * for by its h323-ID (h323.trustRouted), also admitted as by a password.
 */
export const STACK_AUTHENTICATIONS = [
  "sip-digest",
  "h323-registration",
  "h323-signed-registration",
  "h323-gatekeeper",
  "room-pin",
] as const;
export type StackAuthentication = typeof STACK_AUTHENTICATIONS[number];

/** Proven with the guardian's key rather than a password. */
export function keyBacked(a: StackAuthentication): boolean {
  return a === "h323-signed-registration";
}

/**
 * A request whose caller the signalling stack authenticated itself: no signature
 * of its own; freshness is the stack's (digest nonces and counts, registration TTL).
 * The method is witnessed with the decision.
 */
export type AuthenticatedRequest = Omit<AdmissionRequest, "timestamp" | "nonce" | "signature"> & {
  authentication: StackAuthentication;
  /**
   * Who a guest ("room-pin") says it is (SIP From, H.323 sourceAddress), unverified;
   * witnessed with the decision.
   */
  claimedIdentity?: string;
};

/** Guests admitted by a room PIN are named guest-<8 hex>; no guardian has such an id. */
export const GUEST_ID_RE = /^guest-[0-9a-f]{8}$/;

/** A fresh guest id. */
export function newGuestId(): string {
  const b = crypto.getRandomValues(new Uint8Array(4));
  return `guest-${[...b].map((x) => x.toString(16).padStart(2, "0")).join("")}`;
}

export interface MediaAddress {
  host: string;
  port: number;
}

/** An admitted session as the caller sees it. */
export interface Admit extends Omit<Session, "id" | "createdAt"> {
  decision: "admit";
  sessionId: string;
  policyVersion: string;
  /** Index of the witness entry that recorded this decision. */
  witnessIndex: number;
}

export interface Reject {
  decision: "reject";
  reason: RejectReason;
  message: string;
  policyVersion: string;
  /** Absent only when the witness itself failed (reason INTERNAL_ERROR). */
  witnessIndex?: number;
  /** Seconds after which trying again may succeed (RATE_LIMITED, CAPACITY_EXCEEDED). */
  retryAfter?: number;
}

export type Decision = Admit | Reject;

export const GUARDIAN_STATUSES = ["active", "suspended", "revoked"] as const;
export type GuardianStatus = typeof GUARDIAN_STATUSES[number];

export interface Guardian {
  /** URI such as if://guardian/technical */
  id: string;
  displayName: string;
  role: string;
  /** Base64 of the 32-byte Ed25519 public key. */
  publicKey: string;
  bandwidthKbps: number;
  status: GuardianStatus;
  createdAt: string;
  updatedAt: string;
}

export interface Session {
  id: string;
  guardianId: string;
  room: string;
  callType: CallType;
  bandwidthKbps: number;
  codec: Codec;
  media: MediaAddress;
  createdAt: string;
}

// H.225.0 call signalling messages (clause 7.3-7.4): a Q.931 message whose
// User-user IE carries the PER-encoded H323-UserInformation. Builders for what
// Council sends, the reader for what it receives, and the mapping of release
// reasons to Q.850 causes (H.225.0 Table 5).

import type { RejectReason } from "../../../guard/mod.ts";
import { decode, encode } from "../asn1/per.ts";
import {
  callStateIe,
  causeIe,
  IE,
  ieOf,
  type InformationElement,
  type MessageType,
  parseQ931,
  Q931Error,
  type Q931Message,
  serializeQ931,
} from "../q931/message.ts";
import { H225_PROTOCOL, H323UserInformation } from "./mod.ts";

type Msg = Record<string, unknown>;

/** User-user IE protocol discriminator for X.208/X.209 coded user information. */
const UU_PROTOCOL = 0x05;

export interface CsMessage {
  q931: Q931Message;
  /** The H323-UserInformation, when the message carries one. */
  uu?: Msg;
  /** "setup", "facility", "empty"... (the h323-message-body alternative). */
  kind?: string;
  body?: Msg | null;
  pdu?: Msg;
}

/** Parses one call signalling message; Q931Error (with the cause to answer) if it is bad. */
export function readCs(bytes: Uint8Array): CsMessage {
  const q931 = parseQ931(bytes);
  const uuIe = ieOf(q931, IE.userUser);
  if (!uuIe) return { q931 };
  if (uuIe.length < 2 || uuIe[0] !== UU_PROTOCOL) {
    throw new Q931Error("User-user IE is not X.208 coded H.225.0 information", 100);
  }
  let uu: Msg;
  try {
    uu = decode(H323UserInformation, uuIe.subarray(1), "H323-UserInformation") as Msg;
  } catch (err) {
    throw new Q931Error(`User-user IE: ${(err as Error).message}`, 100);
  }
  const pdu = uu["h323-uu-pdu"] as Msg;
  const messageBody = pdu["h323-message-body"] as Msg;
  const [kind] = Object.keys(messageBody);
  return { q931, uu, pdu, kind, body: messageBody[kind] as Msg | null };
}

export interface CsOut {
  type: MessageType;
  callReference: number;
  /** True on messages from the side that did not allocate the call reference. */
  fromDestination: boolean;
  kind: string;
  body: Msg | null;
  tunnelling: boolean;
  h245Control?: Uint8Array[];
  ies?: InformationElement[];
}

/** One call signalling message as bytes for TPKT. */
export function writeCs(m: CsOut): Uint8Array {
  const pdu: Msg = {
    "h323-message-body": { [m.kind]: m.body },
    h245Tunnelling: m.tunnelling,
  };
  if (m.h245Control?.length) pdu.h245Control = m.h245Control;
  const uu = encode(H323UserInformation, { "h323-uu-pdu": pdu }, "H323-UserInformation");
  const uuData = new Uint8Array(uu.length + 1);
  uuData[0] = UU_PROTOCOL;
  uuData.set(uu, 1);
  return serializeQ931({
    callReference: m.callReference,
    fromDestination: m.fromDestination,
    type: m.type,
    ies: [...(m.ies ?? []), { id: IE.userUser, data: uuData }],
  });
}

/** How Council describes itself in destinationInfo: an MCU with its MC. */
export const COUNCIL_ENDPOINT: Msg = { mcu: {}, mc: true, undefinedNode: false };

export function callProceeding(guid: Uint8Array, extra: Msg = {}): Msg {
  return {
    protocolIdentifier: H225_PROTOCOL,
    destinationInfo: COUNCIL_ENDPOINT,
    callIdentifier: { guid },
    multipleCalls: false,
    maintainConnection: false,
    ...extra,
  };
}

/** Alerting-UUIE: the same mandatory fields as Call Proceeding's. */
export const alerting = callProceeding;

/** Information-UUIE (keypad digits ride in the Q.931 Keypad facility IE). */
export function information(guid: Uint8Array): Msg {
  return { protocolIdentifier: H225_PROTOCOL, callIdentifier: { guid } };
}

export function connect(guid: Uint8Array, conferenceID: Uint8Array, extra: Msg = {}): Msg {
  return {
    protocolIdentifier: H225_PROTOCOL,
    destinationInfo: COUNCIL_ENDPOINT,
    conferenceID,
    callIdentifier: { guid },
    multipleCalls: false,
    maintainConnection: false,
    ...extra,
  };
}

/**
 * A Setup from Council (an MC calling a terminal into a conference). The goal is
 * `create` (H.225.0 7.3.1): to the terminal this is a new call to a conference it
 * does not know; `invite` asks it to invite others, and H323Plus's default handler
 * refuses such a call (EndedByTransportFail; issue 23), while `create` connects.
 */
export function setup(o: {
  guid: Uint8Array;
  conferenceID: Uint8Array;
  source: string;
  destination: Msg[];
  destCallSignalAddress: Msg;
  fastStart: Uint8Array[];
}): Msg {
  return {
    protocolIdentifier: H225_PROTOCOL,
    sourceAddress: [{ "h323-ID": o.source }],
    sourceInfo: COUNCIL_ENDPOINT,
    destinationAddress: o.destination,
    destCallSignalAddress: o.destCallSignalAddress,
    activeMC: true,
    conferenceID: o.conferenceID,
    conferenceGoal: { create: null },
    callType: { pointToPoint: null },
    callIdentifier: { guid: o.guid },
    fastStart: o.fastStart,
    mediaWaitForConnect: false,
    canOverlapSend: false,
    multipleCalls: false,
    maintainConnection: false,
  };
}

export function releaseComplete(guid: Uint8Array, reason?: string): Msg {
  return {
    protocolIdentifier: H225_PROTOCOL,
    ...(reason ? { reason: { [reason]: null } } : {}),
    callIdentifier: { guid },
  };
}

export function status(guid: Uint8Array): Msg {
  return { protocolIdentifier: H225_PROTOCOL, callIdentifier: { guid } };
}

/** H.225.0 Table 5: the Q.850 cause each ReleaseCompleteReason maps to. */
export const CAUSE_OF_REASON: Record<string, number> = {
  noBandwidth: 34,
  gatekeeperResources: 47,
  unreachableDestination: 3,
  destinationRejection: 16,
  invalidRevision: 88,
  noPermission: 111,
  unreachableGatekeeper: 38,
  gatewayResources: 42,
  badFormatAddress: 28,
  adaptiveBusy: 41,
  inConf: 17,
  undefinedReason: 31,
  facilityCallDeflection: 16,
  securityDenied: 31,
  calledPartyNotRegistered: 20,
  callerNotRegistered: 31,
  neededFeatureNotSupported: 88,
};

/** IF.guard's reasons as ReleaseCompleteReason (docs/API.md). */
export const RELEASE_REASON: Record<RejectReason, string> = {
  INVALID_SIGNATURE: "securityDenied",
  NOT_REGISTERED: "callerNotRegistered",
  REPLAYED: "securityDenied",
  PII_POLICY_VIOLATION: "noPermission",
  BANDWIDTH_EXCEEDED: "noBandwidth",
  CAPACITY_EXCEEDED: "gatekeeperResources",
  RATE_LIMITED: "adaptiveBusy",
  CODEC_UNSUPPORTED: "neededFeatureNotSupported",
  ROOM_NOT_FOUND: "unreachableDestination",
  INTERNAL_ERROR: "undefinedReason",
};

/** A Release Complete with both the H.225.0 reason and its Q.850 cause. */
export function releaseMessage(
  callReference: number,
  guid: Uint8Array,
  tunnelling: boolean,
  reason: string | undefined,
  cause: number,
  h245Control?: Uint8Array[],
  fromDestination = true,
): Uint8Array {
  return writeCs({
    type: "releaseComplete",
    callReference,
    fromDestination,
    kind: "releaseComplete",
    body: releaseComplete(guid, reason),
    tunnelling,
    h245Control,
    ies: [causeIe(cause)],
  });
}

/** Q.931 5.8: STATUS in answer to what could not be processed, with the call state. */
export function statusMessage(
  callReference: number,
  fromDestination: boolean,
  guid: Uint8Array,
  cause: number,
  callState: number,
): Uint8Array {
  return writeCs({
    type: "status",
    callReference,
    fromDestination,
    kind: "status",
    body: status(guid),
    tunnelling: false,
    ies: [causeIe(cause), callStateIe(callState)],
  });
}

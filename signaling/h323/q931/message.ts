// Q.931 messages as H.225.0 clause 7 uses them for H.323 call signalling: protocol
// discriminator 8, a 2-octet call reference, the message type, then information
// elements. The User-user IE (0x7E) carries the PER-encoded H323-UserInformation
// and, unlike Q.931's other IEs, has a 2-octet length (H.225.0 7.2.2.x).

export class Q931Error extends Error {
  override name = "Q931Error";
  /** The Q.850 cause an answer should carry (Q.931 5.8: 95 invalid message). */
  constructor(message: string, readonly q850 = 95) {
    super(message);
  }
}

/** Q.931 Table 4-2 message types H.225.0 uses. */
export const MESSAGE_TYPE = {
  alerting: 0x01,
  callProceeding: 0x02,
  progress: 0x03,
  setup: 0x05,
  connect: 0x07,
  setupAck: 0x0d,
  connectAck: 0x0f,
  disconnect: 0x45,
  release: 0x4d,
  releaseComplete: 0x5a,
  facility: 0x62,
  notify: 0x6e,
  statusEnquiry: 0x75,
  information: 0x7b,
  status: 0x7d,
} as const;
export type MessageType = keyof typeof MESSAGE_TYPE;
const TYPE_NAME = new Map<number, MessageType>(
  Object.entries(MESSAGE_TYPE).map(([k, v]) => [v, k as MessageType]),
);

/** Q.931 4.5 information element identifiers H.225.0 uses. */
export const IE = {
  bearerCapability: 0x04,
  cause: 0x08,
  callState: 0x14,
  channelIdentification: 0x18,
  facility: 0x1c,
  progressIndicator: 0x1e,
  notificationIndicator: 0x27,
  display: 0x28,
  keypad: 0x2c,
  signal: 0x34,
  connectedNumber: 0x4c,
  callingPartyNumber: 0x6c,
  callingPartySubaddress: 0x6d,
  calledPartyNumber: 0x70,
  calledPartySubaddress: 0x71,
  userUser: 0x7e,
} as const;

export interface InformationElement {
  id: number;
  data: Uint8Array;
}

export interface Q931Message {
  /** The call reference value (15 bits). */
  callReference: number;
  /** The call reference flag: set in messages from the side that did not allocate it. */
  fromDestination: boolean;
  type: MessageType;
  ies: InformationElement[];
}

/** Bounds a hostile message: no real one has more than a few dozen IEs. */
const MAX_IES = 64;

export function parseQ931(b: Uint8Array): Q931Message {
  if (b.length < 5) throw new Q931Error(`a Q.931 message of ${b.length} octets is too short`);
  if (b[0] !== 0x08) {
    throw new Q931Error(`protocol discriminator ${b[0]} is not Q.931 (8)`);
  }
  const crLength = b[1] & 0x0f;
  if (crLength !== 2) throw new Q931Error(`call reference length ${crLength}, H.225.0 uses 2`, 81);
  const fromDestination = (b[2] & 0x80) !== 0;
  const callReference = ((b[2] & 0x7f) << 8) | b[3];
  const typeCode = b[4];
  const type = TYPE_NAME.get(typeCode);
  if (!type) throw new Q931Error(`message type 0x${typeCode.toString(16)} is not known`, 97);
  const ies: InformationElement[] = [];
  let at = 5;
  while (at < b.length) {
    if (ies.length >= MAX_IES) throw new Q931Error(`more than ${MAX_IES} information elements`);
    const id = b[at];
    if (id & 0x80) {
      // Single-octet IE (Q.931 4.5.1): its content is in the identifier octet.
      ies.push({ id, data: new Uint8Array(0) });
      at += 1;
      continue;
    }
    let length: number;
    let start: number;
    if (id === IE.userUser) {
      if (at + 3 > b.length) throw new Q931Error("User-user IE header is truncated", 100);
      length = (b[at + 1] << 8) | b[at + 2];
      start = at + 3;
    } else {
      if (at + 2 > b.length) throw new Q931Error(`IE 0x${id.toString(16)} is truncated`, 100);
      length = b[at + 1];
      start = at + 2;
    }
    if (start + length > b.length) {
      throw new Q931Error(
        `IE 0x${id.toString(16)} announces ${length} octets, ${b.length - start} remain`,
        100,
      );
    }
    ies.push({ id, data: b.subarray(start, start + length) });
    at = start + length;
  }
  return { callReference, fromDestination, type, ies };
}

export function serializeQ931(m: Q931Message): Uint8Array {
  const parts: number[] = [
    0x08,
    0x02,
    (m.fromDestination ? 0x80 : 0) | ((m.callReference >> 8) & 0x7f),
    m.callReference & 0xff,
    MESSAGE_TYPE[m.type],
  ];
  const chunks: Uint8Array[] = [new Uint8Array(parts)];
  // Q.931 4.5.1 wants ascending identifiers; callers list them so, and a parsed
  // message keeps its sender's order.
  for (const ie of m.ies) {
    if (ie.id & 0x80) {
      chunks.push(new Uint8Array([ie.id]));
    } else if (ie.id === IE.userUser) {
      if (ie.data.length > 0xffff) throw new Q931Error("User-user IE exceeds 65535 octets");
      chunks.push(new Uint8Array([ie.id, ie.data.length >> 8, ie.data.length & 0xff]), ie.data);
    } else {
      if (ie.data.length > 0xff) throw new Q931Error(`IE 0x${ie.id.toString(16)} exceeds 255`);
      chunks.push(new Uint8Array([ie.id, ie.data.length]), ie.data);
    }
  }
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

export function ieOf(m: Q931Message, id: number): Uint8Array | undefined {
  return m.ies.find((ie) => ie.id === id)?.data;
}

// ---- the IEs Council reads and writes -------------------------------------

/** Cause IE (Q.850 2.2): coding ITU-T, location "private network serving the local user". */
export function causeIe(cause: number): InformationElement {
  return { id: IE.cause, data: new Uint8Array([0x81, 0x80 | (cause & 0x7f)]) };
}

/** The Q.850 cause value of a Cause IE, or undefined. */
export function causeOf(m: Q931Message): number | undefined {
  const d = ieOf(m, IE.cause);
  if (!d || d.length < 2) return undefined;
  // Octet 3a (recommendation) is present when octet 3's extension bit is 0.
  const at = d[0] & 0x80 ? 1 : 2;
  return d.length > at ? d[at] & 0x7f : undefined;
}

/** Bearer capability for speech over 64 kbit/s circuit mode, G.711 (Q.931 4.5.5). */
export function speechBearer(): InformationElement {
  return { id: IE.bearerCapability, data: new Uint8Array([0x80, 0x90, 0xa5]) };
}

export function displayIe(text: string): InformationElement {
  const data = new TextEncoder().encode(text.replace(/[^\x20-\x7e]/g, "?").slice(0, 80));
  return { id: IE.display, data };
}

/** Digits of a called/calling party number IE (Q.931 4.5.8, 4.5.10). */
export function numberOf(m: Q931Message, id: number): string | undefined {
  const d = ieOf(m, id);
  if (!d || d.length < 1) return undefined;
  let at = 1;
  if (!(d[0] & 0x80) && id === IE.callingPartyNumber) at = 2; // octet 3a present
  return new TextDecoder().decode(d.subarray(at)).replace(/[^0-9*#]/g, "");
}

/** Q.931 Call state IE values (4.5.7) for the STATUS Council sends. */
export const CALL_STATE = { null: 0, incomingCallProceeding: 9, active: 10 } as const;

export function callStateIe(state: number): InformationElement {
  return { id: IE.callState, data: new Uint8Array([state & 0x3f]) };
}

/** Q.850 causes Council uses, by name. */
export const CAUSE = {
  unallocatedNumber: 1,
  noRouteToDestination: 3,
  normalClearing: 16,
  userBusy: 17,
  noUserResponding: 18,
  noAnswer: 19,
  subscriberAbsent: 20,
  callRejected: 21,
  invalidNumberFormat: 28,
  normalUnspecified: 31,
  noCircuitAvailable: 34,
  networkOutOfOrder: 38,
  temporaryFailure: 41,
  switchingEquipmentCongestion: 42,
  resourceUnavailable: 47,
  incompatibleDestination: 88,
  invalidMessage: 95,
  mandatoryIeMissing: 96,
  messageTypeNonExistent: 97,
  invalidIeContents: 100,
  recoveryOnTimerExpiry: 102,
  protocolError: 111,
  interworking: 127,
} as const;

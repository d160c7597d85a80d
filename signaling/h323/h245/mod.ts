// H.245: the compiled MULTIMEDIA-SYSTEM-CONTROL module and its message codec.

import { compileModule } from "../asn1/notation.ts";
import { decode, encode } from "../asn1/per.ts";
import { MULTIMEDIA_SYSTEM_CONTROL } from "./asn.ts";

export const h245 = compileModule(MULTIMEDIA_SYSTEM_CONTROL);

export const MultimediaSystemControlMessage = h245.type("MultimediaSystemControlMessage");
export const OpenLogicalChannel = h245.type("OpenLogicalChannel");

/** H.245 protocolIdentifier Council sends (itu-t recommendation h 245 version 7). */
export const H245_PROTOCOL = "0.0.8.245.0.7";

/** One H.245 message: { request: { terminalCapabilitySet: {...} } } and so on. */
export type H245Message = Record<string, Record<string, unknown>>;

export function decodeH245(bytes: Uint8Array): H245Message {
  return decode(
    MultimediaSystemControlMessage,
    bytes,
    "MultimediaSystemControlMessage",
  ) as H245Message;
}

export function encodeH245(message: H245Message): Uint8Array {
  return encode(MultimediaSystemControlMessage, message, "MultimediaSystemControlMessage");
}

/** "request.terminalCapabilitySet": the kind of a message, for logs and dispatch. */
export function h245Kind(m: H245Message): string {
  const [group] = Object.keys(m);
  const [kind] = Object.keys(m[group] ?? {});
  return `${group}.${kind}`;
}

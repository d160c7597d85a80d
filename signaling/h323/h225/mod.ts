// H.225.0: the compiled types (RAS and call signalling user-user information).

import { compileModule } from "../asn1/notation.ts";
import { decode, encode } from "../asn1/per.ts";
import { h245 } from "../h245/mod.ts";
import { H235_SECURITY_MESSAGES, H323_MESSAGES, H323_RAS } from "./asn.ts";

/** H.225.0 v7 and H.235.0, with the three types H.225.0 imports from H.245. */
export const h225 = compileModule(`${H235_SECURITY_MESSAGES}\n${H323_MESSAGES}\n${H323_RAS}`, {
  imports: Object.fromEntries(
    ["DataProtocolCapability", "T38FaxProfile", "QOSCapability"].map((n) => [n, h245.type(n)]),
  ),
});

export const RasMessage = h225.type("RasMessage");
export const H323UserInformation = h225.type("H323-UserInformation");

/** H.225.0 v7's protocolIdentifier (itu-t recommendation h 2250 version 7). */
export const H225_PROTOCOL = "0.0.8.2250.0.7";

export type RasValue = Record<string, Record<string, unknown>>;

export function decodeRas(bytes: Uint8Array): RasValue {
  return decode(RasMessage, bytes, "RasMessage") as RasValue;
}

export function encodeRas(message: RasValue): Uint8Array {
  return encode(RasMessage, message, "RasMessage");
}

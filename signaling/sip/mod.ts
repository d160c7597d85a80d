// Council's SIP stack (RFC 3261, 3581, 4733, 8760): the only public face of signaling/sip.
export * from "./grammar.ts";
export * from "./message.ts";
export {
  DEFAULT_LIMITS,
  parseDatagram,
  type ParseLimits,
  SipParseError,
  StreamFramer,
} from "./parser.ts";

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
export { SipServer, type SipServerOptions } from "./server.ts";
export {
  ADMISSION_HEADER,
  CallError,
  Calls,
  type DialOptions,
  ROOM_USER_RE,
  SIP_STATUS_BY_REASON,
} from "./calls.ts";
export { type Binding, guardianOfUser, Registrar, userOfGuardian } from "./registrar.ts";
export {
  credentialFor,
  type DigestAlgorithm,
  DigestAuthenticator,
  DigestError,
  parseAuthorization,
} from "./digest.ts";
export {
  DEFAULT_TIMERS,
  newBranch,
  newTag,
  type Timers,
  TransactionLayer,
} from "./transactions.ts";
export { type Peer, SipTransport, type TransportName } from "./transport.ts";
export {
  sipTlsIdentity,
  type TlsIdentity,
  tlsIdentityDir,
  TlsIdentityError,
} from "./tls_identity.ts";

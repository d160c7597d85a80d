// IF.guard: the admission policy engine every leg passes through.
export { type AdmitContext, Guard, type GuardOptions, type SessionEnded } from "./guard.ts";
export {
  GUARDIAN_ID_RE,
  type GuardianInput,
  GuardianRegistry,
  type GuardianUpdate,
  RegistryError,
} from "./registry.ts";
export {
  DEFAULT_POLICY,
  ENCRYPTION,
  type Encryption,
  encryptionRequired,
  GATEWAY_ROOM,
  parsePolicy,
  type Policy,
  PolicyError,
  policyRoomOf,
  PolicyStore,
  readPolicyFile,
  ROOM_RE,
} from "./policy.ts";
export {
  ADMISSION_CONTEXT,
  type Ballot,
  BALLOT_CONTEXT,
  ballotBytes,
  signedBytes,
} from "./canonical.ts";
export { nobleVerifier, type Verifier, webCryptoVerifier } from "./verify.ts";
export { parseAdmissionRequest, RequestError } from "./request.ts";
export * from "./types.ts";
export {
  admissionToken,
  generateGuardianKey,
  type GuardianKeyPair,
  newNonce,
  signAdmissionRequest,
  signBallot,
  type UnsignedRequest,
} from "./client.ts";
export {
  CONVENING_HAZARDS,
  decideEscalation,
  type Escalation,
  type EscalationDecision,
  EscalationError,
  parseEscalation,
  SEVERITIES,
  type Severity,
} from "./escalation.ts";
export {
  KeyedLimiter,
  OVERFLOW_KEY,
  RejectLedger,
  type RejectLedgerOptions,
  sourceNetwork,
} from "./flood.ts";

// IF.witness: the tamper-evident log every decision and call event goes to.
export { type Appended, WitnessError, WitnessLog, type WitnessOptions } from "./log.ts";
export {
  decodeEntry,
  encodeEntry,
  type Entry,
  EntryError,
  type JsonValue,
  MAX_ENTRY_BYTES,
} from "./entry.ts";
export {
  HeadError,
  type LogVerifier,
  openTreeHead,
  parseVerifierKey,
  type TreeHead,
  verifierKey,
} from "./checkpoint.ts";
export { verifyConsistency, verifyInclusion } from "./merkle.ts";
export {
  EMPTY_ROOT,
  fromBase64,
  fromBase64Url,
  fromHex,
  leafHash,
  toBase64,
  toBase64Url,
  toHex,
} from "./hash.ts";
export { audit, type AuditReport, type AuditSource } from "./audit.ts";
export { kvAuditSource, storedVerifier } from "./kv_source.ts";
export { KEYS as WITNESS_KEYS } from "./_keys.ts";
export { type EntryView, WitnessClient, WitnessClientError } from "./client.ts";

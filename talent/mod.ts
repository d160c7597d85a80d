// Talent: scout -> sandbox -> certify -> deploy (docs/talent.md). The only public face
// of talent/: routes, the CLI, main.ts and benches import from here.

export {
  type AgentManifest,
  MANIFEST_FILE,
  ManifestError,
  manifestOf,
  parseManifest,
} from "./manifest.ts";
export { packageDigest, PackageError, packageFiles } from "./package_digest.ts";
export { type InspectedPackage, inspectPackage } from "./package.ts";
export { fetchPackage } from "./fetch_package.ts";
export { CHECK_IDS, type CheckId, type CheckResult, CHECKS, piiIn } from "./checks.ts";
export { runSandbox, SANDBOX_ROOM, type SandboxOptions, type SandboxReport } from "./sandbox.ts";
export { DEFAULT_LIMITS, type Limits } from "./sandbox_process.ts";
export {
  type Certificate,
  issueCertificate,
  type NodeKey,
  type RunRecord,
  verifyCertificate,
} from "./certificate.ts";
export {
  type ApprovalPolicy,
  ApprovalPolicyError,
  decide,
  type Decision,
  DEFAULT_APPROVAL_POLICY,
  parseApprovalPolicy,
  readApprovalPolicy,
} from "./approval_policy.ts";
export {
  type Candidate,
  CandidateBook,
  CandidateError,
  type CandidateState,
  type Found,
  STATES,
} from "./candidates.ts";
export {
  expertsFor,
  type Seat,
  Swarm,
  type SwarmAgent,
  SwarmError,
  swarmGuardianId,
} from "./swarm.ts";
export { type SandboxRunner, Talent } from "./pipeline.ts";
export { type Cursor, Scouting, type SourceOutcome } from "./scouts/scouting.ts";
export { parseSources, type Source, SourcesError } from "./scouts/sources.ts";
export {
  type CallPorts,
  DEFAULT_VALIDATION_POLICY,
  ValidationCalls,
  type ValidationPolicy,
  type ValidationResult,
} from "./validation_calls.ts";

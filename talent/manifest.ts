// council-agent.json: what a candidate agent package says about itself (docs/talent.md).
// Parsed strictly: every field bounded, unknown fields refused, each refusal naming
// the field, so a scout or an operator learns exactly why a package was turned away.

export const MANIFEST_FILE = "council-agent.json";
/** A manifest is a few hundred bytes; anything past this is not one. */
export const MAX_MANIFEST_BYTES = 16 * 1024;

const NAME_RE = /^[a-z0-9][a-z0-9-]{0,63}$/;
const VERSION_RE = /^(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})(-[0-9A-Za-z.-]{1,32})?$/;
const TAG_RE = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const DIGEST_RE = /^sha256:[0-9a-f]{64}$/;
const ENTRY_RE = /^[A-Za-z0-9_][A-Za-z0-9_./-]{0,199}\.(ts|js|mjs)$/;
const CODECS = ["L16", "opus"] as const;
const FIELDS = [
  "name",
  "version",
  "entry",
  "expertise",
  "model",
  "contact",
  "needs",
  "digest",
  "description",
];

export type AgentCodec = typeof CODECS[number];

export interface AgentManifest {
  name: string;
  version: string;
  /** The module whose default export takes the connected agent, relative to the package. */
  entry: string;
  /** Expertise tags, matched against escalation hazards (swarm.ts). */
  expertise: string[];
  /** The model it uses ("none" for rule-based agents). */
  model: string;
  /** Who answers for it: an email address or an https URL. */
  contact: string;
  /** What it needs from the sandbox: its codecs in preference order, and speech (say()). */
  needs: { codecs: AgentCodec[]; speech: boolean };
  /** "sha256:<hex>" of the package (package_digest.ts); checked when present. */
  digest?: string;
  description?: string;
}

export class ManifestError extends Error {
  override name = "ManifestError";
}

function text(v: unknown, field: string, max: number): string {
  if (typeof v !== "string" || v.trim() === "" || v.length > max) {
    throw new ManifestError(`${field}: expected 1-${max} characters`);
  }
  return v;
}

/** Parses the bytes of a council-agent.json. */
export function parseManifest(bytes: Uint8Array | string): AgentManifest {
  const size = typeof bytes === "string" ? bytes.length : bytes.byteLength;
  if (size > MAX_MANIFEST_BYTES) {
    throw new ManifestError(`${MANIFEST_FILE}: ${size} bytes, at most ${MAX_MANIFEST_BYTES}`);
  }
  let body: unknown;
  try {
    body = JSON.parse(typeof bytes === "string" ? bytes : new TextDecoder().decode(bytes));
  } catch (err) {
    throw new ManifestError(`${MANIFEST_FILE}: not JSON (${(err as Error).message})`);
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new ManifestError(`${MANIFEST_FILE}: expected a JSON object`);
  }
  return manifestOf(body as Record<string, unknown>);
}

/** Checks a decoded manifest object (also what scouts and the API receive). */
export function manifestOf(o: Record<string, unknown>): AgentManifest {
  for (const key of Object.keys(o)) {
    if (!FIELDS.includes(key)) throw new ManifestError(`${key}: unknown field`);
  }
  for (const key of ["name", "version", "entry", "expertise", "model", "contact"]) {
    if (o[key] === undefined) throw new ManifestError(`${key}: required`);
  }
  if (typeof o.name !== "string" || !NAME_RE.test(o.name)) {
    throw new ManifestError("name: expected [a-z0-9-], 1-64 characters, starting alphanumeric");
  }
  if (typeof o.version !== "string" || !VERSION_RE.test(o.version)) {
    throw new ManifestError("version: expected MAJOR.MINOR.PATCH[-pre] (semver)");
  }
  if (
    typeof o.entry !== "string" || !ENTRY_RE.test(o.entry) ||
    o.entry.split("/").some((p) => p === ".." || p === "." || p === "")
  ) {
    throw new ManifestError(
      "entry: expected a relative path inside the package ending .ts, .js or .mjs (no ..)",
    );
  }
  const tags = o.expertise;
  if (
    !Array.isArray(tags) || tags.length < 1 || tags.length > 20 ||
    tags.some((t) => typeof t !== "string" || !TAG_RE.test(t))
  ) {
    throw new ManifestError("expertise: expected 1-20 tags of [a-z0-9_-]");
  }
  const model = text(o.model, "model", 200);
  const contact = text(o.contact, "contact", 200);
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(contact) && !/^https:\/\/\S+$/.test(contact)) {
    throw new ManifestError("contact: expected an email address or an https:// URL");
  }
  const needs = needsOf(o.needs);
  if (o.digest !== undefined && (typeof o.digest !== "string" || !DIGEST_RE.test(o.digest))) {
    throw new ManifestError("digest: expected sha256:<64 lowercase hex digits>");
  }
  const manifest: AgentManifest = {
    name: o.name,
    version: o.version,
    entry: o.entry,
    expertise: [...new Set(tags as string[])],
    model,
    contact,
    needs,
  };
  if (o.digest !== undefined) manifest.digest = o.digest as string;
  if (o.description !== undefined) manifest.description = text(o.description, "description", 2000);
  return manifest;
}

function needsOf(v: unknown): AgentManifest["needs"] {
  if (v === undefined) return { codecs: ["L16"], speech: false };
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw new ManifestError("needs: expected an object {codecs?, speech?}");
  }
  const n = v as Record<string, unknown>;
  for (const key of Object.keys(n)) {
    if (key !== "codecs" && key !== "speech") {
      throw new ManifestError(`needs.${key}: unknown field`);
    }
  }
  const codecs = n.codecs ?? ["L16"];
  if (
    !Array.isArray(codecs) || codecs.length < 1 || codecs.length > 2 ||
    codecs.some((c) => !(CODECS as readonly unknown[]).includes(c)) ||
    new Set(codecs).size !== codecs.length
  ) {
    throw new ManifestError(`needs.codecs: expected 1-2 of ${CODECS.join(", ")}`);
  }
  if (n.speech !== undefined && typeof n.speech !== "boolean") {
    throw new ManifestError("needs.speech: expected true or false");
  }
  return { codecs: codecs as AgentCodec[], speech: n.speech === true };
}

// IF.guard's decision on an escalation: must the council meet? An escalation is an
// IF message naming hazards, a severity and a summary. It convenes the council when
// its severity is high or critical, or when it names a hazard that always does;
// it is refused outright when it carries PII, because an ESCALATE call admits none.

export const SEVERITIES = ["low", "medium", "high", "critical"] as const;
export type Severity = typeof SEVERITIES[number];

/** Hazards that convene the council whatever the severity. */
export const CONVENING_HAZARDS = ["safety", "security", "legal", "privacy"] as const;
const CONVENING_SEVERITY: Severity = "high";

export interface Escalation {
  /** Who raised it: a guardian or agent URI (if://...). */
  source: string;
  hazards: string[];
  severity: Severity;
  summary: string;
  pii: boolean;
}

export type EscalationDecision =
  | { decision: "convene"; reason: string }
  | { decision: "dismiss"; reason: string }
  | { decision: "reject"; reason: "PII_POLICY_VIOLATION"; message: string };

export class EscalationError extends Error {
  override name = "EscalationError";
}

const FIELDS = ["source", "hazards", "severity", "summary", "pii"];
const HAZARD_RE = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** Strict parsing: every field required and bounded, unknown fields refused, each error named. */
export function parseEscalation(body: Record<string, unknown>): Escalation {
  for (const key of Object.keys(body)) {
    if (!FIELDS.includes(key)) throw new EscalationError(`${key}: unknown field`);
  }
  for (const key of FIELDS) {
    if (body[key] === undefined) throw new EscalationError(`${key}: required`);
  }
  if (typeof body.source !== "string" || !/^if:\/\/[\x21-\x7e]{1,200}$/.test(body.source)) {
    throw new EscalationError("source: expected an if:// URI");
  }
  const h = body.hazards;
  if (
    !Array.isArray(h) || h.length < 1 || h.length > 20 ||
    h.some((x) => typeof x !== "string" || !HAZARD_RE.test(x))
  ) {
    throw new EscalationError("hazards: expected 1-20 names of [a-z0-9_-]");
  }
  if (!(SEVERITIES as readonly unknown[]).includes(body.severity)) {
    throw new EscalationError(`severity: expected one of ${SEVERITIES.join(", ")}`);
  }
  if (
    typeof body.summary !== "string" || body.summary.trim() === "" || body.summary.length > 2000
  ) {
    throw new EscalationError("summary: expected 1-2000 characters");
  }
  if (typeof body.pii !== "boolean") throw new EscalationError("pii: expected true or false");
  return {
    source: body.source,
    hazards: [...new Set(h as string[])],
    severity: body.severity as Severity,
    summary: body.summary.trim(),
    pii: body.pii,
  };
}

export function decideEscalation(e: Escalation): EscalationDecision {
  if (e.pii) {
    return {
      decision: "reject",
      reason: "PII_POLICY_VIOLATION",
      message: "an escalation carrying PII cannot convene an ESCALATE call",
    };
  }
  const hazard = e.hazards.find((h) => (CONVENING_HAZARDS as readonly string[]).includes(h));
  if (hazard) return { decision: "convene", reason: `hazard ${hazard} always convenes` };
  if (SEVERITIES.indexOf(e.severity) >= SEVERITIES.indexOf(CONVENING_SEVERITY)) {
    return { decision: "convene", reason: `severity ${e.severity}` };
  }
  return {
    decision: "dismiss",
    reason: `severity ${e.severity} below ${CONVENING_SEVERITY} and no convening hazard`,
  };
}

// The auto-approval policy: which sandbox results and expertise tags deploy a certified
// agent without a human, which failures reject it outright, and everything else waits
// for an operator (the review queue). A JSON file like guard's policy (docs/talent.md);
// an invalid file is refused with the reason and the defaults stay.

import { CHECK_IDS, type CheckId } from "./checks.ts";
import type { RunRecord } from "./certificate.ts";

export interface ApprovalPolicy {
  version: string;
  autoApprove: {
    /** Checks that must pass: "all" or a list of ids. */
    requirePassed: "all" | CheckId[];
    /** Tags that may deploy without a human ("*": any tag not in reviewTags). */
    tags: string[];
    /** Tags that always need a human, whatever else the policy says. */
    reviewTags: string[];
  };
  /** A failure of any of these rejects at once: no human can approve it. */
  autoReject: { anyFailed: CheckId[] };
}

export const DEFAULT_APPROVAL_POLICY: ApprovalPolicy = {
  version: "default-1",
  autoApprove: {
    requirePassed: "all",
    tags: ["*"],
    reviewTags: ["safety", "security", "legal", "privacy", "medical"],
  },
  autoReject: {
    anyFailed: [
      "manifest.valid",
      "package.entry",
      "package.digest",
      "pii.admission",
      "pii.evidence",
      "refuse.bad_signature",
      "limits.resources",
      "contained.permissions",
    ],
  },
};

export type Decision =
  | { decision: "approve"; reason: string }
  | { decision: "review"; reason: string }
  | { decision: "reject"; reason: string };

export class ApprovalPolicyError extends Error {
  override name = "ApprovalPolicyError";
}

const TAG_RE = /^(\*|[a-z0-9][a-z0-9_-]{0,63})$/;

function checkList(v: unknown, field: string): CheckId[] {
  if (!Array.isArray(v) || v.length > CHECK_IDS.length) {
    throw new ApprovalPolicyError(`${field}: expected a list of check ids`);
  }
  for (const id of v) {
    if (!(CHECK_IDS as readonly unknown[]).includes(id)) {
      throw new ApprovalPolicyError(`${field}: unknown check ${JSON.stringify(id)}`);
    }
  }
  return v as CheckId[];
}

function tagList(v: unknown, field: string): string[] {
  if (
    !Array.isArray(v) || v.length > 100 || v.some((t) => typeof t !== "string" || !TAG_RE.test(t))
  ) {
    throw new ApprovalPolicyError(`${field}: expected up to 100 tags of [a-z0-9_-] or "*"`);
  }
  return v as string[];
}

function only(o: Record<string, unknown>, keys: string[], where: string): void {
  for (const k of Object.keys(o)) {
    if (!keys.includes(k)) throw new ApprovalPolicyError(`${where}${k}: unknown field`);
  }
}

function object(v: unknown, field: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw new ApprovalPolicyError(`${field}: expected an object`);
  }
  return v as Record<string, unknown>;
}

/** Parses a policy document; fields left out keep the defaults. */
export function parseApprovalPolicy(text: string): ApprovalPolicy {
  if (text.length > 64 * 1024) throw new ApprovalPolicyError("policy: more than 64 KiB");
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ApprovalPolicyError(`policy: not JSON (${(err as Error).message})`);
  }
  const o = object(raw, "policy");
  only(o, ["version", "autoApprove", "autoReject"], "");
  const d = DEFAULT_APPROVAL_POLICY;
  if (
    o.version !== undefined &&
    (typeof o.version !== "string" || !/^[\x21-\x7e]{1,64}$/.test(o.version))
  ) {
    throw new ApprovalPolicyError("version: expected 1-64 printable characters");
  }
  const a = o.autoApprove === undefined ? {} : object(o.autoApprove, "autoApprove");
  only(a, ["requirePassed", "tags", "reviewTags"], "autoApprove.");
  const r = o.autoReject === undefined ? {} : object(o.autoReject, "autoReject");
  only(r, ["anyFailed"], "autoReject.");
  return {
    version: (o.version as string | undefined) ?? "file",
    autoApprove: {
      requirePassed: a.requirePassed === undefined
        ? d.autoApprove.requirePassed
        : a.requirePassed === "all"
        ? "all"
        : checkList(a.requirePassed, "autoApprove.requirePassed"),
      tags: a.tags === undefined ? d.autoApprove.tags : tagList(a.tags, "autoApprove.tags"),
      reviewTags: a.reviewTags === undefined
        ? d.autoApprove.reviewTags
        : tagList(a.reviewTags, "autoApprove.reviewTags"),
    },
    autoReject: {
      anyFailed: r.anyFailed === undefined
        ? d.autoReject.anyFailed
        : checkList(r.anyFailed, "autoReject.anyFailed"),
    },
  };
}

export async function readApprovalPolicy(path: string | undefined): Promise<ApprovalPolicy> {
  if (!path) return DEFAULT_APPROVAL_POLICY;
  return parseApprovalPolicy(await Deno.readTextFile(path));
}

/** Checks the policy requires that this run failed. */
export function requiredFailures(report: RunRecord, p: ApprovalPolicy): CheckId[] {
  const required = p.autoApprove.requirePassed === "all" ? CHECK_IDS : p.autoApprove.requirePassed;
  return report.results.filter((r) => !r.passed && required.includes(r.id)).map((r) => r.id);
}

export function decide(report: RunRecord, p: ApprovalPolicy): Decision {
  const hard = report.results.filter((r) => !r.passed && p.autoReject.anyFailed.includes(r.id));
  if (hard.length) {
    return { decision: "reject", reason: `failed ${hard.map((r) => r.id).join(", ")}` };
  }
  const missing = requiredFailures(report, p);
  if (missing.length) {
    return { decision: "review", reason: `failed ${missing.join(", ")}: a human decides` };
  }
  const tags = report.expertise;
  const needsHuman = tags.filter((t) => p.autoApprove.reviewTags.includes(t));
  if (needsHuman.length) {
    return { decision: "review", reason: `tag(s) ${needsHuman.join(", ")} always need a human` };
  }
  const outside = p.autoApprove.tags.includes("*")
    ? []
    : tags.filter((t) => !p.autoApprove.tags.includes(t));
  if (outside.length) {
    return { decision: "review", reason: `tag(s) ${outside.join(", ")} not auto-approved` };
  }
  return { decision: "approve", reason: `passed what policy ${p.version} requires` };
}

// The talent queue and its records in the store: candidates (found by scouts or handed
// in by operators) with their state, last sandbox report and certificate. One KV key
// per candidate, written atomically; ids derive from where a candidate came from and
// its version, so finding it twice changes nothing (de-duplication).

import { createHash } from "node:crypto";
import type { Store } from "../store/mod.ts";
import type { Certificate, RunRecord } from "./certificate.ts";
import type { CheckId } from "./checks.ts";
import type { SandboxReport } from "./sandbox.ts";

const PREFIX = ["talent", "v1", "candidate"] as const;
export const MAX_CANDIDATES = 5000;

export const SOURCES = ["local", "github", "huggingface", "arxiv"] as const;
export type SourceKind = typeof SOURCES[number];

export const STATES = [
  "queued",
  "running",
  "tested",
  "review",
  "approved",
  "rejected",
  "deployed",
  "suspended",
  "unrunnable",
] as const;
export type CandidateState = typeof STATES[number];

/** What a scout (or an operator) found: enough to find and judge the package later. */
export interface Found {
  source: SourceKind;
  /** The source's own name for it: owner/repo, a model id, an arXiv id, a directory. */
  ref: string;
  name: string;
  version: string;
  url?: string;
  /** A local package directory, when there is one to run. */
  packageDir?: string;
  expectDigest?: string;
  summary?: string;
}

export interface ReportSummary {
  name: string;
  version: string;
  digest: string;
  passed: number;
  total: number;
  failed: { id: CheckId; detail: string }[];
  durationMs: number;
  startedAt: string;
  resources: SandboxReport["resources"];
  violations: string[];
  expertise: string[];
}

export interface Candidate extends Found {
  id: string;
  state: CandidateState;
  reason?: string;
  foundAt: string;
  updatedAt: string;
  report?: ReportSummary;
  /** The full results of the last run (every check with its detail). */
  results?: SandboxReport["results"];
  certificate?: Certificate;
}

export class CandidateError extends Error {
  override name = "CandidateError";
  constructor(message: string, readonly code: "NOT_FOUND" | "CONFLICT" | "BAD_REQUEST") {
    super(message);
  }
}

export function candidateId(f: Pick<Found, "source" | "ref" | "version">): string {
  const h = createHash("sha256").update(`${f.source}\n${f.ref}\n${f.version}`).digest("hex");
  return `c-${h.slice(0, 16)}`;
}

export function summarize(r: SandboxReport): ReportSummary {
  return {
    name: r.name,
    version: r.version,
    digest: r.digest,
    passed: r.passed,
    total: r.results.length,
    failed: r.results.filter((x) => !x.passed).map((x) => ({ id: x.id, detail: x.detail })),
    durationMs: r.durationMs,
    startedAt: r.startedAt,
    resources: r.resources,
    violations: r.violations,
    expertise: r.manifest?.expertise ?? [],
  };
}

export class CandidateBook {
  #cache = new Map<string, Candidate>();
  private constructor(private readonly store: Store) {}

  static async open(store: Store): Promise<CandidateBook> {
    const book = new CandidateBook(store);
    for await (const { value } of store.kv.list<Candidate>({ prefix: PREFIX })) {
      book.#cache.set(value.id, value);
    }
    return book;
  }

  get(id: string): Candidate | undefined {
    return this.#cache.get(id);
  }

  list(state?: CandidateState): Candidate[] {
    return [...this.#cache.values()].filter((c) => !state || c.state === state)
      .sort((a, b) => a.foundAt.localeCompare(b.foundAt));
  }

  /** Queues a find; a candidate already known is returned as it is (de-duplicated). */
  async add(found: Found, now = new Date()): Promise<{ candidate: Candidate; added: boolean }> {
    const id = candidateId(found);
    const known = this.#cache.get(id);
    if (known) return { candidate: known, added: false };
    if (this.#cache.size >= MAX_CANDIDATES) {
      throw new CandidateError(`the queue holds ${MAX_CANDIDATES} candidates already`, "CONFLICT");
    }
    const c: Candidate = {
      ...found,
      id,
      state: "queued",
      foundAt: now.toISOString(),
      updatedAt: now.toISOString(),
    };
    const key = [...PREFIX, id];
    const res = await this.store.commit(
      this.store.kv.atomic().check({ key, versionstamp: null }).set(key, c),
    );
    if (!res.ok) return { candidate: this.#cache.get(id) ?? c, added: false };
    this.#cache.set(id, c);
    return { candidate: c, added: true };
  }

  async update(id: string, change: Partial<Candidate>, now = new Date()): Promise<Candidate> {
    const current = this.#cache.get(id);
    if (!current) throw new CandidateError(`no candidate ${id}`, "NOT_FOUND");
    const next: Candidate = { ...current, ...change, id, updatedAt: now.toISOString() };
    await this.store.commit(this.store.kv.atomic().set([...PREFIX, id], next));
    this.#cache.set(id, next);
    return next;
  }
}

/** The last run of a candidate as certificates and the policy judge it. */
export function runRecordOf(c: Candidate): RunRecord | undefined {
  if (!c.report || !c.results) return undefined;
  return {
    name: c.report.name,
    version: c.report.version,
    digest: c.report.digest,
    expertise: c.report.expertise,
    results: c.results,
    passed: c.report.passed,
    resources: c.report.resources,
  };
}

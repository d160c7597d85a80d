// The witness audited while Council runs (docs/provenance.md, "Health"): every
// `everyMs` the whole log is re-read from storage and checked as `council witness
// verify` checks it (witness/audit.ts: entries re-hashed, tree rebuilt, every signed
// head's signature and root, the stored tiles), against the log's own key. A failed
// audit is told to operators at once; the last report is kept for /metrics, the API
// and the dashboard's witness-integrity panel.

import { audit, type AuditSource, kvAuditSource, type LogVerifier } from "../witness/mod.ts";
import type { AuditProblem } from "../witness/audit.ts";

export interface WitnessAuditReport {
  ok: boolean;
  /** Entries the log had when the audit began, and how many were checked. */
  size: number;
  entriesChecked: number;
  headsChecked: number;
  firstBadIndex?: number;
  /** The first few problems (audit.ts keeps up to 100). */
  problems: AuditProblem[];
  seconds: number;
  /** When it finished (ISO). */
  at: string;
  /** What ran it: the schedule, or an operator. */
  by: string;
}

/** Problems a report carries; the CLI's `council witness verify` lists them all. */
const REPORT_PROBLEMS = 10;

/**
 * A running log's source frozen at the size it had when the audit began: heads
 * signed while the audit reads would otherwise name entries it has not counted.
 */
export function liveAuditSource(kv: Deno.Kv, verifier: LogVerifier): AuditSource {
  const base = kvAuditSource(kv, verifier);
  let frozen: number | undefined;
  return {
    ...base,
    size: async () => frozen ??= await base.size(),
    async *heads() {
      for await (const h of base.heads()) if (frozen === undefined || h.size <= frozen) yield h;
    },
  };
}

export interface WitnessAuditorOptions {
  source: () => AuditSource;
  /** Default one hour; 0: only when asked. */
  everyMs?: number;
  /** A failed audit, for the operators (event stream, log). */
  onFailure?: (report: WitnessAuditReport) => void;
}

export class WitnessAuditor {
  #last: WitnessAuditReport | undefined;
  #running: Promise<WitnessAuditReport> | undefined;
  readonly #timer: ReturnType<typeof setInterval> | undefined;
  /** Audits run and failed since start. */
  readonly counts = { runs: 0, failures: 0 };

  constructor(private readonly o: WitnessAuditorOptions) {
    const every = o.everyMs ?? 3_600_000;
    if (every > 0) this.#timer = setInterval(() => this.run("schedule").catch(() => {}), every);
  }

  get everyMs(): number {
    return this.o.everyMs ?? 3_600_000;
  }

  get last(): WitnessAuditReport | undefined {
    return this.#last;
  }

  get running(): boolean {
    return this.#running !== undefined;
  }

  /** Audits the whole log now; a second call while one runs gets the same audit. */
  run(by: string): Promise<WitnessAuditReport> {
    this.#running ??= this.#audit(by).finally(() => this.#running = undefined);
    return this.#running;
  }

  async #audit(by: string): Promise<WitnessAuditReport> {
    let report: WitnessAuditReport;
    try {
      const r = await audit(this.o.source());
      report = {
        ok: r.ok,
        size: r.size,
        entriesChecked: r.entriesChecked,
        headsChecked: r.headsChecked,
        ...(r.firstBadIndex !== undefined ? { firstBadIndex: r.firstBadIndex } : {}),
        problems: r.problems.slice(0, REPORT_PROBLEMS),
        seconds: Math.round(r.seconds * 1000) / 1000,
        at: new Date().toISOString(),
        by,
      };
    } catch (err) {
      // Storage that cannot be read is an audit that failed, not one that passed.
      report = {
        ok: false,
        size: 0,
        entriesChecked: 0,
        headsChecked: 0,
        problems: [{ message: `the log could not be read: ${(err as Error).message}` }],
        seconds: 0,
        at: new Date().toISOString(),
        by,
      };
    }
    this.#last = report;
    this.counts.runs++;
    if (!report.ok) {
      this.counts.failures++;
      this.o.onFailure?.(report);
    }
    return report;
  }

  close(): void {
    clearInterval(this.#timer);
  }
}

// Benchmark and production figures: one JSON line each on stdout (the format issues
// name figures in), each judging itself against its goal. A figure that could not
// be measured is null with the reason, never -1 or 0, and counts as not met; so
// does a figure a suite promised and never produced. `deno task bench` and
// `deno task production` both write through a FigureReport and exit non-zero on
// any miss (unless --report-only).

/** What a suite measured. `value` NaN or infinite means "not measured" (say why). */
export interface Figure {
  suite: string;
  name: string;
  value: number | null;
  unit: string;
  /**
   * "<5", "<=2000", ">=1000", ">=0.8x ..." (compares `ratio`), "0" or "100" (equal),
   * each optionally followed by context ("<5 at 1000 ARQ/s"); or "measured (...)" for
   * a figure that informs without a target: met when it has a value.
   */
  goal: string;
  /** Why the value is null (or why a measured value cannot be trusted). */
  why?: string;
  /** The same quantity measured for a C or third-party baseline in the same run. */
  baseline?: number;
  ratio?: number;
}

/** A figure as printed: its value (or null) and whether it met its goal. */
export interface JudgedFigure extends Figure {
  met: boolean;
}

export type Suite = () => AsyncIterable<Figure>;

export class GoalError extends Error {
  override name = "GoalError";
}

const TARGET = /^(<=|>=|<|>|=)?\s*(-?\d+(?:\.\d+)?)(x)?(?:\s|$)/;

/**
 * Whether `value` (or `ratio`, for an "x" goal) meets `goal`. Throws GoalError for a
 * goal no one can judge: every figure must say what it is held to.
 */
export function goalMet(goal: string, value: number, ratio?: number): boolean {
  if (/^measured\b/.test(goal)) return true;
  const m = TARGET.exec(goal.trim());
  if (!m) {
    throw new GoalError(`goal "${goal}" is neither a target (<5, >=1000, 0...) nor "measured"`);
  }
  const target = Number(m[2]);
  const subject = m[3] ? ratio : value;
  if (subject === undefined || !Number.isFinite(subject)) return false;
  switch (m[1] ?? "=") {
    case "<":
      return subject < target;
    case "<=":
      return subject <= target;
    case ">":
      return subject > target;
    case ">=":
      return subject >= target;
    default:
      return subject === target;
  }
}

/** The figure with null for a value that was not measured, and its verdict. */
export function judge(f: Figure): JudgedFigure {
  const measured = f.value !== null && Number.isFinite(f.value);
  const value = measured ? f.value : null;
  const why = measured ? f.why : (f.why ?? "not measured: the run produced no value");
  const met = measured && goalMet(f.goal, value!, f.ratio);
  return { ...f, value, ...(why ? { why } : {}), met };
}

/** Collects judged figures, prints each, and knows which were missed or missing. */
export class FigureReport {
  readonly figures: JudgedFigure[] = [];
  #expected = new Map<string, string>();

  constructor(private readonly print: (line: string) => void = (l) => console.log(l)) {}

  /** Names a suite must produce; any it does not is reported as a null figure. */
  expect(suite: string, names: readonly string[]): void {
    for (const name of names) this.#expected.set(name, suite);
  }

  emit(f: Figure): JudgedFigure {
    const judged = judge(f);
    this.figures.push(judged);
    this.print(JSON.stringify(judged));
    return judged;
  }

  /** Emits a null figure for every expected name not produced (after a suite failed, say). */
  closeSuite(suite: string, why: string): void {
    const produced = new Set(this.figures.map((f) => f.name));
    for (const [name, of] of this.#expected) {
      if (of !== suite || produced.has(name)) continue;
      this.emit({ suite, name, value: null, unit: "", goal: "produced by the run", why });
    }
  }

  /** Figures that missed their goal or have no value. */
  get misses(): JudgedFigure[] {
    return this.figures.filter((f) => !f.met);
  }
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** The p-th percentile (0-100) of ascending values. */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

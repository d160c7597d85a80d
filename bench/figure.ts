// One benchmark figure: one JSON line on stdout (the format issues name figures in).

export interface Figure {
  suite: string;
  name: string;
  value: number;
  unit: string;
  goal?: string;
  /** The same quantity measured for a C or third-party baseline in the same run. */
  baseline?: number;
  ratio?: number;
}

export type Suite = () => AsyncIterable<Figure>;

export function emit(figure: Figure): void {
  console.log(JSON.stringify(figure));
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

// Budget periods: a UTC day, a UTC month, or everything.

export const PERIODS = ["day", "month", "total"] as const;
export type Period = typeof PERIODS[number];

/** The key of the period `at` falls in: "2026-11-22", "2026-11", "total". */
export function periodKey(period: Period, at: Date): string {
  const iso = at.toISOString();
  return period === "day" ? iso.slice(0, 10) : period === "month" ? iso.slice(0, 7) : "total";
}

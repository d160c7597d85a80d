// The production test by script: `deno task production [--report-only] [seconds]`
// (1800 by default: 30 minutes). Progress goes to stderr; the figures, one JSON line
// each with its goal and verdict, to stdout. Exits 1 when a call dropped or any
// figure is null or short of its goal (only on dropped calls with --report-only).

import { FigureReport } from "../../bench/figure.ts";
import { productionFigures, runProduction } from "./production.ts";

const reportOnly = Deno.args.includes("--report-only");
const rest = Deno.args.filter((a) => a !== "--report-only");
const seconds = Number(rest[0] ?? 1800);
if (!Number.isInteger(seconds) || seconds < 30) {
  console.error("usage: deno task production [--report-only] [seconds >= 30]");
  Deno.exit(2);
}
const report = await runProduction({ seconds, log: (line) => console.error(line) });
const { joins, dropped, failover, browsers, jitterP50Ms, jitterEstimateMaxMs, sipp } = report;
console.error(
  JSON.stringify({ joins, dropped, failover, browsers, jitterP50Ms, jitterEstimateMaxMs, sipp }),
);
const figures = new FigureReport();
for (const f of productionFigures(report)) figures.emit(f);
const misses = figures.misses;
if (misses.length) console.error(`production: missed ${misses.map((f) => f.name).join(", ")}`);
Deno.exit(report.dropped.length === 0 && (reportOnly || misses.length === 0) ? 0 : 1);

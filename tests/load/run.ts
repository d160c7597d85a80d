// The production test by script: `deno task production [--report-only] [seconds]`
// (1800 by default: 30 minutes). Progress goes to stderr; the figures, one JSON line
// each with its goal and verdict, to stdout. Exits 1 when a call dropped or any
// figure is null or short of its goal (only on dropped calls with --report-only).

import { FigureReport } from "../../bench/figure.ts";
import { deafPaths, productionFigures, runProduction } from "./production.ts";

const reportOnly = Deno.args.includes("--report-only");
const rest = Deno.args.filter((a) => a !== "--report-only");
const seconds = Number(rest[0] ?? 1800);
if (!Number.isInteger(seconds) || seconds < 30) {
  console.error("usage: deno task production [--report-only] [seconds >= 30]");
  Deno.exit(2);
}
const started = performance.now();
const report = await runProduction({
  seconds,
  log: (line) => console.error(`${((performance.now() - started) / 1000).toFixed(1)} s ${line}`),
  // COUNCIL_PRODUCTION_SERVER_LOG=FILE: every line the server logged.
  serverLog: Deno.env.get("COUNCIL_PRODUCTION_SERVER_LOG"),
});
const { joins, dropped, drills, browsers, phones, self } = report;
const deaf = deafPaths(report);
const control = deafPaths(report.control);
console.error(JSON.stringify({ joins, dropped, deaf, self, control, drills, browsers, phones }));
// COUNCIL_PRODUCTION_REPORT=FILE: the whole report as JSON (every member's hearing), to study.
const file = Deno.env.get("COUNCIL_PRODUCTION_REPORT");
if (file) await Deno.writeTextFile(file, JSON.stringify(report));
const figures = new FigureReport();
for (const f of productionFigures(report)) figures.emit(f);
const misses = figures.misses;
if (misses.length) console.error(`production: missed ${misses.map((f) => f.name).join(", ")}`);
Deno.exit(report.dropped.length === 0 && (reportOnly || misses.length === 0) ? 0 : 1);

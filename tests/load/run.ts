// The production test by script: `deno task production [seconds]` (1800 by default:
// 30 minutes). Progress goes to stderr; the figures, one JSON line each, to stdout.

import { productionFigures, runProduction } from "./production.ts";

const seconds = Number(Deno.args[0] ?? 1800);
if (!Number.isInteger(seconds) || seconds < 30) {
  console.error("usage: deno task production [seconds >= 30]");
  Deno.exit(2);
}
const report = await runProduction({ seconds, log: (line) => console.error(line) });
const { joins, dropped, failover, browsers, jitterP50Ms, jitterEstimateMaxMs, sipp } = report;
console.error(
  JSON.stringify({ joins, dropped, failover, browsers, jitterP50Ms, jitterEstimateMaxMs, sipp }),
);
for (const f of productionFigures(report)) console.log(JSON.stringify(f));
Deno.exit(report.dropped.length === 0 ? 0 : 1);

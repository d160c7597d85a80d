// deno task bench [--report-only] [suite ...]: runs the named suites (all when none
// are named) and prints one JSON figure per line on stdout, each with its goal and
// whether it was met; progress and errors go to stderr. Exits 1 when any figure is
// missing, null or short of its goal (0 with --report-only), 2 on a usage error.

import { agentSuite } from "../bench/agent.ts";
import { councilSuite } from "../bench/council.ts";
import { FigureReport, type Suite } from "../bench/figure.ts";
import { guardSuite } from "../bench/guard.ts";
import { h323Suite } from "../bench/h323.ts";
import { mediaSuite } from "../bench/media.ts";
import { provenanceSuite } from "../bench/provenance.ts";
import { sipSuite } from "../bench/sip.ts";
import { talentSuite } from "../bench/talent.ts";
import { webrtcSuite } from "../bench/webrtc.ts";
import { witnessSuite } from "../bench/witness.ts";
import { PRODUCTION_FIGURES } from "../tests/load/production.ts";

interface SuiteEntry {
  run: Suite;
  /** Every figure the suite promises (names issues rely on: keep them stable). */
  figures: readonly string[];
}

const SUITES: Record<string, SuiteEntry> = {
  provenance: {
    run: provenanceSuite,
    figures: [
      "provenance.sign_cpu_pct",
      "provenance.bytes_per_s",
      "provenance.recording_verify_s_per_hour",
      "provenance.verify_p99_ms",
    ],
  },
  witness: {
    run: witnessSuite,
    figures: [
      "witness.append_rate_1",
      "witness.append_rate_16",
      "witness.append_rate_256",
      "witness.append_p50_ms",
      "witness.append_p99_ms",
      "witness.proof_gen_us",
      "witness.proof_verify_us",
      "witness.audit_1m_s",
      "witness.audit_per_100k_s",
    ],
  },
  guard: {
    run: guardSuite,
    figures: [
      "guard.decision_p50_ms",
      "guard.decision_p99_ms",
      "guard.admissions_per_s",
      "guard.verify_per_s",
    ],
  },
  media: {
    run: mediaSuite,
    figures: [
      "media.g729_transcode_legs_per_core",
      "media.rooms_12p_g711_per_core",
      "media.rooms_12p_opus_per_core",
      "media.added_latency_p50_ms",
      "media.added_latency_p99_ms",
      "media.send_jitter_p99_ms",
      "media.worker_failover_s",
    ],
  },
  agent: {
    run: agentSuite,
    figures: ["agent.added_latency_p99_ms", "agent.legs_per_core"],
  },
  talent: {
    run: talentSuite,
    figures: ["talent.sandbox_s", "talent.scout_cycle_ms"],
  },
  sip: {
    run: sipSuite,
    figures: ["sip.cps_zero_fail", "sip.setup_p99_ms", "sip.concurrent_calls_with_media"],
  },
  h323: {
    run: h323Suite,
    figures: [
      "h323.arq_per_s",
      "h323.arq_p99_ms",
      "h323.setup_to_media_ms",
      "h323.dialin_setup_to_media_ms",
      "h323.setup_connect_per_s",
    ],
  },
  webrtc: {
    run: webrtcSuite,
    figures: [
      "webrtc.join_p50_ms",
      "webrtc.join_p99_ms",
      "webrtc.join_from_socket_p99_ms",
      "webrtc.cpu_per_bridged_leg_pct",
      "webrtc.video_stream_cpu_pct",
      "webrtc.browsers_per_worker",
    ],
  },
  council: {
    run: councilSuite,
    figures: [
      "council.startup_ms",
      "council.healthz_rps",
      ...PRODUCTION_FIGURES.map((name) => `council.${name}`),
    ],
  },
};

async function main(args: string[]): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    console.log(
      `deno task bench [--report-only] [suite ...]\nsuites: ${Object.keys(SUITES).join(", ")}\n` +
        "exits 1 when a figure is missing, null or short of its goal (0 with --report-only)",
    );
    return 0;
  }
  const reportOnly = args.includes("--report-only");
  const named = args.filter((a) => a !== "--report-only");
  const unknown = named.filter((name) => !(name in SUITES));
  if (unknown.length) {
    console.error(
      `bench: unknown suite ${unknown.join(", ")}; suites: ${Object.keys(SUITES).join(", ")}`,
    );
    return 2;
  }
  const report = new FigureReport();
  for (const name of named.length ? named : Object.keys(SUITES)) {
    const suite = SUITES[name];
    report.expect(name, suite.figures);
    console.error(`bench: ${name}`);
    let why = "the suite ended without it";
    try {
      for await (const figure of suite.run()) report.emit(figure);
    } catch (err) {
      why = `the suite failed: ${(err as Error).message}`.slice(0, 300);
      console.error(`bench: ${name} failed: ${(err as Error).stack ?? err}`);
    }
    report.closeSuite(name, why);
  }
  const misses = report.misses;
  console.error(
    `bench: ${report.figures.length - misses.length} of ${report.figures.length} figures met` +
      (misses.length ? `; missed: ${misses.map((f) => f.name).join(", ")}` : ""),
  );
  return misses.length && !reportOnly ? 1 : 0;
}

Deno.exit(await main(Deno.args));

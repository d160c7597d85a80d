// IF.witness figures: durable append throughput at 1, 16 and 256 concurrent
// writers with latency percentiles, proof generation and verification at 1M
// entries, and a full audit of 1M entries. Uses a temporary KV file on disk.

import { Store } from "../store/mod.ts";
import { createLogger } from "../telemetry/mod.ts";
import { audit, kvAuditSource, leafHash, verifyInclusion, WitnessLog } from "../witness/mod.ts";
import { type Figure, round } from "./figure.ts";

const SECONDS_PER_RATE = 3;
const AUDIT_SIZE = 1_000_000;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function closedLoop(witness: WitnessLog, writers: number, seconds: number) {
  const latencies: number[] = [];
  const until = performance.now() + seconds * 1000;
  let n = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: writers }, async (_, w) => {
    while (performance.now() < until) {
      const started = performance.now();
      await witness.append("bench.append", { w, n: n++, room: "r1", decision: "admit" });
      latencies.push(performance.now() - started);
    }
  }));
  // The leaf-hash index is part of an append's cost: count the time to catch up.
  await witness.indexed();
  const elapsed = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    rate: latencies.length / elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

export async function* witnessSuite(): AsyncIterable<Figure> {
  const dir = Deno.makeTempDirSync({ prefix: "council-bench-witness-" });
  const store = await Store.open(`${dir}/witness.kv`);
  const witness = await WitnessLog.open(store, {
    origin: "bench/witness",
    headIntervalMs: 200,
    headEveryEntries: 10_000,
    log: createLogger({ level: "error" }),
  });
  try {
    for (const writers of [1, 16, 256]) {
      const r = await closedLoop(witness, writers, SECONDS_PER_RATE);
      yield {
        suite: "witness",
        name: `witness.append_rate_${writers}`,
        value: round(r.rate, 0),
        unit: "appends/s",
        goal: writers === 256 ? ">=10000" : `measured (${writers} concurrent writers)`,
      };
      if (writers === 256) {
        yield {
          suite: "witness",
          name: "witness.append_p50_ms",
          value: round(r.p50, 2),
          unit: "ms",
          goal: "measured (256 concurrent writers)",
        };
        yield {
          suite: "witness",
          name: "witness.append_p99_ms",
          value: round(r.p99, 2),
          unit: "ms",
          goal: "measured (256 concurrent writers)",
        };
      }
    }

    // Fill to 1M entries with many writers; report how long the fill took.
    const fillStart = performance.now();
    let next = witness.size;
    await Promise.all(Array.from({ length: 512 }, async () => {
      while (next < AUDIT_SIZE) {
        next++;
        await witness.append("bench.fill", { n: next });
      }
    }));
    console.error(
      `bench: witness filled to ${witness.size} in ${
        ((performance.now() - fillStart) / 1000).toFixed(1)
      } s`,
    );
    const head = await witness.publishHead();

    const samples = 2000;
    const indices = Array.from(
      { length: samples },
      (_, i) => Math.floor((i * 7919 * 104729) % head.size),
    );
    const proofs: Array<{ index: number; leaf: Uint8Array; path: Uint8Array[] }> = [];
    let t = performance.now();
    for (const index of indices) {
      proofs.push({
        index,
        leaf: new Uint8Array(0),
        path: await witness.inclusionProof(index, head.size),
      });
    }
    const genUs = ((performance.now() - t) * 1000) / samples;
    for (const p of proofs) p.leaf = leafHash((await witness.entry(p.index))!);
    t = performance.now();
    let ok = 0;
    for (const p of proofs) {
      if (verifyInclusion(p.index, head.size, p.leaf, p.path, head.rootHash)) ok++;
    }
    const verifyUs = ((performance.now() - t) * 1000) / samples;
    if (ok !== samples) throw new Error(`bench: ${samples - ok} proofs failed to verify`);
    yield {
      suite: "witness",
      name: "witness.proof_gen_us",
      value: round(genUs, 1),
      unit: "us",
      goal: `size=${head.size}`,
    };
    yield {
      suite: "witness",
      name: "witness.proof_verify_us",
      value: round(verifyUs, 1),
      unit: "us",
      goal: "<1000",
    };

    let lastProgress = 0;
    const report = await audit(kvAuditSource(store.kv, witness.signer), (n) => {
      if (n - lastProgress >= 100_000) {
        lastProgress = n;
        console.error(`bench: audited ${n}`);
      }
    });
    if (!report.ok) throw new Error(`bench: audit failed: ${report.problems[0]?.message}`);
    const scaled = report.seconds * (AUDIT_SIZE / report.entriesChecked);
    yield {
      suite: "witness",
      name: "witness.audit_1m_s",
      value: round(scaled, 1),
      unit: "s",
      goal: "<30",
    };
    yield {
      suite: "witness",
      name: "witness.audit_per_100k_s",
      value: round(report.seconds / (report.entriesChecked / 100_000), 2),
      unit: "s",
      goal: "measured (full audit, per 100,000 entries)",
    };
  } finally {
    await witness.close();
    await store.close();
    await Deno.remove(dir, { recursive: true });
  }
}

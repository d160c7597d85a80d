// IF.guard figures: admissions per second on one core with real Ed25519
// verification and witnessing (KV on disk), decision latency at a paced 500/s,
// and the two verifiers side by side (noble is the baseline, WebCrypto the hot path).

import * as ed from "@noble/ed25519";
import {
  Guard,
  GuardianRegistry,
  nobleVerifier,
  PolicyStore,
  signAdmissionRequest,
  webCryptoVerifier,
} from "../guard/mod.ts";
import type { AdmissionRequest } from "../guard/mod.ts";
import { Store } from "../store/mod.ts";
import { createLogger } from "../telemetry/mod.ts";
import { toBase64, WitnessLog } from "../witness/mod.ts";
import { type Figure, percentile, round } from "./figure.ts";

const GUARDIANS = 200;
const THROUGHPUT_REQUESTS = 20_000;
const PACED_RATE = 500;
const PACED_SECONDS = 5;

export async function* guardSuite(): AsyncIterable<Figure> {
  const log = createLogger({ level: "error" });
  const dir = Deno.makeTempDirSync({ prefix: "council-bench-guard-" });
  const policyPath = `${dir}/policy.json`;
  // Limits high enough that the figures measure the engine, not the policy.
  Deno.writeTextFileSync(
    policyPath,
    JSON.stringify({
      version: "bench",
      room: { capacity: 1000, bandwidthKbps: 10_000_000 },
      rateLimits: {
        ROUTINE: { perSecond: 1_000_000, burst: 1_000_000 },
        perGuardian: { perSecond: 1_000_000, burst: 1_000_000 },
      },
    }),
  );
  const store = await Store.open(`${dir}/guard.kv`);
  const witness = await WitnessLog.open(store, {
    origin: "bench/guard",
    headIntervalMs: 200,
    headEveryEntries: 10_000,
    log,
  });
  const registry = await GuardianRegistry.open(store);
  const policies = new PolicyStore(policyPath, log);
  const guard = new Guard({
    registry,
    policies,
    witness,
    verifier: webCryptoVerifier(),
    media: { host: "127.0.0.1", portMin: 10_000, portMax: 65_000 },
    log,
  });
  try {
    const secrets: Uint8Array[] = [];
    for (let i = 0; i < GUARDIANS; i++) {
      const secret = ed.utils.randomSecretKey();
      secrets.push(secret);
      await registry.add({
        id: `if://guardian/bench-${i}`,
        displayName: `bench ${i}`,
        role: "bench",
        publicKey: toBase64(await ed.getPublicKeyAsync(secret)),
        bandwidthKbps: 100_000,
      });
    }
    const sign = (i: number) =>
      signAdmissionRequest({
        guardianId: `if://guardian/bench-${i % GUARDIANS}`,
        room: `room-${i % 500}`,
        callType: "ROUTINE",
        bandwidthKbps: 1,
        codecs: ["opus"],
        pii: false,
      }, secrets[i % GUARDIANS]);

    // Signing is the client's cost: done before each clock starts. The paced run
    // goes first, with only its own requests in memory.
    const paced: AdmissionRequest[] = [];
    for (let i = 0; i < PACED_RATE * (PACED_SECONDS + 1); i++) {
      paced.push(await sign(THROUGHPUT_REQUESTS + i));
    }

    // Latency at a paced 500/s, scheduled from a monotonic clock.
    // The first second warms the JIT and caches and is not counted.
    const latencies: number[] = [];
    const pending: Promise<unknown>[] = [];
    let t0 = performance.now();
    for (let i = 0; i < paced.length; i++) {
      const due = t0 + (i * 1000) / PACED_RATE;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      const started = performance.now();
      const counted = i >= PACED_RATE;
      pending.push(
        guard.admit(paced[i]).then(() => counted && latencies.push(performance.now() - started)),
      );
    }
    await Promise.all(pending);
    for (const s of guard.sessions) await guard.end(s.id, "released");
    latencies.sort((a, b) => a - b);
    yield {
      suite: "guard",
      name: "guard.decision_p50_ms",
      value: round(percentile(latencies, 50), 2),
      unit: "ms",
      goal: "measured (500 admissions/s)",
    };
    yield {
      suite: "guard",
      name: "guard.decision_p99_ms",
      value: round(percentile(latencies, 99), 2),
      unit: "ms",
      goal: "<5 at 500/s",
    };
    // Throughput: everything in flight at once, decided and witnessed.
    const requests: AdmissionRequest[] = [];
    for (let i = 0; i < THROUGHPUT_REQUESTS; i++) requests.push(await sign(i));
    t0 = performance.now();
    const decisions = await Promise.all(requests.map((r) => guard.admit(r)));
    const seconds = (performance.now() - t0) / 1000;
    const admitted = decisions.filter((d) => d.decision === "admit").length;
    if (admitted !== requests.length) {
      const bad = decisions.find((d) => d.decision === "reject");
      throw new Error(`bench: ${requests.length - admitted} rejected, e.g. ${JSON.stringify(bad)}`);
    }
    yield {
      suite: "guard",
      name: "guard.admissions_per_s",
      value: round(requests.length / seconds, 0),
      unit: "admissions/s",
      goal: ">=5000",
    };

    // The two verifiers on the same signatures (last: noble's BigInt garbage would
    // otherwise be collected during the paced run).
    const samples = paced.slice(0, 2000);
    const { signedBytes } = await import("../guard/canonical.ts");
    const { fromBase64 } = await import("../witness/mod.ts");
    const keys = new Map<string, Uint8Array>();
    for (const r of samples) keys.set(r.guardianId, registry.get(r.guardianId)!.key);
    const rate = async (verify: typeof nobleVerifier.verify) => {
      const t0 = performance.now();
      for (const r of samples) {
        await verify(keys.get(r.guardianId)!, signedBytes(r), fromBase64(r.signature)!);
      }
      return samples.length / ((performance.now() - t0) / 1000);
    };
    const noble = await rate(nobleVerifier.verify);
    const web = webCryptoVerifier();
    await rate(web.verify); // warm the key cache
    const webRate = await rate(web.verify);
    yield {
      suite: "guard",
      name: "guard.verify_per_s",
      value: round(webRate, 0),
      unit: "verifies/s",
      goal: "measured (WebCrypto; baseline @noble/ed25519 on the same signatures)",
      baseline: round(noble, 0),
      ratio: round(webRate / noble, 2),
    };
  } finally {
    await guard.close();
    policies.close();
    await witness.close();
    await store.close();
    await Deno.remove(dir, { recursive: true });
  }
}

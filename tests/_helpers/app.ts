// An in-process app with real subsystems on an in-memory (or given) KV, for tests
// that exercise routes without spawning a server.
import {
  Guard,
  GuardianRegistry,
  type Policy,
  PolicyStore,
  type Verifier,
  webCryptoVerifier,
} from "../../guard/mod.ts";
import { Lifecycle } from "../../lifecycle/mod.ts";
import { buildApp } from "../../routes/mod.ts";
import { Store } from "../../store/mod.ts";
import { createLogger, createMetrics } from "../../telemetry/mod.ts";
import { WitnessLog } from "../../witness/mod.ts";

export const OPERATOR_TOKEN = "test-operator-token-0123456789";

export async function testApp(
  opts: {
    kvPath?: string;
    policyFile?: string;
    kvReady?: boolean;
    now?: () => number;
    /** Admission's signature check (a test may hold it to keep a call pending). */
    verifier?: Verifier;
  } = {},
) {
  const log = createLogger({ level: "error", sink: () => {} });
  const lifecycle = new Lifecycle(log);
  const metrics = createMetrics({ version: "9.9.9" });
  const store = await Store.open(opts.kvPath ?? ":memory:");
  lifecycle.add({ name: "kv", ready: () => opts.kvReady ?? true, close: () => Promise.resolve() });
  const witness = await WitnessLog.open(store, {
    origin: "test/log",
    headIntervalMs: 60_000,
    headEveryEntries: 100_000,
    log,
    registry: metrics.registry,
  });
  const policies = new PolicyStore(opts.policyFile, log);
  const registry = await GuardianRegistry.open(store);
  const guard = new Guard({
    registry,
    policies,
    witness,
    verifier: opts.verifier ?? webCryptoVerifier(),
    media: { host: "127.0.0.1", portMin: 40000, portMax: 40999 },
    log,
    metrics: metrics.registry,
    now: opts.now,
  });
  const app = buildApp({
    lifecycle,
    metrics,
    log,
    version: "9.9.9",
    witness,
    guard,
    registry,
    operatorToken: OPERATOR_TOKEN,
  });
  return {
    app,
    lifecycle,
    metrics,
    store,
    witness,
    guard,
    registry,
    policies,
    setPolicy(p: Policy) {
      // For tests that swap policy without a file.
      Object.defineProperty(policies, "current", { get: () => p, configurable: true });
    },
    async stop() {
      await guard.close();
      policies.close();
      metrics.stop();
      await witness.close();
      await store.close();
    },
  };
}

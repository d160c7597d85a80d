import { Store } from "../../../store/mod.ts";
import { createLogger } from "../../../telemetry/mod.ts";
import { WitnessLog, type WitnessOptions } from "../../../witness/mod.ts";
import { tempDir } from "../../_helpers/temp.ts";

export const quiet = createLogger({ level: "error", sink: () => {} });

export async function openWitness(path?: string, opts: Partial<WitnessOptions> = {}) {
  const kvPath = path ?? `${tempDir()}/witness.kv`;
  const store = await Store.open(kvPath);
  const witness = await WitnessLog.open(store, {
    origin: "test.local/witness",
    headIntervalMs: 60_000,
    headEveryEntries: 1_000_000,
    log: quiet,
    ...opts,
  });
  return {
    kvPath,
    store,
    witness,
    async close() {
      await witness.close();
      await store.close();
    },
  };
}

import { Store } from "./store/mod.ts";
import { createLogger } from "./telemetry/mod.ts";
import { audit, kvAuditSource, WitnessLog } from "./witness/mod.ts";
import { readEntries } from "./witness/bundles.ts";
import { WITNESS_KEYS } from "./witness/mod.ts";
const dir = Deno.makeTempDirSync();
const store = await Store.open(`${dir}/w.kv`);
const witness = await WitnessLog.open(store, {
  origin: "b/w",
  headIntervalMs: 200,
  headEveryEntries: 10000,
  log: createLogger({ level: "error" }),
});
let next = 0;
await Promise.all(Array.from({ length: 512 }, async () => {
  while (next < 100000) {
    next++;
    await witness.append("bench.fill", { n: next });
  }
}));
await witness.publishHead();
let t = performance.now();
let n = 0;
for await (const _ of readEntries(store.kv, WITNESS_KEYS.bundlePrefix, 0, witness.size)) n++;
console.log("read", n, ((performance.now() - t) / 1000).toFixed(2), "s");
t = performance.now();
const r = await audit(kvAuditSource(store.kv, witness.signer));
console.log("audit", r.ok, r.seconds.toFixed(2));
const src = kvAuditSource(store.kv, witness.signer);
delete (src as { tile?: unknown }).tile;
const r2 = await audit(src);
console.log("audit without tiles", r2.ok, r2.seconds.toFixed(2));
await witness.close();
await store.close();

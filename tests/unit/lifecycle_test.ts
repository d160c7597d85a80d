import assert from "node:assert/strict";
import { Lifecycle, type Subsystem } from "../../lifecycle/mod.ts";
import { Store } from "../../store/mod.ts";
import { createLogger } from "../../telemetry/mod.ts";
import { tempDir } from "../_helpers/temp.ts";

const quiet = createLogger({ level: "error", sink: () => {} });

function fake(name: string, events: string[], opts: Partial<Subsystem> = {}): Subsystem {
  return {
    name,
    ready: opts.ready ?? (() => true),
    close: opts.close ?? (() => (events.push(`close ${name}`), Promise.resolve())),
  };
}

Deno.test("shutdown closes subsystems newest first, once", async () => {
  const events: string[] = [];
  const lc = new Lifecycle(quiet);
  lc.add(fake("kv", events));
  lc.add(fake("witness", events));
  lc.add(fake("http", events));
  const [a, b] = await Promise.all([lc.shutdown("test", 1000), lc.shutdown("again", 1000)]);
  assert.equal(a, true);
  assert.equal(b, true);
  assert.deepEqual(events, ["close http", "close witness", "close kv"]);
  assert.equal(lc.state, "stopped");
  assert.throws(() => lc.add(fake("late", events)), /while stopped/);
});

Deno.test("a failing close is logged, the rest still close, the result is not clean", async () => {
  const events: string[] = [];
  const lc = new Lifecycle(quiet);
  lc.add(fake("kv", events));
  lc.add(fake("bad", events, { close: () => Promise.reject(new Error("stuck")) }));
  assert.equal(await lc.shutdown("test", 1000), false);
  assert.deepEqual(events, ["close kv"]);
});

Deno.test("shutdown reports a timeout instead of hanging", async () => {
  const lc = new Lifecycle(quiet);
  let release!: () => void;
  const hung = new Promise<void>((r) => (release = r));
  lc.add(fake("hung", [], { close: () => hung }));
  assert.equal(await lc.shutdown("test", 100), false);
  release();
});

Deno.test("readiness names each subsystem; a throwing or hanging probe is not ready", async () => {
  const lc = new Lifecycle(quiet);
  lc.add(fake("ok", []));
  lc.add(fake("down", [], { ready: () => false }));
  lc.add(fake("broken", [], { ready: () => Promise.reject(new Error("disk gone")) }));
  let r = await lc.readiness();
  assert.equal(r.ready, false);
  assert.equal(r.subsystems.ok, "ready");
  assert.equal(r.subsystems.down, "not ready");
  assert.equal(r.subsystems.broken, "not ready: disk gone");

  const healthy = new Lifecycle(quiet);
  healthy.add(fake("ok", []));
  r = await healthy.readiness();
  assert.equal(r.ready, true);
  await healthy.shutdown("test", 1000);
  r = await healthy.readiness();
  assert.equal(r.ready, false);
  assert.equal(r.state, "stopped");
});

Deno.test("a KV write in flight when shutdown starts is durable before KV closes", async () => {
  const path = `${tempDir()}/council.kv`;
  const store = await Store.open(path);
  const lc = new Lifecycle(quiet);
  lc.add(store);
  // Queue many writes, then shut down without awaiting them first.
  const writes = Array.from(
    { length: 200 },
    (_, i) => store.commit(store.kv.atomic().set(["t", i], i)),
  );
  assert.ok(store.pending > 0);
  const closed = lc.shutdown("test", 5000);
  const results = await Promise.all(writes);
  assert.ok(results.every((r) => r.ok));
  assert.equal(await closed, true);
  await assert.rejects(() => store.commit(store.kv.atomic().set(["late"], 1)), /closing/);

  const reopened = await Deno.openKv(path);
  let n = 0;
  for await (const _ of reopened.list({ prefix: ["t"] })) n++;
  reopened.close();
  assert.equal(n, 200);
});

import assert from "node:assert/strict";
import { Store, StoreError } from "../../store/mod.ts";
import { tempDir, tempFile } from "../_helpers/temp.ts";

Deno.test("instance record counts starts on the same database", async () => {
  const path = `${tempDir()}/nested/dir/council.kv`;
  const first = await Store.open(path);
  const a = await first.recordStart(new Date("2026-01-01T00:00:00Z"));
  await first.close();
  const second = await Store.open(path);
  const b = await second.recordStart(new Date("2026-01-02T00:00:00Z"));
  assert.equal(await second.ready(), true);
  await second.close();
  assert.equal(a.starts, 1);
  assert.equal(b.starts, 2);
  assert.equal(b.firstStartedAt, "2026-01-01T00:00:00.000Z");
  assert.equal(b.lastStartedAt, "2026-01-02T00:00:00.000Z");
});

Deno.test("an unusable KV path is a StoreError naming kv.path", async () => {
  const file = tempFile();
  await assert.rejects(() => Store.open(`${file}/sub/council.kv`), (err: unknown) => {
    assert.ok(err instanceof StoreError);
    assert.match(err.message, /^kv\.path: cannot create directory/);
    return true;
  });
});

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

const modeOf = (p: string) => Deno.statSync(p).mode! & 0o777;

Deno.test("a new database is private: directory 0700, the KV and its -wal/-shm 0600", async () => {
  const dir = `${tempDir()}/data`;
  const path = `${dir}/council.kv`;
  const store = await Store.open(path);
  // Writes make SQLite create the WAL and shared-memory files.
  await store.commit(store.kv.atomic().set(["secret"], "x".repeat(1000)));
  assert.equal(modeOf(dir), 0o700);
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    assert.equal(modeOf(file), 0o600, file);
  }
  assert.deepEqual(store.permissionsFixed, []);
  await store.close();
});

Deno.test("a database an older version left readable is made private on open", async () => {
  const dir = `${tempDir()}/data`;
  const path = `${dir}/council.kv`;
  const first = await Store.open(path);
  await first.commit(first.kv.atomic().set(["secret"], "x"));
  await first.close();
  // What older versions did: 0755 directory, 0644 files.
  Deno.chmodSync(dir, 0o755);
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    try {
      Deno.chmodSync(file, 0o644);
    } catch { /* -wal/-shm may be gone after a clean close */ }
  }
  const again = await Store.open(path);
  assert.equal(modeOf(dir), 0o700);
  assert.equal(modeOf(path), 0o600);
  assert.ok(again.permissionsFixed.includes(dir), again.permissionsFixed.join());
  assert.ok(again.permissionsFixed.includes(path), again.permissionsFixed.join());
  await again.commit(again.kv.atomic().set(["secret"], "y"));
  for (const file of [`${path}-wal`, `${path}-shm`]) assert.equal(modeOf(file), 0o600, file);
  await again.close();
});

Deno.test("a shared sticky directory such as /tmp is not changed", async () => {
  const dir = tempDir();
  Deno.chmodSync(dir, 0o1777);
  const path = `${dir}/council.kv`;
  const store = await Store.open(path);
  await store.close();
  assert.equal(Deno.statSync(dir).mode! & 0o7777, 0o1777);
  assert.equal(modeOf(path), 0o600);
});

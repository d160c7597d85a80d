// Room PINs: salted scrypt hashes only, constant-time checks, bounded parameters,
// kept across a reopen, never stored in the clear.

import assert from "node:assert/strict";
import { hashPin, PIN_SCRYPT, PinError, RoomPins, verifyPin } from "../../../rooms/pins.ts";
import { Store } from "../../../store/mod.ts";

Deno.test("a PIN hash verifies the PIN and nothing else, salted", async () => {
  const a = await hashPin("123456");
  const b = await hashPin("123456");
  assert(a.salt !== b.salt && a.hash !== b.hash, "two hashes of one PIN differ (salt)");
  assert.deepEqual([a.N, a.r, a.p], [PIN_SCRYPT.N, PIN_SCRYPT.r, PIN_SCRYPT.p]);
  assert(!JSON.stringify(a).includes("123456"));
  assert.deepEqual(await verifyPin(a, "123456"), true);
  assert.deepEqual(await verifyPin(a, "123457"), false);
  assert.deepEqual(await verifyPin(a, "12345"), false);
  assert.deepEqual(await verifyPin(a, "123456#"), false);
  assert.deepEqual(await verifyPin(a, ""), false);
});

Deno.test("PIN form: 4-12 digits", async () => {
  for (const bad of ["123", "1234567890123", "12a4", " 1234"]) {
    await assert.rejects(() => hashPin(bad), PinError);
  }
  await hashPin("1234", { N: 1024, r: 8, p: 1 });
  await hashPin("123456789012", { N: 1024, r: 8, p: 1 });
});

Deno.test("a stored hash with out-of-bounds cost is refused, not computed", async () => {
  const rec = await hashPin("4321", { N: 1024, r: 8, p: 1 });
  await assert.rejects(() => verifyPin({ ...rec, N: 1 << 22 }, "4321"), PinError);
  await assert.rejects(() => verifyPin({ ...rec, N: 1000 }, "4321"), PinError);
  await assert.rejects(() => verifyPin({ ...rec, r: 64 }, "4321"), PinError);
  await assert.rejects(() => verifyPin({ ...rec, p: 16 }, "4321"), PinError);
});

Deno.test("RoomPins: set, verify, clear, kept in KV across a reopen, hash only", async () => {
  const path = await Deno.makeTempDir();
  try {
    let store = await Store.open(`${path}/kv`);
    let pins = await RoomPins.open(store);
    assert.deepEqual(pins.has("main"), false);
    assert.deepEqual(await pins.verify("main", "1234"), false);
    await pins.set("main", "24680");
    assert(pins.has("main") && pins.setAt("main"));
    assert.deepEqual(await pins.verify("main", "24680"), true);
    assert.deepEqual(await pins.verify("main", "2468"), false);
    for await (const { value } of store.kv.list({ prefix: [] })) {
      assert(!JSON.stringify(value).includes("24680"), "the PIN is never stored");
    }
    await store.close();
    store = await Store.open(`${path}/kv`);
    pins = await RoomPins.open(store);
    assert.deepEqual(await pins.verify("main", "24680"), true);
    await pins.set("main", "1357");
    assert.deepEqual(await pins.verify("main", "24680"), false);
    assert.deepEqual(await pins.verify("main", "1357"), true);
    assert.deepEqual(await pins.clear("main"), true);
    assert.deepEqual(await pins.clear("main"), false);
    assert.deepEqual(pins.has("main"), false);
    await store.close();
  } finally {
    await Deno.remove(path, { recursive: true });
  }
});

import assert from "node:assert/strict";
import { DEFAULT_POLICY, parsePolicy, PolicyError, PolicyStore } from "../../../guard/mod.ts";
import { createLogger } from "../../../telemetry/mod.ts";
import { tempDir } from "../../_helpers/temp.ts";
import { roomOfNumber } from "../../../guard/policy.ts";
import { roomOfAliases } from "../../../signaling/h323/room_alias.ts";

Deno.test("a policy file overrides defaults and rooms", () => {
  const p = parsePolicy({
    version: "2026-11-21.1",
    freshnessWindowSec: 10,
    room: { capacity: 12 },
    rateLimits: { ESCALATE: { perSecond: 5, burst: 5 } },
    rooms: { "council-main": { allowedCodecs: ["opus", "PCMU"] } },
  });
  assert.equal(p.version, "2026-11-21.1");
  assert.equal(p.freshnessWindowSec, 10);
  assert.equal(p.room.capacity, 12);
  assert.equal(p.room.bandwidthKbps, DEFAULT_POLICY.room.bandwidthKbps);
  assert.deepEqual(p.rateLimits.ESCALATE, { perSecond: 5, burst: 5 });
  assert.deepEqual(p.rateLimits.ROUTINE, DEFAULT_POLICY.rateLimits.ROUTINE);
  assert.deepEqual(p.rooms["council-main"].allowedCodecs, ["opus", "PCMU"]);
});

Deno.test("invalid policies are refused with the field named", () => {
  const cases: Array<[unknown, RegExp]> = [
    [[], /^policy: expected an object/],
    [{}, /^version: expected/],
    [{ version: "x", bogus: 1 }, /^policy\.bogus: unknown field/],
    [{ version: "x", freshnessWindowSec: 0 }, /^freshnessWindowSec: expected an integer from 1/],
    [{ version: "x", room: { capacity: "25" } }, /^room\.capacity: expected an integer/],
    [
      { version: "x", room: { allowedCodecs: ["speex"] } },
      /^room\.allowedCodecs: expected a non-empty list/,
    ],
    [{ version: "x", rateLimits: { WHATEVER: {} } }, /^rateLimits\.WHATEVER: unknown field/],
    [
      { version: "x", rateLimits: { ROUTINE: { perSecond: -1, burst: 1 } } },
      /^rateLimits\.ROUTINE\.perSecond/,
    ],
    [{ version: "x", rooms: { "Bad Room": {} } }, /^rooms\.Bad Room: room names/],
    [
      { version: "x", rooms: { ok: { capacity: 5, extra: 1 } } },
      /^rooms\.ok\.extra: unknown field/,
    ],
  ];
  for (const [doc, reason] of cases) {
    assert.throws(
      () => parsePolicy(doc),
      (e: unknown) => e instanceof PolicyError && reason.test(e.message),
      String(reason),
    );
  }
});

Deno.test("the store reloads when the file changes and keeps the old policy on a bad file", async () => {
  const lines: string[] = [];
  const log = createLogger({ level: "info", sink: (l) => lines.push(l) });
  const path = `${tempDir()}/policy.json`;
  Deno.writeTextFileSync(path, JSON.stringify({ version: "a" }));
  const store = new PolicyStore(path, log);
  store.watch();
  try {
    assert.equal(store.current.version, "a");
    Deno.writeTextFileSync(path, JSON.stringify({ version: "b" }));
    for (let i = 0; i < 50 && (store.current.version as string) !== "b"; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(store.current.version, "b");

    Deno.writeTextFileSync(path, "{ not json");
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(store.current.version, "b");
    const refused = lines.map((l) => JSON.parse(l)).find((r) => r.msg.startsWith("policy refused"));
    assert.ok(refused, lines.join("\n"));
    assert.match(refused.error, /not valid JSON/);
  } finally {
    store.close();
  }
});

Deno.test("a bad policy file at startup is an error", () => {
  const path = `${tempDir()}/policy.json`;
  Deno.writeTextFileSync(path, JSON.stringify({ version: "x", room: { capacity: 0 } }));
  assert.throws(
    () => new PolicyStore(path, createLogger({ level: "error", sink: () => {} })),
    /room\.capacity/,
  );
});

Deno.test("rooms set through the API lie over the file's, and a room may fix its call type", () => {
  const log = createLogger({ level: "error" });
  const store = new PolicyStore(undefined, log);
  const seen: string[] = [];
  store.onChange((p) => seen.push(Object.keys(p.rooms).join(",")));
  assert.deepEqual(store.current.rooms, {});
  store.setRooms({ council: { capacity: 5, callType: "ESCALATE" } });
  assert.deepEqual(store.current.rooms.council, { capacity: 5, callType: "ESCALATE" });
  assert.equal(store.current.version, DEFAULT_POLICY.version);
  assert.deepEqual(seen, ["council"]);
  store.setRooms({});
  assert.deepEqual(store.current.rooms, {});
  assert.deepEqual(
    parsePolicy({ version: "x", rooms: { war: { callType: "EMERGENCY" } } }).rooms.war,
    { callType: "EMERGENCY" },
  );
  assert.throws(
    () => parsePolicy({ version: "x", rooms: { war: { callType: "URGENT" } } }),
    /rooms\.war\.callType: expected one of ROUTINE, ESCALATE, EMERGENCY/,
  );
});

Deno.test("policy: a room's E.164 number is 1-15 digits and one room's only; aliases find it", () => {
  const policy = parsePolicy({
    version: "numbers",
    rooms: { main: { number: "4100" }, ops: { number: "4200" }, quiet: {} },
  });
  assert.equal(roomOfNumber(policy, "4100"), "main");
  assert.equal(roomOfNumber(policy, "4300"), undefined);
  assert.equal(roomOfNumber(policy, "41a"), undefined);
  assert.throws(
    () => parsePolicy({ version: "v", rooms: { a: { number: "1" }, b: { number: "1" } } }),
    /rooms\.b\.number: 1 is room a's already/,
  );
  assert.throws(
    () => parsePolicy({ version: "v", rooms: { a: { number: "+41" } } }),
    /1-15 digits/,
  );
  assert.throws(
    () => parsePolicy({ version: "v", rooms: { a: { number: "1234567890123456" } } }),
    /1-15 digits/,
  );
  // H.323 aliases: by name in any of its spellings, or by number as dialledDigits.
  assert.equal(roomOfAliases(["h323-ID:council-quiet"], policy), "quiet");
  assert.equal(roomOfAliases(["url-ID:h323:council-ops@10.0.0.1"], policy), "ops");
  assert.equal(roomOfAliases(["h323-ID:bob", "dialledDigits:4200"], policy), "ops");
  assert.equal(roomOfAliases(["dialledDigits:4200"]), undefined, "numbers need the policy");
  assert.equal(roomOfAliases(["dialledDigits:9999", "h323-ID:bob"], policy), undefined);
});

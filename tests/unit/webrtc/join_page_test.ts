import assert from "node:assert/strict";
import { parseKey } from "../../../web/src/app.ts";
import { cryptoKeySigner, importSeed, pkcs8FromSeed } from "../../../web/src/keystore.ts";
import { NAME_PATTERN, NAME_RE, nameProblem } from "../../../web/src/names.ts";
import { ending, joinError, MEDIA_HINT, statusLine } from "../../../web/src/status.ts";
import { seedSigner } from "../../../web/src/client.ts";
import { generateGuardianKey, ROOM_RE, signedBytes } from "../../../guard/mod.ts";
import { GUARDIAN_ID_RE } from "../../../guard/registry.ts";
import { fromBase64 } from "../../../witness/base64.ts";

Deno.test("the join page reads a bare key or a key file, and refuses anything else", async () => {
  const pair = await generateGuardianKey();
  const secret = fromBase64(pair.secretKey)!;
  assert.deepEqual(parseKey(` ${pair.secretKey}\n`), secret);
  assert.deepEqual(parseKey(JSON.stringify(pair)), secret);
  assert.throws(() => parseKey(JSON.stringify({ publicKey: pair.publicKey })), /no secretKey/);
  assert.throws(() => parseKey("{ not json"), /not valid JSON/);
  assert.throws(() => parseKey("bm90IGEga2V5"), /32-byte/);
  assert.throws(() => parseKey("%%%"), /32-byte/);
});

Deno.test("a seed imported as a non-extractable WebCrypto key signs as the seed does", async () => {
  const pair = await generateGuardianKey();
  const seed = fromBase64(pair.secretKey)!;
  const der = pkcs8FromSeed(seed);
  assert.equal(der.length, 48);
  assert.deepEqual([...der.subarray(16)], [...seed]);
  const message = signedBytes({
    guardianId: "if://guardian/alice",
    room: "main",
    callType: "ROUTINE",
    bandwidthKbps: 64,
    codecs: ["opus"],
    pii: false,
    timestamp: 1,
    nonce: "n",
  });
  const expected = await seedSigner(seed)(message);
  const imported = await importSeed(seed);
  assert.equal(imported.publicKey, pair.publicKey);
  assert.equal(imported.key.extractable, false);
  assert.deepEqual(imported.key.usages, ["sign"]);
  assert.deepEqual([...seed], new Array(32).fill(0), "the caller's copy of the seed is wiped");
  await assert.rejects(crypto.subtle.exportKey("pkcs8", imported.key));
  // Ed25519 is deterministic: the same bytes from WebCrypto as from the seed.
  assert.deepEqual(await cryptoKeySigner(imported.key)(message), expected);
});

Deno.test("the name pattern compiles as browsers compile `pattern` and agrees with guard", () => {
  // Browsers compile a pattern attribute with the v flag; the old `[a-z0-9._-]` did not.
  assert.throws(() => new RegExp("^(?:[a-z0-9][a-z0-9._-]{0,63})$", "v"));
  new RegExp(`^(?:${NAME_PATTERN})$`, "v");
  for (
    const name of [
      "main",
      "a",
      "war-room",
      "x.y_z-1",
      "9lives",
      "a".repeat(64),
      "a".repeat(65),
      "Main",
      "-main",
      ".x",
      "war room",
      "",
      "é",
      "a/b",
    ]
  ) {
    assert.equal(NAME_RE.test(name), ROOM_RE.test(name), `room ${JSON.stringify(name)}`);
    assert.equal(
      NAME_RE.test(name),
      GUARDIAN_ID_RE.test(`if://guardian/${name}`),
      `guardian ${JSON.stringify(name)}`,
    );
    assert.equal(nameProblem("room", name) === undefined, ROOM_RE.test(name));
  }
  assert.match(nameProblem("room", "War Room")!, /lower-case/);
  assert.match(nameProblem("guardian", "")!, /Enter a guardian name/);
});

Deno.test("the page says what is happening and why a session ended", () => {
  const s = { room: "main", attempt: 0, media: "new" };
  assert.equal(statusLine({ ...s, state: "connecting" }), "Connecting to room main…");
  assert.equal(
    statusLine({ ...s, state: "reconnecting", attempt: 3 }),
    "Connection lost; reconnecting (attempt 3)…",
  );
  assert.equal(statusLine({ ...s, state: "joined" }), "In room main; connecting audio…");
  assert.equal(statusLine({ ...s, state: "joined", media: "connected" }), "In room main");
  assert.equal(
    statusLine({ ...s, state: "joined", media: "failed" }),
    "In room main; media failed",
  );
  assert.equal(
    statusLine({ ...s, state: "left", endedReason: "replaced" }),
    "Replaced by a newer tab",
  );
  assert.equal(statusLine({ ...s, state: "left" }), "You left room main");
  const media = ending("media-timeout", "main");
  assert.ok(media.unexpected);
  assert.ok(media.detail.includes(MEDIA_HINT));
  assert.match(MEDIA_HINT, /UDP/);
  assert.match(MEDIA_HINT, /firewall/);
  assert.match(ending("removed", "main").title, /Removed/);
  assert.match(ending("room-closed", "main").title, /closed/);
  assert.match(ending("replaced", "main").detail, /another tab/);
  assert.equal(ending("left", "main").unexpected, false);
  assert.match(ending("something-new", "main").title, /something-new/);

  assert.match(
    joinError(new Error("REJECTED: INVALID_SIGNATURE: the signature does not verify")),
    /did not accept this key.*Forget the key/,
  );
  assert.match(
    joinError(Object.assign(new Error("denied"), { name: "NotAllowedError" })),
    /allow it/,
  );
  assert.match(joinError(new Error("cannot reach ws://x/ws")), /cannot be reached/);
});

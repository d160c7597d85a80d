// H.235.1 procedure I: Council's token is what Wireshark reads as one, its hash is
// HMAC-SHA1-96 keyed with SHA-1(password) over the message with the hash zeroed
// (checked here against an independent computation with WebCrypto), and the
// authenticator refuses wrong passwords, stale times, replays and foreign tokens.

import assert from "node:assert/strict";
import { decodeRas, encodeRas, type RasValue } from "../../../signaling/h323/mod.ts";
import {
  H235_1_OIDS,
  h235Key,
  hashMatches,
  readHashedToken,
  signRas,
} from "../../../signaling/h323/security/h235_1.ts";
import { parseNeighbours } from "../../../signaling/h323/security/neighbours.ts";
import type { H323Passwords } from "../../../signaling/h323/security/passwords.ts";
import { RasAuthenticator } from "../../../signaling/h323/security/ras_auth.ts";
import { tsharkVerdicts } from "../../_helpers/tshark.ts";
import { rasFrames } from "../../_helpers/ras.ts";

const grq = (): RasValue => ({
  gatekeeperRequest: {
    requestSeqNum: 5,
    protocolIdentifier: "0.0.8.2250.0.7",
    rasAddress: { ipAddress: { ip: new Uint8Array([127, 0, 0, 1]), port: 1719 } },
    endpointType: { mc: false, undefinedNode: false },
  },
});

async function webCryptoHmac96(password: string, bytes: Uint8Array): Promise<Uint8Array> {
  const key = new Uint8Array(
    await crypto.subtle.digest("SHA-1", new TextEncoder().encode(password)),
  );
  const k = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-1" }, false, [
    "sign",
  ]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", k, bytes as BufferSource)).slice(0, 12);
}

Deno.test("H.235.1: the token Council writes is procedure I, and Wireshark reads it so", async () => {
  const bytes = signRas(grq(), {
    key: h235Key("a password"),
    generalID: "Council",
    sendersID: "bob",
    random: 7,
    timeStamp: 1_796_400_000,
  });
  const body = decodeRas(bytes).gatekeeperRequest;
  const read = readHashedToken(body);
  assert.ok(read.ok);
  assert.deepEqual({ ...read.token, hash: undefined }, {
    timeStamp: 1_796_400_000,
    random: 7,
    generalID: "Council",
    sendersID: "bob",
    hash: undefined,
  });
  // The hash, recomputed independently: the message with 12 zero bytes in its place.
  const at = bytes.findIndex((_, i) => read.token.hash.every((b, j) => bytes[i + j] === b));
  const zeroed = bytes.slice();
  zeroed.fill(0, at, at + 12);
  assert.deepEqual(await webCryptoHmac96("a password", zeroed), read.token.hash);
  assert.equal(hashMatches(bytes, read.token.hash, h235Key("a password")), true);
  assert.equal(hashMatches(bytes, read.token.hash, h235Key("another one")), false);
  // A message stuffed with copies of its hash is refused (after a few HMACs, not 5,000).
  const stuffed = new Uint8Array(60_000);
  for (let at = 0; at + 12 <= stuffed.length; at += 12) stuffed.set(read.token.hash, at);
  assert.equal(hashMatches(stuffed, read.token.hash, h235Key("a password")), false);
  // Any flipped bit outside the hash breaks it.
  const flipped = bytes.slice();
  flipped[3] ^= 1;
  assert.equal(hashMatches(flipped, read.token.hash, h235Key("a password")), false);

  const [v] = await tsharkVerdicts("h225", [bytes]);
  assert.equal(v.malformed, false, v.detail);
  assert.deepEqual(v.problems, []);
  for (const oid of Object.values(H235_1_OIDS)) assert.ok(v.detail.includes(oid), oid);
  assert.match(v.detail, /HMAC-SHA1-96/);
});

Deno.test("H.235.1: the authenticator refuses a wrong password, a stale time, a replay, another gatekeeper's token", async () => {
  const keys = new Map([["if://guardian/bob", h235Key("bob's password")]]);
  let now = 1_796_400_000_000;
  const auth = new RasAuthenticator({
    gatekeeperId: "Council",
    passwords: { keyOf: (id: string) => keys.get(id) } as unknown as H323Passwords,
    guard: { verifyGuardian: () => Promise.resolve("INVALID_SIGNATURE" as const) },
    timestampWindowSec: 60,
    now: () => now,
  });
  const rrq = decodeRas((await rasFrames("gnugk-ras-call.pcapng")).get(3)!);
  delete rrq.registrationRequest.gatekeeperIdentifier;
  const sign = (o: { password?: string; random: number; generalID?: string; at?: number }) =>
    signRas(rrq, {
      key: h235Key(o.password ?? "bob's password"),
      generalID: o.generalID ?? "Council",
      sendersID: "bob",
      random: o.random,
      timeStamp: Math.floor((o.at ?? now) / 1000),
    });
  const prove = (bytes: Uint8Array, who = "if://guardian/bob") =>
    auth.prove(bytes, "registrationRequest", decodeRas(bytes).registrationRequest, who);

  const good = sign({ random: 1 });
  assert.deepEqual(await prove(good), { ok: true, method: "h235.1", sendersID: "bob" });
  assert.match((await prove(good) as { why: string }).why, /used before/);
  assert.match(
    (await prove(sign({ random: 2, password: "guess" })) as { why: string }).why,
    /does not verify/,
  );
  // A guardian without a password proves nothing with H.235.1.
  assert.equal((await prove(sign({ random: 3 }), "if://guardian/carol")).ok, false);
  assert.match(
    (await prove(sign({ random: 4, at: now - 61_000 })) as { why: string }).why,
    /outside the window/,
  );
  assert.match(
    (await prove(sign({ random: 5, generalID: "OtherGK" })) as { why: string }).why,
    /another gatekeeper/,
  );
  // A token without H.235.1 at all is "missing", not "wrong".
  assert.deepEqual(await prove(encodeRas(rrq)), {
    ok: false,
    missing: true,
    why: "no H.235.1 token",
  });
  // The same (timeStamp, random) is fresh again once it left the window.
  now += 200_000;
  assert.equal((await prove(sign({ random: 1 }))).ok, true);
});

Deno.test("neighbours: host, optional port and password", () => {
  const [a, b] = parseNeighbours("10.0.0.1:1719=secret-one, 10.0.0.2");
  assert.deepEqual([a.host, a.port, b.host, b.port, b.key], [
    "10.0.0.1",
    1719,
    "10.0.0.2",
    undefined,
    undefined,
  ]);
  assert.deepEqual(a.key, h235Key("secret-one"));
  assert.deepEqual(parseNeighbours(""), []);
});

// H323Plus 1.28 (simph323 -u bob -p h323plus-secret) registering with Council, one
// call attempt refused (before password-only ARQs were admitted), then unregistering;
// the same terminal dialling council-main and admitted on its password alone; and a
// wrong password (captured on loopback, RAS on port 11719). H323Plus logged
// "Authenticator H.235.1 succeeded" for each of Council's answers.
const H323PLUS = "h323plus-h235-register-arq-urq.pcapng";
const H323PLUS_WRONG = "h323plus-h235-wrong-password-rrj.pcapng";

Deno.test("H.235.1 against H323Plus: its RRQ, ARQ and URQ verify with its password and not with another; Council's answers verify too", async () => {
  const frames = await rasFrames(H323PLUS, 11719);
  const right = h235Key("h323plus-secret");
  const wrong = h235Key("wrong-password");
  // 3 RRQ, 4 RCF, 5 ARQ, 6 ARJ, 7 URQ, 8 UCF
  for (const n of [3, 4, 5, 6, 7, 8]) {
    const raw = frames.get(n)!;
    const [kind] = Object.keys(decodeRas(raw));
    const read = readHashedToken(decodeRas(raw)[kind]);
    assert.ok(read.ok, `frame ${n} (${kind}) has an H.235.1 token`);
    assert.equal(hashMatches(raw, read.token.hash, right), true, `frame ${n} (${kind})`);
    assert.equal(hashMatches(raw, read.token.hash, wrong), false, `frame ${n} (${kind})`);
  }
  // The same terminal dialling room "main" with only its password: every RAS message,
  // its and Council's (ACF, DCF, UCF), carries a token that verifies with it.
  const dial = await rasFrames("h323plus-h235-dials-room-password-only.pcapng", 11719);
  const kinds: string[] = [];
  for (const raw of dial.values()) {
    const [kind] = Object.keys(decodeRas(raw));
    kinds.push(kind);
    if (kind.startsWith("gatekeeper")) continue; // discovery carries no token
    const read = readHashedToken(decodeRas(raw)[kind]);
    assert.ok(read.ok && hashMatches(raw, read.token.hash, right), kind);
  }
  assert.deepEqual(kinds, [
    "gatekeeperRequest",
    "gatekeeperConfirm",
    "registrationRequest",
    "registrationConfirm",
    "admissionRequest",
    "admissionConfirm",
    "disengageRequest",
    "disengageConfirm",
    "unregistrationRequest",
    "unregistrationConfirm",
  ]);

  // What H323Plus put in its tokens: to Council, from bob, then from its endpoint id.
  const rrq = readHashedToken(decodeRas(frames.get(3)!).registrationRequest);
  const rcf = decodeRas(frames.get(4)!).registrationConfirm;
  const urq = readHashedToken(decodeRas(frames.get(7)!).unregistrationRequest);
  assert.ok(rrq.ok && urq.ok);
  assert.deepEqual([rrq.token.generalID, rrq.token.sendersID], ["Council", "bob"]);
  assert.deepEqual([urq.token.generalID, urq.token.sendersID], ["Council", rcf.endpointIdentifier]);

  // Council's authenticator, its clock at the capture's time: the RRQ is bob's,
  // once; the wrong-password capture's RRQ is not.
  const auth = new RasAuthenticator({
    gatekeeperId: "Council",
    passwords: { keyOf: () => right } as unknown as H323Passwords,
    guard: { verifyGuardian: () => Promise.resolve("INVALID_SIGNATURE" as const) },
    timestampWindowSec: 60,
    now: () => rrq.token.timeStamp * 1000,
  });
  const prove = (raw: Uint8Array) =>
    auth.prove(raw, "registrationRequest", decodeRas(raw).registrationRequest, "if://guardian/bob");
  assert.deepEqual(await prove(frames.get(3)!), { ok: true, method: "h235.1", sendersID: "bob" });
  assert.equal((await prove(frames.get(3)!)).ok, false, "a replay of H323Plus's RRQ");
  const refused = (await rasFrames(H323PLUS_WRONG, 11719)).get(3)!;
  assert.match((await prove(refused) as { why: string }).why, /does not verify/);
  assert.deepEqual(decodeRas((await rasFrames(H323PLUS_WRONG, 11719)).get(4)!), {
    registrationReject: {
      requestSeqNum: decodeRas(refused).registrationRequest.requestSeqNum,
      protocolIdentifier: "0.0.8.2250.0.7",
      rejectReason: { securityDenial: null },
      gatekeeperIdentifier: "Council",
    },
  });
});

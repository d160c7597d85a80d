import assert from "node:assert/strict";
import { AccountLockout } from "../../../signaling/sip/auth_lockout.ts";
import { sameUri } from "../../../signaling/sip/uri_equal.ts";
import { credentialFor, DigestAuthenticator, DigestError } from "../../../signaling/sip/mod.ts";
import { expectedResponse } from "../../../signaling/sip/digest.ts";

Deno.test("a name locks after N failures, for a backoff that doubles up to the cap", () => {
  let now = 0;
  const lock = new AccountLockout({ failures: 3, lockMs: 1000, maxLockMs: 3000, now: () => now });
  const locks: number[] = [];
  for (let round = 0; round < 4; round++) {
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(lock.check("bob", true), { ok: true });
      const l = lock.failure("bob", true);
      if (l) locks.push(l.lockedMs);
    }
    const c = lock.check("bob", true);
    assert.equal(c.ok, false);
    now += 500;
    assert.equal(lock.check("bob", true).ok, false, "still locked half-way");
    now += locks.at(-1)!; // past the lock
  }
  assert.deepEqual(locks, [1000, 2000, 3000, 3000]);
  // Another name is untouched; a success clears failures but not the level.
  assert.deepEqual(lock.check("alice", true), { ok: true });
  lock.failure("bob", true);
  lock.success("bob", true);
  lock.failure("bob", true);
  lock.failure("bob", true);
  assert.deepEqual(lock.check("bob", true), { ok: true });
  // Quiet for twice the cap: the level starts again.
  now += 6001;
  for (let i = 0; i < 3; i++) lock.failure("bob", true);
  const c = lock.check("bob", true);
  assert.ok(!c.ok && c.retryAfter === 1);
});

Deno.test("unknown names lock the same way, and a spray of them stays bounded", () => {
  let now = 0;
  const lock = new AccountLockout({
    failures: 2,
    lockMs: 1000,
    maxLockMs: 1000,
    maxUnknown: 100,
    now: () => now,
  });
  lock.failure("nobody", false);
  lock.failure("nobody", false);
  assert.equal(lock.check("nobody", false).ok, false);
  for (let i = 0; i < 10_000; i++) {
    lock.failure(`spray-${i}`, false);
    now += 0.1;
  }
  assert.ok(lock.size <= 102, `size ${lock.size}`);
  // The spray never pushes out a real account's count.
  lock.failure("alice", true);
  lock.failure("alice", true);
  assert.equal(lock.check("alice", true).ok, false);
});

Deno.test("URIs compare by RFC 3261 19.1.4", () => {
  const same = [
    ["sip:%61lice@atlanta.com;transport=TCP", "sip:alice@AtLanTa.CoM;Transport=tcp"],
    ["sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5"],
    ["sip:carol@chicago.com;security=on", "sip:carol@chicago.com;newparam=5"],
    [
      "sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com",
      "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com",
    ],
    [
      "sip:alice@atlanta.com?subject=project%20x&priority=urgent",
      "sip:alice@atlanta.com?priority=urgent&subject=project%20x",
    ],
    ["sip:127.0.0.1:5060", "sip:127.0.0.1:5060"],
  ];
  for (const [a, b] of same) assert.ok(sameUri(a, b), `${a} = ${b}`);
  const different = [
    ["SIP:ALICE@AtLanTa.CoM;Transport=udp", "sip:alice@AtLanTa.CoM;Transport=UDP"],
    ["sip:bob@biloxi.com", "sip:bob@biloxi.com:5060"],
    ["sip:bob@biloxi.com", "sip:bob@biloxi.com;user=ip"],
    ["sip:carol@chicago.com", "sip:carol@chicago.com;maddr=10.0.0.1"],
    ["sip:carol@chicago.com", "sips:carol@chicago.com"],
    ["sip:carol@chicago.com", "sip:carol@chicago.com?subject=x"],
    ["sip:council-main@127.0.0.1", "sip:council-other@127.0.0.1"],
    ["sip:127.0.0.1", "not a uri"],
  ];
  for (const [a, b] of different) assert.ok(!sameUri(a, b), `${a} != ${b}`);
});

function answerFor(challenge: string, user: string, password: string, uri: string) {
  const p = Object.fromEntries(
    [...challenge.matchAll(/(\w+)=(?:"([^"]*)"|([^\s,]+))/g)].map((m) => [m[1], m[2] ?? m[3]]),
  );
  const algorithm = p.algorithm as "SHA-256" | "MD5";
  const fields = { algorithm, nonce: p.nonce, uri, qop: "auth", nc: "00000001", cnonce: "c0ffee" };
  const ha1 = credentialFor(user, p.realm, password).ha1[algorithm];
  return {
    ...fields,
    username: user,
    realm: p.realm,
    response: expectedResponse(fields, "REGISTER", ha1),
  };
}

Deno.test("digest: the uri must be the Request-URI (400), and unknown users cost a comparison", () => {
  const auth = new DigestAuthenticator({ realm: "council" });
  const cred = credentialFor("alice", "council", "correct-horse");
  const [sha] = auth.challenges();
  const good = answerFor(sha, "alice", "correct-horse", "sip:127.0.0.1:5060");
  auth.check(good, "sip:127.0.0.1:5060");
  const elsewhere = answerFor(sha, "alice", "correct-horse", "sip:elsewhere.example");
  try {
    auth.check(elsewhere, "sip:127.0.0.1:5060");
    assert.fail("a digest for another uri passed");
  } catch (err) {
    assert.ok(err instanceof DigestError && err.status === 400 && !err.stale, String(err));
    assert.match(err.message, /not the Request-URI/);
  }
  // verify() with a Request-URI refuses it too; without one (old callers) it does not check.
  assert.throws(
    () => auth.verify(elsewhere, "REGISTER", cred, "sip:127.0.0.1:5060"),
    /Request-URI/,
  );
  assert.equal(auth.matches(good, "REGISTER", cred), true);
  assert.equal(auth.matches(good, "REGISTER", undefined), false, "no credential never matches");
  const wrongRealm = credentialFor("alice", "other", "correct-horse");
  assert.equal(auth.matches(good, "REGISTER", wrongRealm), false);
});

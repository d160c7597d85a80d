import assert from "node:assert/strict";
import {
  credentialFor,
  DigestAuthenticator,
  DigestError,
  parseAuthorization,
} from "../../../signaling/sip/mod.ts";
import { expectedResponse, h } from "../../../signaling/sip/digest.ts";

Deno.test("digest responses match the RFC 7616 section 3.9.1 examples (SHA-256 and MD5)", () => {
  const ha1 = (alg: "SHA-256" | "MD5") => h(alg, "Mufasa:http-auth@example.org:Circle of Life");
  const r = {
    nonce: "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
    uri: "/dir/index.html",
    qop: "auth",
    nc: "00000001",
    cnonce: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
  };
  assert.equal(
    expectedResponse({ ...r, algorithm: "SHA-256" }, "GET", ha1("SHA-256")),
    "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1",
  );
  assert.equal(
    expectedResponse({ ...r, algorithm: "MD5" }, "GET", ha1("MD5")),
    "8ca523f5e9506fed4657c9700eebdbec",
  );
});

function answer(challenge: string, user: string, password: string, nc = "00000001") {
  const p = Object.fromEntries(
    [...challenge.matchAll(/(\w+)=(?:"([^"]*)"|([^\s,]+))/g)].map((m) => [m[1], m[2] ?? m[3]]),
  );
  const alg = p.algorithm as "SHA-256" | "MD5";
  const fields = {
    algorithm: alg,
    nonce: p.nonce,
    uri: "sip:council-main@x",
    qop: "auth",
    nc,
    cnonce: "abc",
  };
  const ha1 = h(alg, `${user}:${p.realm}:${password}`);
  const response = expectedResponse(fields, "INVITE", ha1);
  return parseAuthorization(
    `Digest username="${user}", realm="${p.realm}", nonce="${p.nonce}", uri="${fields.uri}", ` +
      `response="${response}", algorithm=${alg}, qop=auth, nc=${nc}, cnonce="abc"`,
  )!;
}

Deno.test("challenge, answer, verify; replayed counts, wrong passwords and old nonces refused", () => {
  let now = 1_000_000;
  const auth = new DigestAuthenticator({ realm: "council", now: () => now });
  const cred = credentialFor("alice", "council", "correct-horse");
  const [sha, md5] = auth.challenges();
  assert.match(sha, /algorithm=SHA-256/);
  assert.match(md5, /algorithm=MD5/);
  auth.verify(answer(sha, "alice", "correct-horse"), "INVITE", cred);
  // Both challenges carry one nonce, so its count goes on across algorithms.
  auth.verify(answer(md5, "alice", "correct-horse", "00000002"), "INVITE", cred);
  assert.throws(
    () => auth.verify(answer(sha, "alice", "correct-horse"), "INVITE", cred),
    /replayed/,
  );
  auth.verify(answer(sha, "alice", "correct-horse", "00000003"), "INVITE", cred);
  assert.throws(
    () => auth.verify(answer(sha, "alice", "wrong", "00000004"), "INVITE", cred),
    /does not match/,
  );
  const good = answer(sha, "alice", "correct-horse", "00000005");
  const forged = good.nonce.replace(/.$/, good.nonce.endsWith("x") ? "y" : "x");
  assert.throws(
    () => auth.verify({ ...good, nonce: forged }, "INVITE", cred),
    /not issued here/,
  );
  now += 301_000;
  try {
    auth.verify(answer(sha, "alice", "correct-horse", "00000009"), "INVITE", cred);
    assert.fail("an expired nonce verified");
  } catch (err) {
    assert.ok(err instanceof DigestError && err.stale);
  }
  const md5Only = new DigestAuthenticator({ realm: "council", algorithms: ["MD5"] });
  assert.equal(md5Only.challenges().length, 1);
  assert.throws(() => parseAuthorization("Digest username=alice"), /lacks realm/);
  assert.equal(parseAuthorization("Basic YWxhZGRpbjpvcGVuc2VzYW1l"), undefined);
});

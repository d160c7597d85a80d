// The hot-path verifier (WebCrypto) must agree with the reference (@noble/ed25519).
import assert from "node:assert/strict";
import * as ed from "@noble/ed25519";
import { nobleVerifier, webCryptoVerifier } from "../../../guard/mod.ts";
import { fromHex } from "../../../witness/mod.ts";

// RFC 8032 section 7.1, TESTs 1-3: [secret, public, message, signature].
const VECTORS = [
  [
    "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
    "",
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
  ],
  [
    "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
    "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
    "72",
    "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
  ],
  [
    "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
    "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
    "af82",
    "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
  ],
].map((v) => v.map((h) => fromHex(h)!));

const webCrypto = webCryptoVerifier();

Deno.test("both verifiers accept the RFC 8032 vectors and noble signs them exactly", async () => {
  for (const [secret, pub, msg, sig] of VECTORS) {
    assert.deepEqual(await ed.getPublicKeyAsync(secret), pub);
    assert.deepEqual(await ed.signAsync(msg, secret), sig);
    assert.equal(await nobleVerifier.verify(pub, msg, sig), true);
    assert.equal(await webCrypto.verify(pub, msg, sig), true);
    const bad = sig.slice();
    bad[5] ^= 1;
    assert.equal(await nobleVerifier.verify(pub, msg, bad), false);
    assert.equal(await webCrypto.verify(pub, msg, bad), false);
  }
});

Deno.test("both verifiers agree on random keys, messages and corruptions", async () => {
  for (let i = 0; i < 200; i++) {
    const secret = ed.utils.randomSecretKey();
    const pub = await ed.getPublicKeyAsync(secret);
    const msg = crypto.getRandomValues(new Uint8Array(i % 97));
    const sig = await ed.signAsync(msg, secret);
    const cases: Array<[Uint8Array, Uint8Array, Uint8Array]> = [[pub, msg, sig]];
    const badSig = sig.slice();
    badSig[i % 64] ^= 1 << (i % 8);
    cases.push([pub, msg, badSig]);
    if (msg.length) {
      const badMsg = msg.slice();
      badMsg[0] ^= 0x80;
      cases.push([pub, badMsg, sig]);
    }
    const otherPub = await ed.getPublicKeyAsync(ed.utils.randomSecretKey());
    cases.push([otherPub, msg, sig]);
    for (const [k, m, s] of cases) {
      const expected = await nobleVerifier.verify(k, m, s);
      assert.equal(await webCrypto.verify(k, m, s), expected, `case ${i}`);
    }
  }
});

Deno.test("malformed keys and signatures are false, not exceptions", async () => {
  const [, pub, msg, sig] = VECTORS[1];
  assert.equal(await webCrypto.verify(pub.subarray(1), msg, sig), false);
  assert.equal(await webCrypto.verify(pub, msg, sig.subarray(1)), false);
  assert.equal(await nobleVerifier.verify(pub, msg, sig.subarray(1)), false);
  assert.equal(await webCrypto.verify(new Uint8Array(32).fill(0xff), msg, sig), false);
});

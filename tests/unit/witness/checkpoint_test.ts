import assert from "node:assert/strict";
import * as ed from "@noble/ed25519";
import {
  HeadError,
  keyId,
  openTreeHead,
  parseVerifierKey,
  signerFromSecret,
  signTreeHead,
  verifierKey,
} from "../../../witness/checkpoint.ts";
import { toBase64, toHex } from "../../../witness/hash.ts";

const secret = new Uint8Array(32).fill(7);

Deno.test("a signed head is a C2SP checkpoint note that verifies with the exported key", async () => {
  const signer = await signerFromSecret("example.com/log", secret);
  const root = new Uint8Array(32).fill(0xab);
  const head = await signTreeHead(signer, {
    size: 12345,
    rootHash: root,
    timestamp: 1_700_000_000_000,
  });
  const [text, sig] = head.note.split("\n\n");
  assert.equal(text, `example.com/log\n12345\n${toBase64(root)}\ntimestamp 1700000000000`);
  assert.match(sig, /^\u2014 example\.com\/log [A-Za-z0-9+/]+=*\n$/);

  // The signature line carries key ID || Ed25519 signature over the text.
  const raw = Uint8Array.from(atob(sig.trim().split(" ")[2]), (c) => c.charCodeAt(0));
  assert.deepEqual(raw.subarray(0, 4), signer.keyId);
  assert.ok(
    await ed.verifyAsync(raw.subarray(4), new TextEncoder().encode(text + "\n"), signer.publicKey),
  );

  const verifier = parseVerifierKey(verifierKey(signer));
  assert.deepEqual(verifier.publicKey, signer.publicKey);
  const opened = await openTreeHead(head.note, verifier);
  assert.equal(opened.size, 12345);
  assert.equal(opened.timestamp, 1_700_000_000_000);
  assert.deepEqual(opened.rootHash, root);
});

Deno.test("key ID is SHA-256(name || LF || 0x01 || key)[:4]", async () => {
  const signer = await signerFromSecret("n", secret);
  const { createHash } = await import("node:crypto");
  const expected = createHash("sha256").update(
    new Uint8Array([0x6e, 0x0a, 0x01, ...signer.publicKey]),
  ).digest();
  assert.equal(toHex(keyId("n", signer.publicKey)), toHex(new Uint8Array(expected).subarray(0, 4)));
});

Deno.test("altered, foreign or malformed notes are refused", async () => {
  const signer = await signerFromSecret("log.a", secret);
  const other = await signerFromSecret("log.a", new Uint8Array(32).fill(9));
  const head = await signTreeHead(signer, { size: 10, rootHash: new Uint8Array(32), timestamp: 1 });
  const refuse = async (note: string, reason: RegExp, verifier = signer) =>
    await assert.rejects(
      () => openTreeHead(note, verifier),
      (e: unknown) => e instanceof HeadError && reason.test(e.message),
    );
  await refuse(head.note.replace("\n10\n", "\n11\n"), /signature does not verify/);
  await refuse(head.note.replace("timestamp 1", "timestamp 2"), /signature does not verify/);
  await refuse(head.note, /no signature by log\.a/, other);
  await refuse(head.note.replace("log.a\n", "log.b\n"), /origin 'log\.b'/);
  await refuse(head.note.split("\n\n")[0] + "\n", /no signature block/);
  await refuse(head.note.replace("\n10\n", "\n010\n"), /not a decimal integer/);
  await refuse(head.note.replace("timestamp 1", "time 1"), /timestamp line is malformed/);
  await refuse("x".repeat(5000), /too long/);
  assert.throws(
    () => parseVerifierKey("log.a+00000000+" + toBase64(new Uint8Array([1, ...signer.publicKey]))),
    /does not match/,
  );
  assert.throws(() => parseVerifierKey("nonsense"), HeadError);
});

Deno.test("verifier keys whose base64 contains '+' parse", async () => {
  for (let seed = 0; seed < 64; seed++) {
    const signer = await signerFromSecret("log.a", new Uint8Array(32).fill(seed));
    const text = verifierKey(signer);
    assert.deepEqual(parseVerifierKey(text).publicKey, signer.publicKey, text);
  }
});

Deno.test("head signatures from the hot-path signer equal @noble/ed25519's", async () => {
  for (let i = 0; i < 50; i++) {
    const secret = ed.utils.randomSecretKey();
    const signer = await signerFromSecret("log.a", secret);
    const message = crypto.getRandomValues(new Uint8Array(i * 7));
    assert.deepEqual(await signer.sign(message), await ed.signAsync(message, secret));
  }
});

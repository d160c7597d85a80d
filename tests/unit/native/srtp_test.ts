// SRTP through libsrtp2: the RFC 3711 / libsrtp reference vector for
// AES_CM_128_HMAC_SHA1_80, round trips, and the attacks SRTP exists to stop
// (a forged packet, a replay) refused with a reason and nothing written.

import assert from "node:assert/strict";
import { SrtpError, SrtpSession } from "../../../native/srtp.ts";

const hex = (s: string) => Uint8Array.from(s.match(/../g)!.map((b) => parseInt(b, 16)));

// Master key and salt, the plain RTP and RTCP packets and their protected forms:
// the reference values libsrtp's own driver checks (SSRC 0xcafebabe, SEQ 0x1234, ROC 0).
const KEY_SALT = hex("e1f97a0d3e018be0d64fa32c06de41390ec675ad498afeebb6960b3aabe6");
const RTP = hex("800f1234decafbadcafebabe" + "ab".repeat(16));
const SRTP = hex("800f1234decafbadcafebabe4e55dc4ce79978d88ca4d215949d2402b78d6acc99ea179b8dbb");
const RTCP = hex("81c8000bcafebabe" + "ab".repeat(16));
const SRTCP = hex("81c8000bcafebabe7128035be487b9bdbef89041f977a5a880000001993e08cd54d6c1230798");

Deno.test("SRTP matches the reference vector both ways", () => {
  const out = new SrtpSession(KEY_SALT, "AES_CM_128_HMAC_SHA1_80", "outbound");
  const inn = new SrtpSession(KEY_SALT, "AES_CM_128_HMAC_SHA1_80", "inbound");
  try {
    assert.deepEqual(out.protectRtp(RTP), SRTP);
    assert.deepEqual(inn.unprotectRtp(SRTP), { ok: true, packet: RTP });
    assert.deepEqual(out.protectRtcp(RTCP), SRTCP);
    assert.deepEqual(inn.unprotectRtcp(SRTCP), { ok: true, packet: RTCP });
  } finally {
    out.close();
    inn.close();
  }
});

Deno.test("a forged, a replayed and a malformed packet are refused with a reason", () => {
  const out = new SrtpSession(KEY_SALT, "AES_CM_128_HMAC_SHA1_80", "outbound");
  const inn = new SrtpSession(KEY_SALT, "AES_CM_128_HMAC_SHA1_80", "inbound");
  try {
    const first = out.protectRtp(RTP);
    const forged = first.slice();
    forged[20] ^= 1;
    assert.deepEqual(inn.unprotectRtp(forged), {
      ok: false,
      status: 7,
      reason: "authentication failed",
    });
    assert.equal(inn.unprotectRtp(first).ok, true);
    assert.deepEqual(inn.unprotectRtp(first), { ok: false, status: 9, reason: "replayed packet" });
    assert.equal(inn.unprotectRtp(new Uint8Array(5)).ok, false);
    assert.equal(inn.unprotectRtp(new Uint8Array(4000)).ok, false);
    // A plain RTP packet (a peer that ignored the SRTP offer) is not accepted either.
    const plain = RTP.slice();
    plain[3] = 0x35;
    assert.equal(inn.unprotectRtp(plain).ok, false);
  } finally {
    out.close();
    inn.close();
  }
});

Deno.test("the 32-bit tag suite round-trips, and keys of the wrong size are refused", () => {
  const out = new SrtpSession(KEY_SALT, "AES_CM_128_HMAC_SHA1_32", "outbound");
  const inn = new SrtpSession(KEY_SALT, "AES_CM_128_HMAC_SHA1_32", "inbound");
  try {
    const packet = out.protectRtp(RTP);
    assert.equal(packet.length, RTP.length + 4);
    assert.deepEqual(inn.unprotectRtp(packet), { ok: true, packet: RTP });
  } finally {
    out.close();
    inn.close();
  }
  assert.throws(
    () => new SrtpSession(new Uint8Array(16), "AES_CM_128_HMAC_SHA1_80", "inbound"),
    SrtpError,
  );
  const closed = new SrtpSession(KEY_SALT, "AES_CM_128_HMAC_SHA1_80", "outbound");
  closed.close();
  assert.throws(() => closed.protectRtp(RTP), /closed/);
});

Deno.test("every media worker thread can load SRTP (libsrtp initialises once per process)", async () => {
  const workers = Array.from(
    { length: 3 },
    () => new Worker(new URL("./_srtp_worker.ts", import.meta.url), { type: "module" }),
  );
  try {
    const said = await Promise.all(
      workers.map((w) => new Promise((resolve) => (w.onmessage = (e) => resolve(e.data)))),
    );
    assert.deepEqual(said, ["ok", "ok", "ok"]);
  } finally {
    for (const w of workers) w.terminate();
  }
});

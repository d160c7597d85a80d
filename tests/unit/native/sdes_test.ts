// SDES (RFC 4568) in offer/answer: which a=crypto lines Council takes, the answer
// it writes, what the SRTP mode refuses, and that the keys agreed on both sides
// actually carry SRTP between two libsrtp sessions.

import assert from "node:assert/strict";
import {
  acceptAnswer,
  answerOffer,
  chooseCrypto,
  createOffer,
  newSrtpKey,
  parseSdp,
  SdpError,
} from "../../../media/sdp/mod.ts";
import { SrtpSession } from "../../../native/srtp.ts";
import { toBase64 } from "../../../witness/base64.ts";

const local = { address: "127.0.0.1", port: 40000 };
const KEY = toBase64(Uint8Array.from({ length: 30 }, (_, i) => i + 1));

function offer(profile: string, crypto: string[]) {
  return [
    "v=0",
    "o=baresip 1 1 IN IP4 127.0.0.1",
    "s=-",
    "c=IN IP4 127.0.0.1",
    "t=0 0",
    `m=audio 10000 ${profile} 0 101`,
    "a=rtpmap:0 PCMU/8000",
    "a=rtpmap:101 telephone-event/8000",
    ...crypto.map((c) => `a=crypto:${c}`),
    "a=sendrecv",
    "",
  ].join("\r\n");
}

function refuses(fn: () => unknown, reason: RegExp) {
  assert.throws(
    fn,
    (e: unknown) =>
      e instanceof SdpError && e.code === "UNSUPPORTED_TRANSPORT" && reason.test(e.message),
    String(reason),
  );
}

Deno.test("an RTP/SAVP offer is answered with the same tag and suite and a fresh key of Council's", () => {
  const text = offer("RTP/SAVP", [
    `1 AES_CM_192_HMAC_SHA1_80 inline:${KEY}`,
    `2 AES_CM_128_HMAC_SHA1_32 inline:${KEY}|2^31`,
  ]);
  const { answer, agreement } = answerOffer(text, { allowed: ["PCMU"], local, srtp: "optional" });
  const m = parseSdp(answer).media![0];
  assert.equal(m.protocol, "RTP/SAVP");
  assert.equal(m.crypto!.length, 1);
  assert.equal(m.crypto![0].id, 2);
  assert.equal(m.crypto![0].suite, "AES_CM_128_HMAC_SHA1_32");
  assert.equal(agreement.srtp!.suite, "AES_CM_128_HMAC_SHA1_32");
  assert.equal(toBase64(agreement.srtp!.inbound), KEY);
  assert.equal(m.crypto![0].config, `inline:${toBase64(agreement.srtp!.outbound)}`);
  assert.notEqual(toBase64(agreement.srtp!.outbound), KEY, "Council's own key");
});

Deno.test("the SRTP mode decides what is refused", () => {
  const plain = offer("RTP/AVP", []);
  const secure = offer("RTP/SAVP", [`1 AES_CM_128_HMAC_SHA1_80 inline:${KEY}`]);
  const bestEffort = offer("RTP/AVP", [`1 AES_CM_128_HMAC_SHA1_80 inline:${KEY}`]);
  const opts = { allowed: ["PCMU" as const], local };
  refuses(() => answerOffer(plain, { ...opts, srtp: "required" }), /requires SRTP/);
  refuses(() => answerOffer(secure, { ...opts, srtp: "off" }), /RTP\/SAVP \(SRTP\) is not enabled/);
  assert.equal(answerOffer(plain, { ...opts, srtp: "optional" }).agreement.srtp, undefined);
  assert.equal(answerOffer(bestEffort, { ...opts, srtp: "off" }).agreement.srtp, undefined);
  const taken = answerOffer(bestEffort, { ...opts, srtp: "required" });
  assert.ok(taken.agreement.srtp, "crypto in RTP/AVP (best effort) satisfies required");
  assert.equal(parseSdp(taken.answer).media![0].protocol, "RTP/AVP");
});

Deno.test("unusable crypto lines are refused naming why", () => {
  const opts = { allowed: ["PCMU" as const], local, srtp: "required" as const };
  const cases: Array<[string, RegExp]> = [
    [`1 F8_128_HMAC_SHA1_80 inline:${KEY}`, /suite F8_128_HMAC_SHA1_80 not supported/],
    [`1 AES_CM_128_HMAC_SHA1_80 inline:${KEY}|2^20|1:4`, /MKI is not supported/],
    [`1 AES_CM_128_HMAC_SHA1_80 inline:${KEY}|2^20`, /lifetime shorter than a call/],
    [`1 AES_CM_128_HMAC_SHA1_80 inline:AAAA`, /30 bytes/],
    [`1 AES_CM_128_HMAC_SHA1_80 inline:${KEY};inline:${KEY}`, /more than one key/],
    [`1 AES_CM_128_HMAC_SHA1_80 inline:${KEY} KDR=1`, /session parameters/],
    [`1 AES_CM_128_HMAC_SHA1_80 key:${KEY}`, /inline:<base64>/],
  ];
  for (const [line, reason] of cases) {
    refuses(() => answerOffer(offer("RTP/SAVP", [line]), opts), reason);
  }
  assert.deepEqual(chooseCrypto(undefined), { ok: false, why: "no a=crypto attribute" });
});

Deno.test("Council's SRTP offer and the peer's answer agree on keys that carry packets both ways", () => {
  const ours = { suite: "AES_CM_128_HMAC_SHA1_80" as const, key: newSrtpKey() };
  const sdp = createOffer({ codecs: ["PCMU"], local, srtp: ours });
  assert.match(sdp, /m=audio 40000 RTP\/SAVP /);
  // The peer answers as any SDES endpoint would (here: Council's own answer code).
  const peer = answerOffer(sdp, {
    allowed: ["PCMU"],
    local: { address: "127.0.0.1", port: 50000 },
    srtp: "required",
  });
  const agreement = acceptAnswer(peer.answer, ["PCMU"], ours);
  const send = new SrtpSession(agreement.srtp!.outbound, "AES_CM_128_HMAC_SHA1_80", "outbound");
  const peerRecv = new SrtpSession(
    peer.agreement.srtp!.inbound,
    "AES_CM_128_HMAC_SHA1_80",
    "inbound",
  );
  const peerSend = new SrtpSession(
    peer.agreement.srtp!.outbound,
    "AES_CM_128_HMAC_SHA1_80",
    "outbound",
  );
  const recv = new SrtpSession(agreement.srtp!.inbound, "AES_CM_128_HMAC_SHA1_80", "inbound");
  try {
    const rtp = Uint8Array.from([0x80, 0, 0, 1, 0, 0, 0, 160, 1, 2, 3, 4, 0xff, 0xfe]);
    assert.deepEqual(peerRecv.unprotectRtp(send.protectRtp(rtp)), { ok: true, packet: rtp });
    assert.deepEqual(recv.unprotectRtp(peerSend.protectRtp(rtp)), { ok: true, packet: rtp });
  } finally {
    for (const s of [send, peerRecv, peerSend, recv]) s.close();
  }
  // An answer that drops to plain RTP is refused.
  assert.throws(
    () => acceptAnswer(peer.answer.replace("RTP/SAVP", "RTP/AVP"), ["PCMU"], ours),
    /does not accept SRTP/,
  );
});

// A leg with SDES keys: SRTP from the phone is authenticated and decrypted before
// anything else looks at it; plain, forged and replayed packets are refused and
// counted; what the leg sends (RTP and RTCP) is SRTP the phone's keys open.

import assert from "node:assert/strict";
import { Leg, type LegEvents } from "../../../media/engine/leg.ts";
import { parseRtp, serializeRtp } from "../../../media/rtp/mod.ts";
import { newSrtpKey } from "../../../media/sdp/mod.ts";
import { SrtpSession } from "../../../native/mod.ts";

const PHONE = { address: "127.0.0.1", port: 50000 };
const SUITE = "AES_CM_128_HMAC_SHA1_80" as const;

function encryptedLeg() {
  const councilKey = newSrtpKey();
  const phoneKey = newSrtpKey();
  const sent: { data: Uint8Array; rtcp: boolean }[] = [];
  const events: LegEvents = { locked: () => {}, rejected: () => {}, dtmf: () => {} };
  const leg = new Leg(
    {
      legId: "leg-srtp",
      roomId: "room-1",
      port: 40000,
      host: "127.0.0.1",
      codec: { codec: "PCMU", payloadType: 0 },
      remote: PHONE,
      srtp: { suite: SUITE, inbound: phoneKey, outbound: councilKey },
    },
    8000,
    { send: (data, _to, rtcp) => sent.push({ data: data.slice(), rtcp }) },
    events,
    0,
  );
  // The phone's side: it sends with its key and decrypts with Council's.
  const phoneSend = new SrtpSession(phoneKey, SUITE, "outbound");
  const phoneRecv = new SrtpSession(councilKey, SUITE, "inbound");
  return { leg, sent, phoneSend, phoneRecv };
}

const rtp = (seq: number) =>
  serializeRtp({
    marker: false,
    payloadType: 0,
    sequenceNumber: seq,
    timestamp: seq * 160,
    ssrc: 4321,
    payload: new Uint8Array(160).fill(0x55),
  });

Deno.test("SRTP from the phone is taken; plain, forged and replayed packets are refused", () => {
  const { leg, phoneSend, phoneRecv } = encryptedLeg();
  try {
    const first = phoneSend.protectRtp(rtp(1));
    leg.onDatagram(first, PHONE, 0, false);
    leg.onDatagram(phoneSend.protectRtp(rtp(2)), PHONE, 20, false);
    assert.equal(leg.stats().packetsIn, 2);
    leg.onDatagram(rtp(3), PHONE, 40, false); // plain RTP on an encrypted leg
    const forged = phoneSend.protectRtp(rtp(4));
    forged[20] ^= 0x40;
    leg.onDatagram(forged, PHONE, 60, false);
    leg.onDatagram(first, PHONE, 80, false); // replayed
    const stats = leg.stats();
    assert.equal(stats.packetsIn, 2, "nothing refused reached the jitter buffer");
    assert.equal(stats.srtp, true);
    assert.equal(stats.srtpRefused, 3);
  } finally {
    leg.close();
    phoneSend.close();
    phoneRecv.close();
  }
});

Deno.test("what the leg sends is SRTP the phone opens, RTP and RTCP alike", () => {
  const { leg, sent, phoneSend, phoneRecv } = encryptedLeg();
  try {
    leg.sendFrame(new Uint8Array(160).fill(0xff));
    leg.close(); // sends an RTCP BYE report
    const media = sent.filter((s) => !s.rtcp && (s.data[1] & 0x7f) === 0);
    assert.equal(media.length, 1);
    const opened = phoneRecv.unprotectRtp(media[0].data);
    assert.ok(opened.ok, JSON.stringify(opened));
    assert.deepEqual(parseRtp(opened.packet).payload, new Uint8Array(160).fill(0xff));
    // The ciphertext is not the payload.
    assert.notDeepEqual(media[0].data.subarray(12, 172), new Uint8Array(160).fill(0xff));
    const reports = sent.filter((s) => s.rtcp);
    assert.equal(reports.length, 1);
    assert.ok(phoneRecv.unprotectRtcp(reports[0].data).ok, "SRTCP opens with the phone's keys");
  } finally {
    phoneSend.close();
    phoneRecv.close();
  }
});

import assert from "node:assert/strict";
import {
  ntpTime,
  parseRtcp,
  ReceptionStats,
  roundTripMs,
  RtcpError,
  serializeReport,
} from "../../../media/rtcp/mod.ts";
import { dtmfPackets, DtmfReceiver, parseTelephoneEvent } from "../../../media/rtp/mod.ts";
import { fromHex } from "../../../witness/mod.ts";
import { tsharkUdp } from "../../_helpers/tshark.ts";

// SR + SDES from the real call in tests/fixtures/h323/gnugk-ras-call.pcapng (frames 35 and 839).
const REAL_SR = [
  "80c800064d073c26eeaca78ff70db004561911a600000001000000a081ca00074d073c26010a726f6f7440766d202020060673696d706c6500000000",
  "80c800064d073c26eeaca797f9671b66561a0ba6000001910000faa081ca00074d073c26010a726f6f7440766d202020060673696d706c6500000000",
];

Deno.test("RTCP from a real call parses as tshark decodes it", () => {
  const [a, b] = REAL_SR.map((h) => parseRtcp(fromHex(h)!));
  assert.equal(a.length, 2);
  assert.equal(a[0].type, "sr");
  if (a[0].type !== "sr" || b[0].type !== "sr") return;
  assert.equal(a[0].ssrc, 0x4d073c26);
  assert.equal(a[0].sender.packetCount, 1);
  assert.equal(a[0].sender.octetCount, 160);
  assert.equal(b[0].sender.packetCount, 401);
  assert.equal(b[0].sender.octetCount, 64160);
  assert.deepEqual(a[1], { type: "sdes", chunks: [{ ssrc: 0x4d073c26, cname: "root@vm   " }] });
});

Deno.test("RTCP reports Council writes decode in tshark with the values put in and nothing malformed", async () => {
  const rr = serializeReport({
    ssrc: 0x11223344,
    cname: "council@127.0.0.1",
    reports: [{
      ssrc: 0xaabbccdd,
      fractionLost: 64,
      cumulativeLost: -3,
      extendedHighestSeq: 0x1ffff,
      jitter: 123,
      lastSr: 0x12345678,
      delaySinceLastSr: 65536,
    }],
  });
  const sr = serializeReport({
    ssrc: 0x11223344,
    cname: "c",
    sender: {
      ntpSec: 0xeeaca78f,
      ntpFrac: 0x80000000,
      rtpTimestamp: 160,
      packetCount: 7,
      octetCount: 1120,
    },
    reports: [],
    bye: true,
  });
  const rows = await tsharkUdp([rr, sr], "rtcp", [
    "rtcp.pt",
    "rtcp.senderssrc",
    "rtcp.ssrc.identifier",
    "rtcp.ssrc.fraction",
    "rtcp.ssrc.cum_nr",
    "rtcp.ssrc.jitter",
    "rtcp.ssrc.lsr",
    "rtcp.ssrc.dlsr",
    "rtcp.sdes.text",
    "rtcp.sender.packetcount",
    "rtcp.sender.octetcount",
  ]);
  assert.equal(rows[0]["rtcp.pt"], "201,202");
  assert.equal(rows[0]["rtcp.ssrc.identifier"], "0xaabbccdd,0x11223344"); // report block, then SDES chunk
  assert.equal(rows[0]["rtcp.ssrc.fraction"], "64");
  assert.equal(rows[0]["rtcp.ssrc.cum_nr"], "-3");
  assert.equal(rows[0]["rtcp.ssrc.jitter"], "123");
  assert.equal(rows[0]["rtcp.ssrc.lsr"], String(0x12345678));
  assert.equal(rows[0]["rtcp.ssrc.dlsr"], "65536");
  assert.equal(rows[0]["rtcp.sdes.text"], "council@127.0.0.1");
  assert.equal(rows[1]["rtcp.pt"], "200,202,203");
  assert.equal(rows[1]["rtcp.sender.packetcount"], "7");
  assert.equal(rows[1]["rtcp.sender.octetcount"], "1120");
  for (const row of rows) {
    assert.equal(row["_ws.malformed"], "");
    assert.ok(!row["_ws.expert.severity"].includes("8388608"), "no expert error");
  }
  // And our parser reads back what it wrote.
  const back = parseRtcp(rr);
  assert.equal(back[0].type, "rr");
  if (back[0].type === "rr") assert.equal(back[0].reports[0].cumulativeLost, -3);
});

Deno.test("RTCP parser refuses malformed compounds with a reason", () => {
  const good = fromHex(REAL_SR[0])!;
  for (
    const [bad, why] of [
      [good.subarray(0, 3), /shorter/],
      [good.subarray(0, 30), /trailing/],
      [Uint8Array.of(0x40, 0xc8, 0, 0), /version/],
      [Uint8Array.of(0x81, 0xc9, 0, 1, 0, 0, 0, 1), /too short for 1 reports/],
      [Uint8Array.of(0xa0, 0xc9, 0, 1, 0, 0, 0, 9), /padding/],
    ] as const
  ) {
    assert.throws(
      () => parseRtcp(bad),
      (e: Error) => e instanceof RtcpError && why.test(e.message),
    );
  }
});

Deno.test("reception stats: loss fraction, jitter and the round trip from an echoed SR", () => {
  const rx = new ReceptionStats(8000);
  // 100 packets, every 10th lost, arrivals jittered by +-4 ms.
  for (let s = 0; s < 100; s++) {
    if (s % 10 === 9) continue;
    rx.seq.update(s);
    rx.onRtp(s * 160, s * 20 + (s % 2 ? 4 : -4));
  }
  const block = rx.reportBlock(1, 2000);
  // 9 of 99 expected after probation's first packet.
  assert.ok(block.cumulativeLost >= 9 && block.cumulativeLost <= 10, String(block.cumulativeLost));
  assert.ok(block.fractionLost > 20 && block.fractionLost < 30, String(block.fractionLost));
  assert.ok(rx.jitterMs > 4 && rx.jitterMs < 9, String(rx.jitterMs));

  // The far end echoes our SR sent 150 ms ago after holding it 50 ms: RTT 100 ms.
  const sentAt = Date.UTC(2026, 0, 1);
  const sent = ntpTime(sentAt);
  const lsr = ((sent.sec & 0xffff) * 65536 + (sent.frac >>> 16)) >>> 0;
  const rtt = roundTripMs({ ...block, lastSr: lsr, delaySinceLastSr: 50 * 65.536 }, sentAt + 150);
  assert.ok(rtt !== undefined && Math.abs(rtt - 100) < 1, String(rtt));
});

Deno.test("RFC 4733: a digit's packet train is reported once by the receiver", () => {
  const train = dtmfPackets("5", 800, 160);
  assert.equal(train.filter((p) => parseTelephoneEvent(p.payload)?.end).length, 3);
  assert.ok(train[0].marker && !train[1].marker);
  const rx = new DtmfReceiver();
  const seen = [...train, ...dtmfPackets("#", 800, 160)].map((p, i) =>
    rx.onPacket(i < train.length ? 1000 : 2000, p.payload)
  ).filter(Boolean);
  assert.deepEqual(seen, ["5", "#"]);
  assert.throws(() => dtmfPackets("x", 800, 160), RangeError);
});

import assert from "node:assert/strict";
import {
  isRtcp,
  parseRtp,
  RtpError,
  seqNewer,
  SequenceTracker,
  serializeRtp,
} from "../../../media/rtp/mod.ts";
import { fromHex } from "../../../witness/mod.ts";

const FIXTURE = new URL("../../fixtures/h323/gnugk-ras-call.pcapng", import.meta.url).pathname;

Deno.test("RTP from a real call (GNU Gatekeeper capture) parses as tshark decodes it", async () => {
  const out = await new Deno.Command("tshark", {
    args: [
      "-r",
      FIXTURE,
      "-o",
      "rtp.heuristic_rtp:TRUE",
      "-Y",
      "rtp",
      "-T",
      "fields",
      "-E",
      "separator=,",
      "-e",
      "udp.payload",
      "-e",
      "rtp.p_type",
      "-e",
      "rtp.seq",
      "-e",
      "rtp.timestamp",
      "-e",
      "rtp.ssrc",
      "-e",
      "rtp.marker",
    ],
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const rows = new TextDecoder().decode(out.stdout).trim().split("\n").map((l) => l.split(","));
  assert.ok(rows.length > 1000, `${rows.length} RTP packets`);
  for (const [payloadHex, pt, seq, ts, ssrc, marker] of rows) {
    const data = fromHex(payloadHex)!;
    const p = parseRtp(data);
    assert.equal(p.payloadType, Number(pt));
    assert.equal(p.sequenceNumber, Number(seq));
    assert.equal(p.timestamp, Number(ts));
    assert.equal(p.ssrc, Number(ssrc));
    assert.equal(p.marker, marker === "1" || marker === "True");
    assert.equal(p.payload.length, 160, "20 ms of PCMU");
    assert.deepEqual(serializeRtp(p), data, "serializes back to the same bytes");
  }
});

Deno.test("round trip with CSRCs, header extension, padding and marker", () => {
  const packet = {
    marker: true,
    payloadType: 111,
    sequenceNumber: 65535,
    timestamp: 0xfffffff0,
    ssrc: 0xdeadbeef,
    csrcs: [1, 2, 0xffffffff],
    extension: { profile: 0xbede, data: new Uint8Array([0x10, 0xaa, 0, 0]) },
    payload: new Uint8Array([1, 2, 3, 4, 5]),
    paddingLength: 3,
  };
  const bytes = serializeRtp(packet);
  assert.equal(bytes.length, 12 + 12 + 8 + 5 + 3);
  const back = parseRtp(bytes);
  assert.deepEqual({
    ...back,
    payload: [...back.payload],
    extension: { ...back.extension!, data: [...back.extension!.data] },
  }, {
    ...packet,
    payload: [...packet.payload],
    extension: { ...packet.extension, data: [...packet.extension.data] },
  });
});

Deno.test("malformed RTP is refused with a reason", () => {
  const good = serializeRtp({
    marker: false,
    payloadType: 0,
    sequenceNumber: 1,
    timestamp: 160,
    ssrc: 7,
    payload: new Uint8Array(160),
  });
  const change = (f: (b: Uint8Array) => void, from = good) => {
    const b = from.slice();
    f(b);
    return b;
  };
  const cases: Array<[Uint8Array, RegExp]> = [
    [good.subarray(0, 11), /shorter than the RTP header/],
    [change((b) => (b[0] = 0x40)), /RTP version 1/],
    [change((b) => (b[0] = 0x8f), good.subarray(0, 40)), /15 CSRCs run past the end/],
    [change((b) => (b[0] |= 0x10), good.subarray(0, 14)), /header extension runs past/],
    [
      change((b) => {
        b[0] |= 0x10;
        b[14] = 0xff;
        b[15] = 0xff;
      }),
      /header extension of 65535 words/,
    ],
    [
      change((b) => {
        b[0] |= 0x20;
        b[b.length - 1] = 0;
      }),
      /padding length is 0/,
    ],
    [
      change((b) => {
        b[0] |= 0x20;
        b[b.length - 1] = 200;
      }),
      /padding of 200 bytes exceeds/,
    ],
    [change((b) => (b[1] = 72)), /collides with RTCP/],
    [new Uint8Array(70_000), /larger than a UDP datagram/],
  ];
  for (const [bytes, reason] of cases) {
    assert.throws(
      () => parseRtp(bytes),
      (e: unknown) => e instanceof RtpError && reason.test(e.message),
      String(reason),
    );
  }
});

Deno.test("random bytes never crash the parser (only RtpError)", () => {
  let parsed = 0;
  for (let i = 0; i < 20_000; i++) {
    const bytes = crypto.getRandomValues(new Uint8Array(i % 300));
    if (i % 2) bytes[0] = 0x80 | (bytes[0] & 0x3f); // version 2 half the time
    try {
      const p = parseRtp(bytes);
      assert.ok(p.payload.length <= bytes.length);
      parsed++;
    } catch (err) {
      assert.ok(err instanceof RtpError, String(err));
    }
  }
  assert.ok(parsed > 0);
});

Deno.test("RTCP is told apart from RTP on a muxed port (RFC 5761)", () => {
  assert.equal(isRtcp(new Uint8Array([0x80, 200, 0, 6])), true); // SR
  assert.equal(isRtcp(new Uint8Array([0x81, 201, 0, 7])), true); // RR
  assert.equal(isRtcp(new Uint8Array([0x80, 0, 0, 1])), false); // PCMU
  assert.equal(isRtcp(new Uint8Array([0x80, 0x80 | 111, 0, 1])), false); // Opus with marker
});

Deno.test("sequence tracking: probation, loss, wrap-around, duplicates, restart", () => {
  assert.equal(seqNewer(1, 65535), true);
  assert.equal(seqNewer(65535, 1), false);
  assert.equal(seqNewer(5, 5), false);

  const t = new SequenceTracker();
  assert.equal(t.update(65530), "probation");
  assert.equal(t.update(65531), "ok");
  for (const s of [65532, 65533, 65535, 0, 1, 3]) assert.equal(t.update(s), "ok", `seq ${s}`);
  // 65534 and 2 were lost; the extended sequence crossed the wrap.
  assert.equal(t.extendedMax, 65536 + 3);
  assert.equal(t.expected, 9);
  assert.equal(t.received, 7);
  assert.equal(t.lost, 2);
  assert.equal(t.update(2), "late"); // a late arrival fills the gap
  assert.equal(t.lost, 1);
  assert.equal(t.update(3), "late"); // a duplicate
  // A jump of 20000 is believed only when the next packet follows it.
  assert.equal(t.update(20000), "restart-pending");
  assert.equal(t.update(20001), "restarted");
  assert.equal(t.update(20002), "ok");
  assert.equal(t.received, 2);
  assert.equal(t.lost, 0);

  const noisy = new SequenceTracker();
  assert.equal(noisy.update(10), "probation");
  assert.equal(noisy.update(500), "probation"); // out of sequence: probation restarts
  assert.equal(noisy.update(501), "ok");
});

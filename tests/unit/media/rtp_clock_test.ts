// A leg's outbound RTP starts from the wall clock and its leg id (media/engine/rtp_clock.ts):
// a leg rebuilt after a failover starts ahead of everything its predecessor could have
// sent, with timestamps that carry on with the time that passed.

import assert from "node:assert/strict";
import { rtpStart } from "../../../media/engine/rtp_clock.ts";

const seqAhead = (a: number, b: number) => ((b - a + 0x8000) & 0xffff) - 0x8000;

Deno.test("rtp clock: a rebuilt leg starts ahead of its predecessor's last packet", () => {
  const legId = `webrtc-${crypto.randomUUID()}`;
  const created = 1_796_000_000_123;
  for (const lifeMs of [41, 1_000, 60_000, 30 * 60_000 + 7]) {
    const first = rtpStart(legId, 48000, created);
    // The predecessor sent at most one packet a tick, ticks starting after its creation.
    const sent = Math.floor(lifeMs / 20) + 1;
    const last = (first.seq + sent - 1) & 0xffff;
    for (const outageMs of [40, 300, 4_000]) {
      const rebuilt = rtpStart(legId, 48000, created + lifeMs + outageMs);
      const jump = seqAhead(last, rebuilt.seq);
      assert.ok(jump >= 1, `life ${lifeMs} ms, outage ${outageMs}: seq ${jump} ahead`);
      assert.ok(jump <= outageMs / 20 + 5, `no more ahead than the outage: ${jump}`);
      // Timestamps: the predecessor's plus the time that passed, to a frame.
      const expected = (first.ts + Math.floor((lifeMs + outageMs) / 20) * 960) >>> 0;
      assert.ok(Math.abs((rebuilt.ts - expected) | 0) <= 960, "timestamp follows the clock");
    }
  }
});

Deno.test("rtp clock: legs start apart, each the same on every worker", () => {
  const at = 1_796_000_000_000;
  const a = rtpStart("sip-1f1f", 8000, at), b = rtpStart("sip-2e2e", 8000, at);
  assert.notDeepEqual(a, b);
  assert.deepEqual(rtpStart("sip-1f1f", 8000, at), a);
  assert.ok(Number.isInteger(a.seq) && a.seq >= 0 && a.seq <= 0xffff);
  assert.ok(Number.isInteger(a.ts) && a.ts >= 0 && a.ts <= 0xffffffff);
});

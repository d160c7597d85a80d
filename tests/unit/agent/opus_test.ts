// The agent SDK's Opus encoding (agent/opus.ts): Debian's ffmpeg makes one 20 ms
// packet per frame of speech-like PCM, read back from its Ogg stream; broken Ogg is
// refused with where it broke.

import assert from "node:assert/strict";
import { encodeOpus, oggPackets } from "../../../agent/opus.ts";

Deno.test("PCM becomes one Opus packet per 20 ms, wideband SILK at 20 ms", async () => {
  // Two seconds of a 440 Hz tone at 16 kHz.
  const pcm = new Int16Array(32000).map((_, i) =>
    Math.round(8000 * Math.sin(i * 2 * Math.PI * 440 / 16000))
  );
  const packets = await encodeOpus(pcm);
  // 100 frames, plus at most one for the encoder's look-ahead.
  assert.ok(packets.length >= 100 && packets.length <= 101, String(packets.length));
  for (const p of packets) assert.ok(p.length >= 1 && p.length <= 1275, String(p.length));
  // RFC 6716 3.1: the TOC's config (top 5 bits) 9 is SILK-only, wideband, 20 ms.
  assert.equal(packets[10][0] >> 3, 9);
  assert.deepEqual(await encodeOpus(new Int16Array(0)), []);
});

Deno.test("a missing encoder is named with what to install", async () => {
  await assert.rejects(
    encodeOpus(new Int16Array(320), { command: "/nonexistent/ffmpeg" }),
    /cannot run \/nonexistent\/ffmpeg .*install Debian's ffmpeg/,
  );
});

Deno.test("broken Ogg is refused with where it broke", () => {
  assert.throws(
    () => oggPackets(new TextEncoder().encode("not an ogg stream at all, no")),
    /no page at byte 0/,
  );
  // A page header announcing 3 segments of 200 bytes, with 10 bytes of body.
  const page = new Uint8Array(27 + 3 + 10);
  page.set(new TextEncoder().encode("OggS"));
  page[26] = 3;
  page.set([200, 200, 200], 27);
  assert.throws(() => oggPackets(page), /body is cut/);
  const cutTable = page.subarray(0, 28);
  assert.throws(() => oggPackets(cutTable), /segment table is cut/);
});

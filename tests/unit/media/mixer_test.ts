import assert from "node:assert/strict";
import type { Codec } from "../../../guard/mod.ts";
import { g711Decode } from "../../../media/codecs/g711.ts";
import { Leg } from "../../../media/engine/leg.ts";
import { levelDbov, Mixer, saturate } from "../../../media/engine/mixer.ts";
import { Ticker } from "../../../media/engine/clock.ts";
import { estimateMos } from "../../../media/engine/quality.ts";
import { parseRtp } from "../../../media/rtp/mod.ts";

const PT: Partial<Record<Codec, number>> = { PCMU: 0, G729: 18 };

/** Legs on a fake transport that keeps the last payload each one was sent. */
function legs(codecs: Codec[], extra: { muted?: boolean; deaf?: boolean }[] = []) {
  const last = new Map<string, Uint8Array>();
  const made = codecs.map((codec, i) =>
    new Leg(
      {
        legId: `l${i}`,
        roomId: "r",
        port: 10000 + i,
        host: "127.0.0.1",
        codec: { codec, payloadType: PT[codec]! },
        remote: { address: "127.0.0.1", port: 20000 + i },
        rtcpMux: true,
        ...extra[i],
      },
      8000,
      { send: (data) => last.set(`l${i}`, parseRtp(data).payload.slice()) },
      { locked() {}, rejected() {}, dtmf() {} },
      0,
    )
  );
  const heard = (i: number) => g711Decode("ulaw", last.get(`l${i}`) ?? new Uint8Array(160));
  return { legs: made, heard };
}

const tone = (amplitude: number, period = 16) =>
  new Int16Array(160).map((_, i) => Math.round(amplitude * Math.sin((2 * Math.PI * i) / period)));

const peak = (pcm: Int16Array) => pcm.reduce((m, x) => Math.max(m, Math.abs(x)), 0);

Deno.test("mixer: every member hears the sum of the others and never itself", () => {
  const { legs: ls, heard } = legs(["PCMU", "PCMU", "PCMU"]);
  const mixer = new Mixer(8000);
  const a = tone(4000, 16), b = tone(2000, 10);
  for (let t = 0; t < 3; t++) mixer.mix(ls, [a, b, null]);
  // A hears B only, B hears A only (G.711 quantisation aside), C hears both.
  const close = (x: Int16Array, y: Int16Array) =>
    x.every((v, i) => Math.abs(v - y[i]) <= Math.abs(y[i]) / 16 + 16);
  assert.ok(close(heard(0), b), "A hears B");
  assert.ok(close(heard(1), a), "B hears A");
  assert.ok(close(heard(2), a.map((v, i) => v + b[i])), "C hears A+B");
});

Deno.test("mixer: sums saturate instead of wrapping", () => {
  const sum = new Int32Array([40000, -40000, 1234]);
  assert.deepEqual([...saturate(sum, new Int16Array(3))], [32767, -32768, 1234]);
  const { legs: ls, heard } = legs(["PCMU", "PCMU", "PCMU"]);
  const mixer = new Mixer(8000);
  const loud = new Int16Array(160).fill(30000);
  for (let t = 0; t < 2; t++) mixer.mix(ls, [loud, loud, null]);
  assert.ok(heard(2).every((v) => v > 30000), "clipped high, not wrapped negative");
});

Deno.test("mixer: silent listeners of one codec share one encode; talkers get their own", () => {
  const codecs: Codec[] = [...Array(6).fill("PCMU"), ...Array(6).fill("G729")];
  const { legs: ls } = legs(codecs);
  const mixer = new Mixer(8000);
  const frames = codecs.map((_, i) => (i === 0 || i === 6 ? tone(5000) : null));
  const r = mixer.mix(ls, frames);
  assert.equal(r.contributors, 2);
  // Two talkers' own mixes, plus one shared encode per codec.
  assert.equal(r.encodes, 4);
});

Deno.test("mixer: a talker whose frame is missing for a tick stays on its own encoder", () => {
  const { legs: ls, heard } = legs(["G729", "PCMU", "PCMU"]);
  const mixer = new Mixer(8000);
  for (let t = 0; t < 5; t++) mixer.mix(ls, [tone(5000), tone(3000, 10), null]);
  // Talker 0's jitter buffer underruns: it is still speaking (hangover), adds
  // silence, and keeps its own G.729 chain rather than taking a frame from another
  // encoder whose state holds its own voice.
  const r = mixer.mix(ls, [null, tone(3000, 10), null]);
  assert.equal(r.contributors, 2);
  assert.ok(ls[0].speaking);
  // Own chains for talkers 0 and 1, one shared PCMU encode for member 2.
  assert.equal(r.encodes, 3);
  // Talker 1 hears nobody this tick; member 2 hears talker 1 alone.
  assert.ok(peak(heard(1)) <= 8, `talker 1 hears ${peak(heard(1))}`);
  assert.ok(peak(heard(2)) > 2500);
  // Hangover lapses after 300 ms of nothing: the leg is no longer a talker.
  let last = r;
  for (let t = 0; t < 15; t++) last = mixer.mix(ls, [null, tone(3000, 10), null]);
  assert.equal(last.contributors, 1);
  assert.equal(ls[0].speaking, false);
});

Deno.test("mixer: a leg whose codec changes (re-INVITE) is re-encoded in the new codec; others are untouched", () => {
  const sizes = new Map<string, number>();
  const made = (["PCMU", "PCMU"] as Codec[]).map((codec, i) =>
    new Leg(
      {
        legId: `c${i}`,
        roomId: "r",
        port: 11000 + i,
        host: "127.0.0.1",
        codec: { codec, payloadType: PT[codec]! },
        remote: { address: "127.0.0.1", port: 21000 + i },
        rtcpMux: true,
      },
      8000,
      { send: (data) => sizes.set(`c${i}`, parseRtp(data).payload.length) },
      { locked() {}, rejected() {}, dtmf() {} },
      0,
    )
  );
  const mixer = new Mixer(8000);
  mixer.mix(made, [tone(5000), null]);
  assert.deepEqual([sizes.get("c0"), sizes.get("c1")], [160, 160]);
  made[0].update({ codec: { codec: "G729", payloadType: 18, fmtp: "annexb=no" } });
  mixer.resetLeg(made[0]);
  mixer.mix(made, [tone(5000), null]);
  assert.equal(made[0].codec, "G729");
  assert.deepEqual([sizes.get("c0"), sizes.get("c1")], [20, 160]);
});

Deno.test("mixer: quiet input (below the VAD threshold) is not mixed; muted talkers are not heard; deaf members hear silence", () => {
  const { legs: ls, heard } = legs(["PCMU", "PCMU", "PCMU", "PCMU"], [{}, { muted: true }, {
    deaf: true,
  }, {}]);
  const mixer = new Mixer(8000);
  const whisper = tone(40); // about -58 dBov
  for (let t = 0; t < 3; t++) mixer.mix(ls, [tone(5000), tone(5000, 9), null, whisper]);
  assert.ok(levelDbov(whisper) < -45);
  // Member 3 hears member 0 only: not the muted member 1, not its own whisper.
  const h3 = heard(3);
  const expect = tone(5000);
  assert.ok(h3.every((v, i) => Math.abs(v - expect[i]) <= Math.abs(expect[i]) / 16 + 16));
  assert.ok(peak(heard(2)) <= 8, "deaf member hears silence");
  assert.ok(peak(heard(1)) > 4000, "a muted member still hears the room");
});

Deno.test("quality: the MOS estimate falls with loss and delay and ranks codecs as G.113 does", () => {
  const clean = estimateMos("PCMU", 0, 40);
  assert.ok(clean > 4.3 && clean <= 4.5, String(clean));
  assert.ok(estimateMos("PCMU", 0.05, 40) < clean - 0.3);
  assert.ok(estimateMos("G729", 0, 40) < clean);
  assert.ok(estimateMos("PCMU", 0, 400) < estimateMos("PCMU", 0, 100));
  assert.equal(estimateMos("PCMU", 1, 1000), 1);
});

Deno.test("clock: ticks follow start + n*20 ms without drift", async () => {
  const deadlines: number[] = [];
  let start = 0;
  const ticker = new Ticker((tick) => deadlines.push(tick.deadline));
  start = performance.now();
  ticker.start();
  await new Promise((r) => setTimeout(r, 1000));
  ticker.stop();
  const elapsed = performance.now() - start;
  // A drifting setInterval(20) loses a tick or more per second here; this must not.
  assert.ok(
    Math.abs(deadlines.length - Math.floor(elapsed / 20)) <= 1,
    `${deadlines.length} ticks in ${elapsed} ms`,
  );
  for (let i = 1; i < deadlines.length; i++) {
    assert.ok(Math.abs(deadlines[i] - deadlines[i - 1] - 20) < 1e-6);
  }
});

Deno.test("clock: a stall longer than the catch-up skips ticks and tells the next tick how many", async () => {
  const ticks: { index: number; skipped: number }[] = [];
  const ticker = new Ticker((tick) => {
    ticks.push({ index: tick.index, skipped: tick.skipped });
    if (ticks.length === 3) {
      const until = performance.now() + 200; // the thread is starved for 200 ms
      while (performance.now() < until) { /* busy */ }
    }
  });
  ticker.start();
  await new Promise((r) => setTimeout(r, 400));
  ticker.stop();
  assert.ok(ticker.skipped >= 5, `skipped ${ticker.skipped}`);
  const reported = ticks.reduce((n, t) => n + t.skipped, 0);
  assert.equal(reported, ticker.skipped);
  // Indices run on across the gap by exactly what was reported skipped.
  for (let i = 1; i < ticks.length; i++) {
    assert.equal(ticks[i].index - ticks[i - 1].index - 1, ticks[i].skipped);
  }
});

Deno.test("leg: frames skipped in a stall advance the RTP clock and the next packet is marked", () => {
  const sent: ReturnType<typeof parseRtp>[] = [];
  const leg = new Leg(
    {
      legId: "s",
      roomId: "r",
      port: 12000,
      host: "127.0.0.1",
      codec: { codec: "PCMU", payloadType: 0 },
      remote: { address: "127.0.0.1", port: 22000 },
      rtcpMux: true,
    },
    8000,
    { send: (data) => sent.push(parseRtp(data)) },
    { locked() {}, rejected() {}, dtmf() {} },
    0,
  );
  const payload = new Uint8Array(160);
  leg.sendFrame(payload);
  leg.sendFrame(payload);
  leg.skipFrames(7);
  leg.sendFrame(payload);
  assert.equal((sent[1].timestamp - sent[0].timestamp) >>> 0, 160);
  assert.equal((sent[2].timestamp - sent[1].timestamp) >>> 0, 160 * 8);
  assert.equal(sent[2].sequenceNumber, (sent[1].sequenceNumber + 1) & 0xffff, "no sequence gap");
  assert.deepEqual(sent.map((p) => p.marker), [true, false, true]);
});

import assert from "node:assert/strict";
import {
  CodecError,
  createDecoder,
  createEncoder,
  opusBitrate,
} from "../../../media/codecs/frame_codec.ts";
import { keepHearing, memberSignal, othersMask, PLAN } from "../../load/signal.ts";
import { G729Encoder, OpusEncoder, SpeexResampler } from "../../../native/mod.ts";
import { bestCorrelation, compileC, pipeThrough, rms, speech } from "../../_helpers/audio.ts";

const asBytes = (pcm: Int16Array) => new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength);
const asPcm = (b: Uint8Array) => new Int16Array(b.slice().buffer);

const reference = await compileC("codec_reference.c", ["bcg729", "opus", "spandsp"]);

Deno.test("G.729 through FFI is byte-identical to libbcg729 called from C, both ways", async () => {
  const pcm = await speech(1, 8000);
  const frames = Math.floor(pcm.length / 80);
  const ref = await pipeThrough(reference, ["g729"], asBytes(pcm));
  const refBits = ref.subarray(0, frames * 10);
  const refPcm = asPcm(ref.subarray(frames * 10));

  const enc = createEncoder({ codec: "G729", mixRate: 16000, fmtp: "annexb=no" });
  const dec = createDecoder({ codec: "G729", mixRate: 16000 });
  const bits = new Uint8Array(frames * 10);
  const out = new Int16Array(frames * 80);
  for (let f = 0; f + 2 <= frames; f += 2) {
    const payload = bits.subarray(f * 10, f * 10 + 20);
    assert.equal(enc.encode(pcm.subarray(f * 80, f * 80 + 160), payload), 20);
    assert.equal(dec.duration(payload), 160);
    dec.decode(payload, out.subarray(f * 80, f * 80 + 160));
  }
  const even = frames - (frames % 2);
  assert.deepEqual(bits.subarray(0, even * 10), refBits.subarray(0, even * 10));
  assert.deepEqual(out.subarray(0, even * 80), refPcm.subarray(0, even * 80));
  // And it still sounds like the input.
  assert.ok(bestCorrelation(pcm, out, 200).value > 0.7);
  enc.close();
  dec.close();
});

Deno.test("G.722 through FFI is byte-identical to spandsp called from C, both ways", async () => {
  const pcm = await speech(2, 16000);
  const ref = await pipeThrough(reference, ["g722"], asBytes(pcm));
  const bytes = pcm.length / 2;
  const enc = createEncoder({ codec: "G722", mixRate: 16000 });
  const dec = createDecoder({ codec: "G722", mixRate: 16000 });
  const bits = new Uint8Array(bytes);
  const out = new Int16Array(pcm.length);
  for (let at = 0; at < pcm.length; at += 320) {
    const payload = bits.subarray(at / 2, at / 2 + 160);
    assert.equal(enc.encode(pcm.subarray(at, at + 320), payload), 160);
    assert.equal(dec.duration(payload), 160);
    dec.decode(payload, out.subarray(at, at + 320));
  }
  assert.deepEqual(bits, ref.subarray(0, bytes));
  assert.deepEqual(out, asPcm(ref.subarray(bytes)));
  assert.ok(bestCorrelation(pcm, out, 100).value > 0.95);
});

Deno.test("Opus through FFI (ctl via the native shim) matches libopus called from C", async () => {
  const pcm = await speech(3, 16000);
  const ref = await pipeThrough(reference, ["opus"], asBytes(pcm));
  const enc = createEncoder({ codec: "opus", mixRate: 16000, fmtp: "useinbandfec=1" });
  // The C reference runs with FEC at 5% loss: what Council's encoder does once a
  // receiver that signalled useinbandfec=1 reports that loss.
  enc.setExpectedLoss!(5);
  const dec = createDecoder({ codec: "opus", mixRate: 16000 });
  const packet = new Uint8Array(1275);
  const out = new Int16Array(pcm.length);
  let at = 0;
  for (let s = 0; s + 320 <= pcm.length; s += 320) {
    const n = enc.encode(pcm.subarray(s, s + 320), packet);
    const len = (ref[at] << 8) | ref[at + 1];
    // A DTX-sized frame is skipped by the encoder wrapper; the C side always has it.
    if (n !== 0) {
      assert.deepEqual(
        packet.subarray(0, n),
        ref.subarray(at + 2, at + 2 + len),
        `frame ${s / 320}`,
      );
    }
    at += 2 + len;
    const payload = ref.subarray(at - len, at);
    assert.equal(dec.duration(payload), 960);
    dec.decode(payload, out.subarray(s, s + 320));
  }
  assert.equal(at, ref.length);
  assert.ok(bestCorrelation(pcm, out, 400).value > 0.85);
});

Deno.test("G.711 frame codecs round-trip speech and conceal a loss with spandsp's PLC", async () => {
  const pcm = await speech(1, 8000);
  for (const codec of ["PCMU", "PCMA"] as const) {
    const enc = createEncoder({ codec, mixRate: 16000 });
    const dec = createDecoder({ codec, mixRate: 16000 });
    const out = new Int16Array(pcm.length);
    const payload = new Uint8Array(160);
    for (let at = 0; at + 160 <= pcm.length; at += 160) {
      enc.encode(pcm.subarray(at, at + 160), payload);
      if ((at / 160) % 10 === 5) dec.conceal(out.subarray(at, at + 160));
      else dec.decode(payload, out.subarray(at, at + 160));
    }
    assert.ok(bestCorrelation(pcm, out, 10).value > 0.9, codec);
    dec.close();
  }
});

Deno.test("G.729 Annex B: silence becomes SID frames or nothing, and decodes to comfort noise", () => {
  const enc = createEncoder({ codec: "G729", mixRate: 16000 });
  const dec = createDecoder({ codec: "G729", mixRate: 16000 });
  const silence = new Int16Array(160);
  const sizes: number[] = [];
  const out = new Int16Array(160);
  const payload = new Uint8Array(20);
  for (let i = 0; i < 50; i++) {
    const n = enc.encode(silence, payload);
    sizes.push(n);
    if (n) dec.decode(payload.subarray(0, n), out);
    else dec.conceal(out);
  }
  assert.ok(sizes.includes(2) || sizes.includes(12), `a SID frame: ${sizes}`);
  assert.ok(sizes.filter((n) => n === 0).length > 30, `mostly nothing sent: ${sizes}`);
  assert.ok(rms(out) < 200, "comfort noise is quiet");
});

Deno.test("Opus: a lost packet is rebuilt from the next packet's in-band FEC better than by PLC", async () => {
  const pcm = await speech(2, 48000);
  const enc = new OpusEncoder({ sampleRate: 48000, fec: true, expectedLossPercent: 20 });
  const fecDec = createDecoder({ codec: "opus", mixRate: 48000 });
  const plcDec = createDecoder({ codec: "opus", mixRate: 48000 });
  const packets: Uint8Array[] = [];
  const buf = new Uint8Array(1275);
  for (let s = 0; s + 960 <= pcm.length; s += 960) {
    packets.push(buf.slice(0, enc.encode(pcm.subarray(s, s + 960), buf)));
  }
  const fec = new Int16Array(packets.length * 960);
  const plc = new Int16Array(packets.length * 960);
  for (let i = 0; i < packets.length; i++) {
    const slot = (a: Int16Array) => a.subarray(i * 960, i * 960 + 960);
    if (i % 7 === 3 && i + 1 < packets.length) {
      fecDec.conceal(slot(fec), packets[i + 1]);
      plcDec.conceal(slot(plc));
    } else {
      fecDec.decode(packets[i], slot(fec));
      plcDec.decode(packets[i], slot(plc));
    }
  }
  const withFec = bestCorrelation(pcm, fec, 700).value;
  const withPlc = bestCorrelation(pcm, plc, 700).value;
  assert.ok(withFec > withPlc, `FEC ${withFec.toFixed(3)} vs PLC ${withPlc.toFixed(3)}`);
  enc.close();
});

Deno.test("malformed payloads are refused with a CodecError before any native call", () => {
  const g729 = createDecoder({ codec: "G729", mixRate: 16000 });
  assert.throws(() => g729.duration(new Uint8Array(7)), CodecError);
  assert.throws(() => g729.duration(new Uint8Array(0)), CodecError);
  assert.throws(() => g729.duration(new Uint8Array(10 * 13)), CodecError);
  assert.equal(g729.duration(new Uint8Array(22)), 240);
  const opus = createDecoder({ codec: "opus", mixRate: 48000 });
  // TOC code 3 with a frame count of 0 is invalid (RFC 6716 3.2.5).
  assert.throws(() => opus.duration(new Uint8Array([0x03, 0x00])), CodecError);
  assert.throws(() => opus.duration(new Uint8Array(0)), CodecError);
  const pcmu = createDecoder({ codec: "PCMU", mixRate: 16000 });
  assert.throws(() => pcmu.duration(new Uint8Array(2000)), CodecError);
});

Deno.test("speexdsp resampling 8 <-> 16 <-> 48 kHz keeps speech intact", async () => {
  const pcm = await speech(1, 16000);
  for (const [a, b] of [[16000, 8000], [16000, 48000]]) {
    const up = new SpeexResampler(a, b);
    const down = new SpeexResampler(b, a);
    const mid = new Int16Array(Math.ceil(pcm.length * b / a) + 64);
    const back = new Int16Array(pcm.length + 64);
    let m = 0, o = 0;
    for (let at = 0; at < pcm.length; at += a / 50) {
      const n = up.process(pcm.subarray(at, at + a / 50), mid.subarray(m, m + b / 50));
      o += down.process(mid.subarray(m, m + n), back.subarray(o, o + a / 50));
      m += n;
    }
    assert.ok(m >= pcm.length * b / a - b / 50, `${a}->${b} produced ${m}`);
    const corr = bestCorrelation(pcm, back.subarray(0, o), 200).value;
    // Going through 8 kHz drops everything above 4 kHz; the rest must survive.
    assert.ok(corr > (b === 8000 ? 0.85 : 0.98), `${a}->${b}->${a}: ${corr}`);
  }
});

Deno.test("a closed native coder refuses work instead of touching freed memory", () => {
  const enc = new G729Encoder(false);
  enc.close();
  enc.close();
  assert.throws(() => enc.encodeFrame(new Int16Array(80), new Uint8Array(10)), /closed/);
});

Deno.test("Opus: Council sends 32 kb/s (less when the receiver's maxaveragebitrate says so), enough for every voice of a mix", () => {
  assert.equal(opusBitrate(undefined), 32000);
  assert.equal(opusBitrate("minptime=10;useinbandfec=1"), 32000);
  assert.equal(opusBitrate("maxaveragebitrate=20000"), 20000);
  assert.equal(opusBitrate("maxaveragebitrate=64000"), 32000);
  for (const bad of ["maxaveragebitrate=5", "maxaveragebitrate=x", "maxaveragebitrate=9e9"]) {
    assert.equal(opusBitrate(bad), 32000, bad);
  }
  // Eleven steady voices of the production test's plan, mixed: every frame decoded at the
  // far end must still carry all eleven (libopus's own 19 kb/s default loses some in
  // about one frame in ten).
  const rate = 16000, frame = 320, total = rate * 10, self = 0;
  const voices = PLAN.frequencies.length;
  const mix = new Int16Array(total);
  for (let m = 1; m < voices; m++) {
    const s = memberSignal(PLAN, m, rate, total, m * 150);
    for (let i = 0; i < total; i++) mix[i] += s[i];
  }
  const enc = createEncoder({ codec: "opus", mixRate: rate });
  const dec = createDecoder({ codec: "opus", mixRate: rate });
  const { listener, hearing } = keepHearing(rate);
  const packet = new Uint8Array(1275), out = new Int16Array(frame * 6);
  for (let at = 0; at + frame <= total; at += frame) {
    const n = enc.encode(mix.subarray(at, at + frame), packet);
    const k = dec.decode(packet.subarray(0, n), out);
    listener.push(out.subarray(0, k), (at / rate) * 1000);
  }
  listener.flush();
  const want = othersMask(voices, self);
  // The decoder's first frames ramp up; judge from the second 20 ms on.
  const wrong = hearing.segments.filter((s) => s.mask !== want && s.at > 20);
  assert.deepEqual(wrong, []);
  enc.close();
  dec.close();
});

// Real speech through a 3-party room in real media workers: each participant must
// hear the other two and not itself, per codec and across codecs, through loss and
// reordering. Correlation is measured at 8 kHz against the original speech.

import assert from "node:assert/strict";
import type { Codec } from "../../guard/mod.ts";
import { type LegSpec, MediaEngine, type MediaEvent } from "../../media/engine/mod.ts";
import { bestCorrelation, rms, speech, windowedCorrelation } from "../_helpers/audio.ts";
import { type PlayOptions, RtpPhone } from "../_helpers/rtp_phone.ts";

const PT: Record<Codec, number> = { PCMU: 0, PCMA: 8, G722: 9, G729: 18, opus: 111, L16: 96 };
const MAX_LAG = 8000 * 0.3; // 300 ms at 8 kHz

/** Opens a leg for a test phone on loopback (rtcp-mux; the phone's port as the initial remote). */
async function phoneLeg(
  engine: MediaEngine,
  roomId: string,
  legId: string,
  phone: RtpPhone | null,
  extra: Partial<LegSpec> = {},
): Promise<number> {
  const { port } = await engine.createLeg({
    legId,
    roomId,
    port: 0,
    host: "127.0.0.1",
    codec: { codec: phone?.codec ?? "PCMU", payloadType: phone?.payloadType ?? 0 },
    remote: phone ? { address: "127.0.0.1", port: phone.port } : undefined,
    rtcpMux: true,
    ...extra,
  });
  return port;
}

let roomSeq = 0;
const SLOT_S = 2;

/**
 * Three phones in one room take turns: party i speaks (its own sentence) during
 * slot i of SLOT_S seconds and sends silence otherwise. Every phone's received audio
 * is then cut into the same slots: in the others' slots it must carry their speech
 * (correlation), in its own slot it must be near silent (no echo of itself).
 */
async function threeParty(engine: MediaEngine, codecs: Codec[], options: PlayOptions = {}) {
  const mixRate = codecs.includes("opus") ? 48000 : 16000;
  const roomId = `room-${++roomSeq}`;
  await engine.createRoom({ roomId, mixRate });
  const refs = await Promise.all([1, 2, 3].map((n) => speech(n as 1 | 2 | 3, 8000)));
  const phones = codecs.map((c) => new RtpPhone(c, PT[c], mixRate));
  try {
    const ports: number[] = [];
    for (const [i, phone] of phones.entries()) {
      ports.push(await phoneLeg(engine, roomId, `${roomId}-p${i}`, phone));
    }
    const timelines = await Promise.all(phones.map(async (phone, i) => {
      const src = await speech((i + 1) as 1 | 2 | 3, phone.pcmRate as 8000 | 16000 | 48000);
      const timeline = new Int16Array(phone.pcmRate * SLOT_S * 3);
      timeline.set(src.subarray(0, phone.pcmRate * SLOT_S), phone.pcmRate * SLOT_S * i);
      return timeline;
    }));
    // Encode first, then all start together: slots must line up across phones.
    const packets = phones.map((phone, i) => phone.encode(timelines[i]));
    const t0 = performance.now() + 20;
    await Promise.all(phones.map((phone, i) => phone.send(ports[i], packets[i], options, t0)));
    await new Promise((r) => setTimeout(r, 300));
    const stats = (await engine.stats()).legs.filter((l) => l.roomId === roomId);
    const slot = 8000 * SLOT_S;
    const heard = phones.map((phone) => {
      const rx = phone.decodeReceived(8000, undefined, t0);
      // Correlation of each slot with what its speaker said, in 250 ms windows, each
      // at its own lag: a jitter buffer may step its delay by a frame mid-slot.
      const corr = [0, 1, 2].map((i) =>
        windowedCorrelation(refs[i].subarray(0, slot), rx.subarray(i * slot), 2000, MAX_LAG)
      );
      return { rx, corr };
    });
    return { heard, stats, slot };
  } finally {
    phones.forEach((p) => p.close());
    await engine.closeRoom(roomId);
  }
}

function assertHearsOthersNotSelf(
  result: Awaited<ReturnType<typeof threeParty>>,
  label: string,
  minCorrelation: number,
): void {
  const { heard, slot } = result;
  const show = heard.map((h) => h.corr.map((c) => c.value.toFixed(2)).join(" ")).join(" | ");
  for (const [j, { rx, corr }] of heard.entries()) {
    const others = [0, 1, 2].filter((i) => i !== j);
    for (const i of others) {
      assert.ok(
        corr[i].value > minCorrelation,
        `${label}: party ${j} does not hear ${i} (${show})`,
      );
    }
    // Its own slot, 200 ms in from where the slot before it ended and the slot after
    // it began as heard (each neighbour's own measured latency: a jitter buffer may
    // have grown in between), must be near silent (an echo of itself would be as loud
    // as the others) and not correlated with its own speech.
    const prevEnd = j > 0 ? corr[j - 1].lastLag : corr[j + 1].lag;
    const nextStart = j < 2 ? corr[j + 1].lag : corr[j - 1].lastLag;
    const own = rx.subarray(j * slot + prevEnd + 1600, (j + 1) * slot + nextStart - 1600);
    const lag = corr[others[0]].lag;
    const loud = rms(rx.subarray(others[0] * slot + lag, (others[0] + 1) * slot + lag));
    const profile = Array.from(
      { length: Math.floor(own.length / 800) },
      (_, k) => rms(own.subarray(k * 800, (k + 1) * 800)).toFixed(0),
    ).join(",");
    assert.ok(
      rms(own) < loud * 0.1 && corr[j].value < 0.2,
      `${label}: party ${j} hears itself (${rms(own).toFixed(0)} vs ${loud.toFixed(0)}; ` +
        `${show}; lags ${corr.map((c) => `${c.lag}..${c.lastLag}`).join(" ")}; ` +
        `own slot per 100 ms: ${profile})`,
    );
  }
}

const engine = await MediaEngine.start({ workers: 2 });

Deno.test({
  name: "3-party room, G.711: everyone hears the other two and not themselves",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const result = await threeParty(engine, ["PCMU", "PCMU", "PCMU"]);
    assertHearsOthersNotSelf(result, "PCMU", 0.9);
    const { stats } = result;
    for (const leg of stats) {
      assert.ok(leg.packetsIn >= 140, `${leg.legId} got ${leg.packetsIn} packets`);
      assert.ok(leg.mos > 4, `MOS ${leg.mos}`);
    }
  },
});

Deno.test({
  name: "3-party room, G.729: speech survives the transcode both ways",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    assertHearsOthersNotSelf(await threeParty(engine, ["G729", "G729", "G729"]), "G729", 0.45);
  },
});

Deno.test({
  name: "3-party room, Opus at 48 kHz: everyone hears the other two and not themselves",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    assertHearsOthersNotSelf(await threeParty(engine, ["opus", "opus", "opus"]), "opus", 0.7);
  },
});

Deno.test({
  name: "mixed-codec room (PCMU, G.729, Opus) with 5% loss and 5% reordering injected",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const result = await threeParty(engine, ["PCMU", "G729", "opus"], {
      loss: 0.05,
      reorder: 0.05,
    });
    assertHearsOthersNotSelf(result, "mixed", 0.4);
    const { stats } = result;
    for (const leg of stats) {
      assert.ok(leg.lost >= 5, `${leg.legId} counted ${leg.lost} lost`);
      assert.ok(leg.concealed >= 5, `${leg.legId} concealed ${leg.concealed}`);
      assert.ok(leg.mos < 4.4, `${leg.legId} MOS ${leg.mos} reflects the loss`);
    }
  },
});

Deno.test({
  name: "a killed media worker's room is rebuilt on the same ports and audio resumes within 5 s",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const roomId = "failover-room";
    await engine.createRoom({ roomId, mixRate: 16000 });
    const a = new RtpPhone("PCMU", 0), b = new RtpPhone("PCMU", 0);
    const events: MediaEvent[] = [];
    const off = engine.on((e) => events.push(e));
    try {
      const legs = [];
      for (const [i, phone] of [a, b].entries()) {
        legs.push({ port: await phoneLeg(engine, roomId, `fo-${i}`, phone) });
      }
      const pcm = await speech(1, 8000);
      const long = new Int16Array(pcm.length * 3);
      for (let k = 0; k < 3; k++) long.set(pcm, k * pcm.length);
      const playing = a.play(legs[0].port, long);
      await new Promise((r) => setTimeout(r, 2000));
      const before = new Set(b.received.map((r) => r.ssrc));
      assert.equal(before.size, 1, "b hears a before the crash");
      const killedAt = performance.now();
      engine.killWorker(engine.workerOf(roomId)!);
      // Wait for b to hear a again, from the rebuilt leg (a new SSRC).
      let resumedAt = 0;
      while (performance.now() - killedAt < 6000 && !resumedAt) {
        await new Promise((r) => setTimeout(r, 20));
        const fresh = b.received.find((r) => !before.has(r.ssrc) && r.at > killedAt);
        if (fresh) resumedAt = fresh.at;
      }
      assert.ok(resumedAt, "audio resumed");
      const gap = (resumedAt - killedAt) / 1000;
      assert.ok(gap < 5, `resumed after ${gap.toFixed(2)} s`);
      const failover = events.find((e) => e.ev === "failover");
      assert.ok(failover && failover.ev === "failover" && failover.rooms.includes(roomId));
      await playing;
      // The speech after the failover is a's speech.
      const after = b.decodeReceived(8000, b.received.find((r) => r.at >= resumedAt)!.ssrc);
      assert.ok(bestCorrelation(pcm, after, 8000 * 3).value > 0.3, "speech after failover");
    } finally {
      off();
      a.close();
      b.close();
      await engine.closeRoom(roomId);
    }
  },
});

Deno.test({
  name:
    "bad input: malformed RTP, wrong payload types and a flood from an unknown source are counted and dropped",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const roomId = "hostile";
    await engine.createRoom({ roomId, mixRate: 16000 });
    const phone = new RtpPhone("PCMU", 0), intruder = new RtpPhone("PCMU", 0);
    try {
      // The phone's address is signalled; the intruder is another socket on its host.
      const port = await phoneLeg(engine, roomId, "h-0", phone);
      const pcm = await speech(2, 8000);
      // The phone speaks first and its port is locked; then garbage arrives from everywhere.
      const playing = phone.play(port, pcm.subarray(0, 8000 * 2));
      await new Promise((r) => setTimeout(r, 300));
      // Paced in bursts, so the kernel's receive buffer keeps them all and the counts are exact.
      const pause = () => new Promise((r) => setTimeout(r, 5));
      for (let i = 0; i < 500; i++) {
        await intruder.sendRaw(
          port,
          new Uint8Array([0x80, 0, 0, i & 0xff, 0, 0, 0, 0, 1, 2, 3, 4, 0xff]),
        );
        if (i % 25 === 24) await pause();
      }
      for (let i = 0; i < 20; i++) await phone.sendRaw(port, new Uint8Array([0x12, 0x34, 0x56]));
      for (let i = 0; i < 20; i++) {
        await phone.sendRaw(port, new Uint8Array([0x80, 96, 0, i, 0, 0, 0, 0, 1, 2, 3, 4, 0xff]));
      }
      await playing;
      const [leg] = (await engine.stats()).legs.filter((l) => l.roomId === roomId);
      assert.equal(leg.rejectedSource, 500, JSON.stringify(leg));
      assert.equal(leg.malformed, 20);
      assert.equal(leg.wrongPayloadType, 20);
      assert.equal(leg.source?.port, phone.port, "still locked on the phone");
      assert.ok(leg.packetsIn >= 90);
    } finally {
      phone.close();
      intruder.close();
      await engine.closeRoom(roomId);
    }
  },
});

Deno.test({
  name: "DTMF in (RFC 4733) reaches the main thread; a silent leg is reported dead",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const roomId = "dtmf";
    await engine.createRoom({ roomId, mixRate: 16000 });
    const phone = new RtpPhone("PCMU", 0);
    const events: MediaEvent[] = [];
    const off = engine.on((e) => events.push(e));
    try {
      const port = await phoneLeg(engine, roomId, "d-0", phone, {
        codec: { codec: "PCMU", payloadType: 0, dtmfPayloadType: 101 },
        inactivityMs: 1500,
      });
      const { dtmfPackets } = await import("../../media/rtp/mod.ts");
      const { serializeRtp } = await import("../../media/rtp/mod.ts");
      let seq = 1;
      for (const [digitIndex, digit] of ["*", "6"].entries()) {
        for (const p of dtmfPackets(digit, 800, 160)) {
          await phone.sendRaw(
            port,
            serializeRtp({
              marker: p.marker,
              payloadType: 101,
              sequenceNumber: seq++,
              timestamp: 1000 + digitIndex * 2000,
              ssrc: 42,
              payload: p.payload,
            }),
          );
        }
      }
      // Council sends DTMF out too.
      await engine.sendDtmf("d-0", "1#");
      await new Promise((r) => setTimeout(r, 2500));
      const digits = events.filter((e) => e.ev === "dtmf").map((e) => e.ev === "dtmf" && e.digit);
      assert.deepEqual(digits, ["*", "6"]);
      const dead = events.find((e) => e.ev === "leg.dead");
      assert.ok(dead && dead.ev === "leg.dead" && dead.legId === "d-0", "inactivity reported");
      const sentEvents = phone.received.filter((r) => r.pt === 101);
      const starts = new Set(sentEvents.map((r) => r.ts));
      assert.equal(starts.size, 2, "two digits sent, one timestamp each");
    } finally {
      off();
      phone.close();
      await engine.closeRoom(roomId);
    }
  },
});

Deno.test({
  name: "media engine closes its workers",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await engine.close();
    assert.equal(engine.ready(), false);
  },
});

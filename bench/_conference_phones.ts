// The phones' media for sip.concurrent_calls_with_media (bench/_conference.ts), run
// in a worker of their own so their 20 ms sends and arrival times are not held up by
// the bench's main thread (SIPp, the API). Each phone is one UDP socket: it streams
// G.711 A-law into Council from the moment its call is up, a steady tone of its
// seat's frequency, and judges what Council sends back over the measuring window:
// packets and gaps, whether each second carries real audio, and whether that audio
// holds every other seat's tone of its room and not its own.

/// <reference lib="deno.worker" />

import { g711Decode, g711Encode } from "../media/codecs/g711.ts";
import { Ticker } from "../media/engine/clock.ts";
import { realtimeThread, UdpSocket } from "../native/mod.ts";

/** Each phone's tone: -31 dBov, so 24 of them summed never clip (24 x 1300 < 32767). */
export const AMPLITUDE = 1300;
/** Tones' Goertzel analysis on every fifth frame received (ten a second); all are counted. */
export const ANALYSE_EVERY = 5;
/** A frame is real audio at -40 dBov RMS or more (the mixer's VAD is at -45). */
export const AUDIBLE_RMS = 328;
/** Frames of real audio received in the window, at least this share of 50 a second. */
export const AUDIBLE_FRACTION = 0.95;
/** Another seat is heard when its tone keeps at least half its amplitude (power 0.25). */
export const HEARD_RATIO = 0.25;
/**
 * A phone hears itself when its own tone comes back above -10 dB (power 0.1): an
 * echo of its own voice would be near 1, while a clean mix shows 0.005 at most and
 * stalls, which put discontinuities in the others' tones, leak up to 0.04 into it.
 */
export const OWN_RATIO = 0.1;
/** Packets received in the window, at least this share of 50 a second. */
export const MIN_PACKET_FRACTION = 0.95;
/** Longest time without real audio from Council (no packet, or silence) in the window. */
export const MAX_GAP_MS = 300;

/** One phone: its seat in its room and the room's seat frequencies (Hz). */
export interface PhoneSpec {
  seat: number;
  frequencies: number[];
}

/** What a phone found over the window; `problems` empty is a clean call. */
export interface PhoneReport {
  port: number;
  sent: number;
  sendErrors: number;
  received: number;
  inWindow: number;
  /** Frames in the window carrying real audio. */
  audible: number;
  maxGapMs: number;
  /** Longest time in the window without real audio (silence or no packets). */
  maxSilenceMs: number;
  /** Weakest other seat's tone in any second (power over a full tone's). */
  minHeard: number;
  /** Strongest own tone in any second (power over a full tone's). */
  maxOwn: number;
  problems: string[];
}

export type PhoneRequest =
  & { seq: number }
  & (
    | { op: "create"; phones: PhoneSpec[] }
    | { op: "start"; starts: [index: number, councilPort: number][] }
    | { op: "window"; start: number; end: number }
    | { op: "report" }
    | { op: "close" }
  );

export interface PhoneReply {
  seq: number;
  ports?: number[];
  reports?: PhoneReport[];
  /** The phones' clock in the window: ticks over 10 ms late, skipped, the worst lateness and tick, ms. */
  ticks?: {
    late: number;
    skipped: number;
    worstLateMs: number;
    worstTickMs: number;
    meanTickMs: number;
    /** Why the phones' thread is not real-time, or null when it is. */
    realtime: string | null;
  };
  error?: string;
}

const SAMPLES = 160; // 20 ms at 8 kHz
const RATE = 8000;
const HEADER = 12;
const PT_PCMA = 8;
/** Goertzel power of a full-frame tone of AMPLITUDE: (A N / 2)^2. */
const EXPECTED = (AMPLITUDE * SAMPLES / 2) ** 2;

/** Goertzel power of one frequency over a frame (coefficient 2 cos(2 pi f / rate)). */
function goertzel(frame: Int16Array, k: number): number {
  let s1 = 0, s2 = 0;
  for (let i = 0; i < frame.length; i++) {
    const s0 = frame[i] + k * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return s1 * s1 + s2 * s2 - k * s1 * s2;
}

class Phone {
  readonly sock = new UdpSocket("127.0.0.1", 0);
  readonly #pcm = new Int16Array(SAMPLES);
  /** The packet, rewritten in place for each send (sendto copies it). */
  readonly #packet = new Uint8Array(HEADER + SAMPLES);
  readonly #view = new DataView(this.#packet.buffer);
  readonly #coef: number[];
  readonly #ssrc = crypto.getRandomValues(new Uint32Array(1))[0];
  #seq = (Math.random() * 0x8000) | 0;
  #ts = (Math.random() * 0x7fffffff) >>> 0;
  councilPort = 0;
  sent = 0;
  sendErrors = 0;
  // The window's accounting, per second (bucket) of arrival time.
  #start = 0;
  #end = 0;
  #seconds = 0;
  #packets = new Int32Array(0);
  #audible = new Int32Array(0);
  #analysed = new Int32Array(0);
  /** Summed Goertzel power per second and seat: [second * seats + seat]. */
  #power = new Float64Array(0);
  #inWindow = 0;
  #lastAt = 0;
  #maxGap = 0;
  #audibleInWindow = 0;
  #lastAudibleAt = 0;
  #maxSilence = 0;
  #received = 0;
  #closed = false;

  constructor(readonly spec: PhoneSpec) {
    // A tone of a multiple of 50 Hz fills a 20 ms frame with whole cycles, so one
    // frame repeated is a continuous tone; each phone starts at its own phase.
    const phase = Math.random() * 2 * Math.PI;
    const pcm = new Int16Array(SAMPLES);
    const hz = spec.frequencies[spec.seat];
    for (let i = 0; i < SAMPLES; i++) {
      pcm[i] = Math.round(AMPLITUDE * Math.sin((2 * Math.PI * hz * i) / RATE + phase));
    }
    this.#packet[0] = 0x80;
    this.#view.setUint32(8, this.#ssrc);
    g711Encode("alaw", pcm, this.#packet.subarray(HEADER));
    this.#coef = spec.frequencies.map((f) => 2 * Math.cos((2 * Math.PI * f) / RATE));
  }

  get port(): number {
    return this.sock.port;
  }

  window(start: number, end: number): void {
    this.#start = start;
    this.#end = end;
    this.#seconds = Math.ceil((end - start) / 1000);
    const seats = this.spec.frequencies.length;
    this.#packets = new Int32Array(this.#seconds);
    this.#audible = new Int32Array(this.#seconds);
    this.#analysed = new Int32Array(this.#seconds);
    this.#power = new Float64Array(this.#seconds * seats);
  }

  /** One 20 ms packet of this phone's tone to Council, from its own socket. */
  send(): void {
    if (!this.councilPort || this.#closed) return;
    const p = this.#packet;
    p[1] = PT_PCMA | (this.sent === 0 ? 0x80 : 0);
    p[2] = (this.#seq >> 8) & 0xff;
    p[3] = this.#seq & 0xff;
    this.#view.setUint32(4, this.#ts);
    this.#seq = (this.#seq + 1) & 0xffff;
    this.#ts = (this.#ts + SAMPLES) >>> 0;
    this.sent++;
    if (!this.sock.send(p, "127.0.0.1", this.councilPort)) this.sendErrors++;
  }

  /** Takes in what Council sent since the last poll, by kernel arrival time. */
  poll(): void {
    if (this.#closed) return;
    for (const d of this.sock.poll()) this.#take(d.data, performance.timeOrigin + d.arrival);
  }

  #take(data: Uint8Array, at: number): void {
    // RTP version 2, PCMA, one 20 ms frame (RTCP and anything else is not audio).
    if (data.length !== HEADER + SAMPLES || data[0] !== 0x80 || (data[1] & 0x7f) !== PT_PCMA) {
      return;
    }
    this.#received++;
    if (at < this.#start || at >= this.#end) return;
    this.#maxGap = Math.max(this.#maxGap, at - (this.#lastAt || this.#start));
    this.#lastAt = at;
    this.#inWindow++;
    const s = Math.floor((at - this.#start) / 1000);
    this.#packets[s]++;
    const pcm = g711Decode("alaw", data.subarray(HEADER), this.#pcm);
    let energy = 0;
    for (let i = 0; i < SAMPLES; i++) energy += pcm[i] * pcm[i];
    if (energy >= AUDIBLE_RMS * AUDIBLE_RMS * SAMPLES) {
      this.#audible[s]++;
      this.#audibleInWindow++;
      this.#maxSilence = Math.max(this.#maxSilence, at - (this.#lastAudibleAt || this.#start));
      this.#lastAudibleAt = at;
    }
    if (this.#inWindow % ANALYSE_EVERY !== 0) return;
    this.#analysed[s]++;
    const base = s * this.#coef.length;
    for (let k = 0; k < this.#coef.length; k++) {
      this.#power[base + k] += goertzel(pcm, this.#coef[k]);
    }
  }

  report(): PhoneReport {
    const seats = this.spec.frequencies.length;
    const expected = this.#seconds * 50;
    const gap = Math.max(this.#maxGap, this.#end - (this.#lastAt || this.#start));
    const silence = Math.max(this.#maxSilence, this.#end - (this.#lastAudibleAt || this.#start));
    let minHeard = Infinity, maxOwn = 0;
    const problems: string[] = [];
    if (!this.councilPort) problems.push("never sent: its call was not seen up");
    if (this.#inWindow < expected * MIN_PACKET_FRACTION) {
      problems.push(`received ${this.#inWindow} of ${expected} packets in the window`);
    }
    if (this.#audibleInWindow < expected * AUDIBLE_FRACTION) {
      problems.push(`${this.#audibleInWindow} of ${expected} frames carried real audio`);
    }
    if (silence > MAX_GAP_MS) {
      problems.push(
        gap > MAX_GAP_MS
          ? `no packet for ${Math.round(gap)} ms`
          : `no real audio for ${Math.round(silence)} ms`,
      );
    }
    const deaf = new Set<number>();
    let unheardSeconds = 0, echoSeconds = 0;
    for (let s = 0; s < this.#seconds; s++) {
      const analysed = this.#analysed[s];
      let unheard = !analysed, echo = false;
      for (let k = 0; analysed && k < seats; k++) {
        const ratio = this.#power[s * seats + k] / analysed / EXPECTED;
        if (k === this.spec.seat) {
          maxOwn = Math.max(maxOwn, ratio);
          echo ||= ratio > OWN_RATIO;
        } else {
          minHeard = Math.min(minHeard, ratio);
          if (ratio < HEARD_RATIO) {
            deaf.add(k);
            unheard = true;
          }
        }
      }
      if (unheard) unheardSeconds++;
      if (echo) echoSeconds++;
    }
    if (unheardSeconds) {
      problems.push(
        `did not hear every other seat in ${unheardSeconds} s` +
          (deaf.size ? ` (missing seat(s) ${[...deaf].join(", ")})` : ""),
      );
    }
    if (echoSeconds) problems.push(`heard its own tone in ${echoSeconds} s`);
    return {
      port: this.port,
      sent: this.sent,
      sendErrors: this.sendErrors,
      received: this.#received,
      inWindow: this.#inWindow,
      audible: this.#audibleInWindow,
      maxGapMs: Math.round(gap),
      maxSilenceMs: Math.round(silence),
      minHeard: Number.isFinite(minHeard) ? minHeard : 0,
      maxOwn,
      problems,
    };
  }

  close(): void {
    this.#closed = true;
    this.sock.close();
  }
}

// Phones send on a hardware clock: this thread runs real-time where permitted (as
// Council's media workers do), so their 20 ms is steady; arrivals are timed by the
// kernel, so a late poll does not show as a gap in what Council sent.
const realtime = realtimeThread(10);

const phones: Phone[] = [];
/** The phones' clock inside the window: ticks late, skipped, the worst lateness and work. */
const clock = { late: 0, skipped: 0, worstLateMs: 0, worstTickMs: 0, ticks: 0, workMs: 0 };
let windowStart = Infinity, windowEnd = Infinity;
const ticker = new Ticker((tick, nowMs) => {
  const wall = performance.timeOrigin + nowMs;
  const inWindow = wall >= windowStart && wall < windowEnd;
  if (inWindow) {
    const late = nowMs - tick.deadline;
    clock.worstLateMs = Math.max(clock.worstLateMs, late);
    if (late > 10) clock.late++;
    clock.skipped += tick.skipped;
  }
  for (const p of phones) p.send();
  for (const p of phones) p.poll();
  if (inWindow) {
    const work = performance.now() - nowMs;
    clock.worstTickMs = Math.max(clock.worstTickMs, work);
    clock.workMs += work;
    clock.ticks++;
  }
});

self.onmessage = (e: MessageEvent<PhoneRequest>) => {
  const m = e.data;
  const reply = (r: Omit<PhoneReply, "seq">) => self.postMessage({ seq: m.seq, ...r });
  try {
    switch (m.op) {
      case "create": {
        const made = m.phones.map((spec) => new Phone(spec));
        phones.push(...made);
        ticker.start();
        return reply({ ports: made.map((p) => p.port) });
      }
      case "start":
        for (const [index, port] of m.starts) phones[index].councilPort = port;
        return reply({});
      case "window":
        for (const p of phones) p.window(m.start, m.end);
        windowStart = m.start;
        windowEnd = m.end;
        return reply({});
      case "report":
        return reply({
          reports: phones.map((p) => p.report()),
          ticks: {
            late: clock.late,
            skipped: clock.skipped,
            worstLateMs: Math.round(clock.worstLateMs),
            worstTickMs: Math.round(clock.worstTickMs * 10) / 10,
            meanTickMs: Math.round((clock.workMs / clock.ticks) * 100) / 100,
            realtime,
          },
        });
      case "close":
        ticker.stop();
        for (const p of phones) p.close();
        phones.length = 0;
        return reply({});
    }
  } catch (err) {
    reply({ error: String(err) });
  }
};

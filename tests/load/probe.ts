// A measuring G.711 endpoint for the production test. It speaks real-time RTP:
// silence, with a short marker tone of its own frequency on a shared schedule, so
// every other probe can tell whose marker it hears and when. What it receives is
// analysed as it arrives (nothing is kept per packet, so a 30-minute run stays
// small): marker onsets per frequency, RFC 3550 transit differences, sequence
// loss, arrival gaps, and how often it hears anything else (the browsers).
//
// Times are wall-clock milliseconds (performance.timeOrigin + performance.now()),
// so figures from a worker, the test's main thread and SIPp's log line up.

import { G711_SILENCE, g711Decode, g711Encode, type G711Law } from "../../media/codecs/g711.ts";
import { isRtcp, parseRtp, serializeRtp } from "../../media/rtp/mod.ts";

export const FRAME_MS = 20;
const SAMPLES = 160; // 20 ms at 8 kHz
const RATE = 8000;

/** When markers play: injector i sends one every periodMs, offset i * spacingMs. */
export interface MarkerPlan {
  /** One frequency per injector (Hz, multiples of 50: a 20 ms frame's bins). */
  frequencies: number[];
  periodMs: number;
  spacingMs: number;
  durationMs: number;
  amplitude: number;
}

export const PLAN: MarkerPlan = {
  frequencies: [600, 900, 1200, 1500, 1800, 2100, 2400, 2700],
  periodMs: 2000,
  spacingMs: 240, // a whole number of frames: every marker starts on a frame
  durationMs: 100,
  amplitude: 16000,
};

/** A marker onset heard: whose (injector index) and when it arrived. */
export interface Onset {
  from: number;
  at: number;
  /** Arrival of the first frame the tone fills (`at` may be the partial frame before it). */
  full: number;
}

export interface ProbeReport {
  name: string;
  firstPacketAt: number | null;
  /** Markers this probe sent: wall time of each marker's first packet. */
  sent: number[];
  onsets: Onset[];
  /** |D(i-1,i)| of RFC 3550 section 6.4.1, in 0.1 ms bins (index = bin), outside excluded spans. */
  transit: number[];
  /** RFC 3550 interarrival jitter estimate, worst seen, ms. */
  jitterMaxMs: number;
  expected: number;
  received: number;
  /** Arrival gaps over 50 ms: [last packet before, first packet after]. */
  gaps: [number, number][];
  /** Packets carrying sound that was not a marker (another talker: the browsers). */
  heardOther: number;
  packets: number;
}

export const now = (): number => performance.timeOrigin + performance.now();

/** Goertzel power of one frequency over a frame. */
function goertzel(frame: Int16Array, hz: number): number {
  const k = 2 * Math.cos((2 * Math.PI * hz) / RATE);
  let s1 = 0, s2 = 0;
  for (let i = 0; i < frame.length; i++) {
    const s0 = frame[i] + k * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return s1 * s1 + s2 * s2 - k * s1 * s2;
}

interface Source {
  ssrc: number;
  firstSeq: number;
  maxExt: number;
  count: number;
  lastArrival: number;
  lastTs: number;
  jitter: number;
}

export class Probe {
  readonly sock = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  readonly #law: G711Law;
  readonly #pt: number;
  readonly #ssrc = crypto.getRandomValues(new Uint32Array(1))[0];
  readonly #report: ProbeReport;
  readonly #run = new Array<number>(PLAN.frequencies.length).fill(0);
  readonly #runStart = new Array<number>(PLAN.frequencies.length).fill(0);
  readonly #runFull = new Array<number>(PLAN.frequencies.length).fill(0);
  /** Arrival of the previous frame when it carried part of the tone, else 0. */
  readonly #partial = new Array<number>(PLAN.frequencies.length).fill(0);
  #source?: Source;
  #excludeUntil = 0;
  #closed = false;

  constructor(name: string, codec: "PCMU" | "PCMA", readonly injector: number) {
    this.#law = codec === "PCMU" ? "ulaw" : "alaw";
    this.#pt = codec === "PCMU" ? 0 : 8;
    this.#report = {
      name,
      firstPacketAt: null,
      sent: [],
      onsets: [],
      transit: [],
      jitterMaxMs: 0,
      expected: 0,
      received: 0,
      gaps: [],
      heardOther: 0,
      packets: 0,
    };
    this.#listen();
  }

  get port(): number {
    return (this.sock.addr as Deno.NetAddr).port;
  }

  /** Transit differences from now until `ms` later are not counted (a failover is under way). */
  exclude(ms: number): void {
    this.#excludeUntil = now() + ms;
  }

  /**
   * Sends a frame every 20 ms from `t0` (wall ms) until `until`: silence, or this
   * probe's marker when the plan says so.
   */
  async speak(remotePort: number, t0: number, until: number): Promise<void> {
    const tone = new Int16Array(SAMPLES);
    const hz = PLAN.frequencies[this.injector];
    const encoded = new Uint8Array(SAMPLES);
    const silence = new Uint8Array(SAMPLES).fill(G711_SILENCE[this.#law]);
    const offset = this.injector * PLAN.spacingMs;
    let seq = (Math.random() * 0x8000) | 0;
    let wasMarking = false;
    let ts = (Math.random() * 0x7fffffff) >>> 0;
    for (let n = 0;; n++) {
      const due = t0 + n * FRAME_MS;
      if (due >= until || this.#closed) return;
      const wait = due - now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const phase = (n * FRAME_MS - offset) % PLAN.periodMs;
      const marking = n * FRAME_MS >= offset && phase < PLAN.durationMs;
      let payload = silence;
      if (marking) {
        // The tone continues in phase across the marker's frames.
        for (let i = 0; i < SAMPLES; i++) {
          const t = (phase + (i * 1000) / RATE) / 1000;
          tone[i] = Math.round(PLAN.amplitude * Math.sin(2 * Math.PI * hz * t));
        }
        payload = g711Encode(this.#law, tone, encoded);
      }
      const packet = serializeRtp({
        marker: n === 0,
        payloadType: this.#pt,
        sequenceNumber: seq++ & 0xffff,
        timestamp: ts,
        ssrc: this.#ssrc,
        payload,
      });
      ts = (ts + SAMPLES) >>> 0;
      // Sent is when the packet leaves, not when the send op's promise settles: with
      // eight probes on one thread that can be milliseconds later, after the mix
      // carrying the marker is already back.
      const sentAt = now();
      try {
        await this.sock.send(packet, { transport: "udp", hostname: "127.0.0.1", port: remotePort });
      } catch {
        if (this.#closed) return;
        throw new Error(`${this.#report.name}: RTP send failed`);
      }
      if (marking && !wasMarking) this.#report.sent.push(sentAt);
      wasMarking = marking;
    }
  }

  async #listen(): Promise<void> {
    const pcm = new Int16Array(SAMPLES);
    try {
      for await (const [data] of this.sock) {
        const at = now();
        if (isRtcp(data)) continue;
        let p;
        try {
          p = parseRtp(data);
        } catch {
          continue;
        }
        if (p.payloadType !== this.#pt || p.payload.length !== SAMPLES) continue;
        this.#account(p.ssrc, p.sequenceNumber, p.timestamp, at);
        this.#analyse(g711Decode(this.#law, p.payload, pcm), at);
      }
    } catch {
      if (!this.#closed) throw new Error(`${this.#report.name}: RTP socket failed`);
    }
  }

  /** Loss, transit differences and gaps (RFC 3550 A.1, A.8 in spirit). */
  #account(ssrc: number, seq: number, ts: number, at: number): void {
    const r = this.#report;
    r.packets++;
    r.firstPacketAt ??= at;
    let s = this.#source;
    if (s && at - s.lastArrival > 50) r.gaps.push([s.lastArrival, at]);
    if (!s || s.ssrc !== ssrc) {
      // A new source (the first, or a rebuilt leg after a failover).
      if (s) this.#closeSource(s);
      s = this.#source = {
        ssrc,
        firstSeq: seq,
        maxExt: seq,
        count: 0,
        lastArrival: at,
        lastTs: ts,
        jitter: 0,
      };
    } else {
      // Extend the sequence number over wraps, relative to the highest seen.
      const delta = ((seq - (s.maxExt & 0xffff) + 0x8000) & 0xffff) - 0x8000;
      if (delta > 0) s.maxExt += delta;
      const d = Math.abs((at - s.lastArrival) - (((ts - s.lastTs) | 0) * 1000) / RATE);
      if (at > this.#excludeUntil) {
        const bin = Math.min(Math.round(d * 10), 100_000);
        r.transit[bin] = (r.transit[bin] ?? 0) + 1;
        s.jitter += (d - s.jitter) / 16;
        r.jitterMaxMs = Math.max(r.jitterMaxMs, s.jitter);
      }
      s.lastArrival = at;
      s.lastTs = ts;
    }
    s.count++;
  }

  #closeSource(s: Source): void {
    this.#report.expected += s.maxExt - s.firstSeq + 1;
    this.#report.received += s.count;
  }

  /**
   * Marker onsets: two frames in a row where the frequency holds most of the energy.
   * The frame before them counts as the onset when it already carries some of the
   * tone (a marker rarely starts on the mixer's frame boundary, and other talkers
   * share the frame), so the onset is not put a frame late.
   */
  #analyse(frame: Int16Array, at: number): void {
    let energy = 0;
    for (let i = 0; i < frame.length; i++) energy += frame[i] * frame[i];
    // A full-frame tone of amplitude A has Goertzel power (A N / 2)^2 and N A^2 / 2 energy.
    const floor = (PLAN.amplitude * 0.25 * SAMPLES / 2) ** 2;
    let marker = false;
    for (const [i, hz] of PLAN.frequencies.entries()) {
      const power = energy ? goertzel(frame, hz) : 0;
      const share = energy ? power / (energy * SAMPLES / 2) : 0;
      if (power > floor && share > 0.5) {
        marker = true;
        if (this.#run[i]++ === 0) {
          this.#runStart[i] = this.#partial[i] > 0 ? this.#partial[i] : at;
          this.#runFull[i] = at;
        }
        if (this.#run[i] === 2) {
          this.#report.onsets.push({ from: i, at: this.#runStart[i], full: this.#runFull[i] });
        }
        this.#partial[i] = 0;
      } else {
        this.#run[i] = 0;
        this.#partial[i] = power > floor / 4 && share > 0.2 ? at : 0;
      }
    }
    // Anything audible that is not a marker: someone else talking (-45 dBov: the mixer's VAD).
    if (!marker && energy / SAMPLES > 184 ** 2) this.#report.heardOther++;
  }

  report(): ProbeReport {
    const r = structuredClone(this.#report);
    const s = this.#source;
    if (s) {
      r.expected += s.maxExt - s.firstSeq + 1;
      r.received += s.count;
    }
    // Sparse arrays do not survive postMessage as arrays of numbers; fill the holes.
    r.transit = Array.from(r.transit, (v) => v ?? 0);
    return r;
  }

  close(): void {
    this.#closed = true;
    try {
      this.sock.close();
    } catch { /* closed */ }
  }
}

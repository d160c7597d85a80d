// The H.323 members' media in the production test (no H.323 stack is packaged, so the
// signalling is H323Plus's captured messages and the media comes from here): a G.711
// endpoint that speaks real-time RTP, its own member's signal from signal.ts (a
// steady tone with a marker once a period, on a shared schedule, so the time each
// marker left is known and every receiver's latency can be taken from it), and hears
// what Council sends it with the same detector as every other member, as it arrives
// (nothing kept per packet, so a 30-minute run stays small), counting loss and jitter
// inside and outside the failover windows (rtp_stats.ts).
//
// Times are wall-clock milliseconds (performance.timeOrigin + performance.now()),
// so figures from a worker, the test's main thread, the packet capture and the pages
// line up.

import { g711Decode, g711Encode, type G711Law } from "../../media/codecs/g711.ts";
import { isRtcp, parseRtp, serializeRtp } from "../../media/rtp/mod.ts";
import {
  FRAME_MS,
  type Hearing,
  keepHearing,
  type Listener,
  memberSignal,
  PLAN,
} from "./signal.ts";
import { type RtpCounts, RtpStats } from "./rtp_stats.ts";

const SAMPLES = 160; // 20 ms at 8 kHz
const RATE = 8000;

export interface ProbeReport {
  name: string;
  /** Member index (its frequency in the plan). */
  member: number;
  firstPacketAt: number | null;
  /** Markers this probe sent: wall time of each marker's first packet. */
  sent: number[];
  hearing: Hearing;
  rtp: RtpCounts;
}

export const now = (): number => performance.timeOrigin + performance.now();

export class Probe {
  readonly sock = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  readonly #law: G711Law;
  readonly #pt: number;
  readonly #ssrc = crypto.getRandomValues(new Uint32Array(1))[0];
  readonly #sent: number[] = [];
  readonly #listener: Listener;
  readonly #hearing: Hearing;
  #stats?: RtpStats;
  #firstPacketAt: number | null = null;
  #closed = false;

  constructor(
    readonly name: string,
    codec: "PCMU" | "PCMA",
    readonly member: number,
    /** Marker offset in the shared schedule (ms, a whole number of frames). */
    readonly offsetMs: number,
  ) {
    this.#law = codec === "PCMU" ? "ulaw" : "alaw";
    this.#pt = codec === "PCMU" ? 0 : 8;
    ({ listener: this.#listener, hearing: this.#hearing } = keepHearing(RATE));
    this.#listen();
  }

  get port(): number {
    return (this.sock.addr as Deno.NetAddr).port;
  }

  /** Counts loss and jitter of packets arriving in [from, to), windows `windowMs` long. */
  count(from: number, to: number, windowMs: number): void {
    this.#stats = new RtpStats(from, to, RATE, windowMs);
  }

  /** A failover window opens (at the fault). */
  window(at: number): void {
    this.#stats?.window(at);
  }

  /**
   * Sends a frame every 20 ms until `until` (wall ms): this member's signal on the
   * schedule that starts at `t0`, frame n holding its ms n * 20 to n * 20 + 20, from
   * the first frame not yet due (a terminal talks from the moment its call is up).
   */
  async speak(remotePort: number, t0: number, until: number): Promise<void> {
    const pcm = new Int16Array(SAMPLES);
    const encoded = new Uint8Array(SAMPLES);
    let seq = (Math.random() * 0x8000) | 0;
    let ts = (Math.random() * 0x7fffffff) >>> 0;
    for (let n = Math.max(0, Math.ceil((now() - t0) / FRAME_MS));; n++) {
      const due = t0 + n * FRAME_MS;
      if (due >= until || this.#closed) return;
      const wait = due - now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const ms = n * FRAME_MS;
      memberSignal(PLAN, this.member, RATE, SAMPLES, this.offsetMs, ms, pcm);
      const packet = serializeRtp({
        marker: n === 0,
        payloadType: this.#pt,
        sequenceNumber: seq++ & 0xffff,
        timestamp: ts,
        ssrc: this.#ssrc,
        payload: g711Encode(this.#law, pcm, encoded),
      });
      ts = (ts + SAMPLES) >>> 0;
      // Sent is when the packet leaves, not when the send op's promise settles: with
      // four probes on one thread that can be milliseconds later, after the mix
      // carrying the marker is already back.
      const sentAt = now();
      try {
        await this.sock.send(packet, { transport: "udp", hostname: "127.0.0.1", port: remotePort });
      } catch {
        if (this.#closed) return;
        throw new Error(`${this.name}: RTP send failed`);
      }
      if (ms >= this.offsetMs && (ms - this.offsetMs) % PLAN.periodMs === 0) {
        this.#sent.push(sentAt);
      }
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
        this.#firstPacketAt ??= at;
        this.#stats?.packet(p.ssrc, p.sequenceNumber, p.timestamp, at);
        this.#listener.frame(g711Decode(this.#law, p.payload, pcm), at);
      }
    } catch {
      if (!this.#closed) throw new Error(`${this.name}: RTP socket failed`);
    }
  }

  report(): ProbeReport {
    this.#listener.flush();
    return {
      name: this.name,
      member: this.member,
      firstPacketAt: this.#firstPacketAt,
      sent: [...this.#sent],
      hearing: structuredClone(this.#hearing),
      rtp: this.#stats?.report() ?? new RtpStats(0, 0, RATE, 0).report(),
    };
  }

  close(): void {
    this.#closed = true;
    try {
      this.sock.close();
    } catch { /* closed */ }
  }
}

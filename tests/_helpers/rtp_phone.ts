// A minimal RTP phone for media tests: sends a PCM signal as real-time RTP (with
// optional loss and reordering), records what comes back, and decodes it.

import type { Codec } from "../../guard/mod.ts";
import { CODEC_INFO } from "../../media/codecs/catalog.ts";
import { createDecoder, createEncoder, pcmRateOf } from "../../media/codecs/frame_codec.ts";
import { parseRtp, serializeRtp } from "../../media/rtp/mod.ts";
import { SpeexResampler } from "../../native/mod.ts";

export interface Received {
  seq: number;
  ts: number;
  ssrc: number;
  pt: number;
  payload: Uint8Array;
  at: number;
  /** The packet's header extension, when it had one (Council's provenance chain). */
  extension?: { profile: number; data: Uint8Array };
}

export interface PlayOptions {
  /** Drop this fraction of packets (deterministic pattern). */
  loss?: number;
  /** Swap this fraction of adjacent packet pairs. */
  reorder?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

export class RtpPhone {
  readonly sock = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  readonly received: Received[] = [];
  readonly ssrc = crypto.getRandomValues(new Uint32Array(1))[0];
  readonly pcmRate: number;
  #closed = false;
  #seq = 1000;
  #ts = 5000;

  constructor(readonly codec: Codec, readonly payloadType: number, readonly mixRate = 16000) {
    this.pcmRate = pcmRateOf(codec, mixRate);
    this.#listen();
  }

  get port(): number {
    return (this.sock.addr as Deno.NetAddr).port;
  }

  async #listen(): Promise<void> {
    try {
      for await (const [data] of this.sock) {
        if (data[1] >= 192 && data[1] <= 223) continue; // RTCP on a muxed port
        const p = parseRtp(data);
        this.received.push({
          seq: p.sequenceNumber,
          ts: p.timestamp,
          ssrc: p.ssrc,
          pt: p.payloadType,
          payload: p.payload.slice(),
          at: performance.now(),
          ...(p.extension
            ? { extension: { profile: p.extension.profile, data: p.extension.data.slice() } }
            : {}),
        });
      }
    } catch {
      if (!this.#closed) throw new Error("phone socket failed");
    }
  }

  /** Sends raw bytes to a port (for malformed-input tests). */
  async sendRaw(port: number, data: Uint8Array): Promise<void> {
    await this.sock.send(data, { transport: "udp", hostname: "127.0.0.1", port });
  }

  /** Sends `pcm` (at this phone's PCM rate) in real time, 20 ms a packet, starting now. */
  async play(port: number, pcm: Int16Array, options: PlayOptions = {}): Promise<void> {
    await this.send(port, this.encode(pcm), options);
  }

  /** Encodes `pcm` into RTP packets (ahead of time, so sending is paced by nothing else). */
  encode(pcm: Int16Array): Uint8Array[] {
    const enc = createEncoder({ codec: this.codec, mixRate: this.mixRate, fmtp: "annexb=no" });
    const frame = this.pcmRate / 50;
    const step = CODEC_INFO[this.codec].clockRate / 50;
    const buf = new Uint8Array(4000);
    const packets: Uint8Array[] = [];
    for (let at = 0, n = 0; at + frame <= pcm.length; at += frame, n++) {
      const len = enc.encode(pcm.subarray(at, at + frame), buf);
      const packet = serializeRtp({
        marker: n === 0,
        payloadType: this.payloadType,
        sequenceNumber: this.#seq++ & 0xffff,
        timestamp: this.#ts,
        ssrc: this.ssrc,
        payload: buf.slice(0, len),
      });
      this.#ts += step;
      packets.push(packet);
    }
    enc.close();
    return packets;
  }

  /** Sends packets 20 ms apart from `start` (performance.now()), with the impairments asked for. */
  async send(
    port: number,
    packets: Uint8Array[],
    options: PlayOptions = {},
    start = performance.now(),
  ): Promise<void> {
    const loss = options.loss ?? 0, reorder = options.reorder ?? 0;
    for (let i = 0; i < packets.length; i++) {
      await sleep(start + i * 20 - performance.now());
      if (this.#closed) return;
      // Deterministic impairments: spread evenly, not clustered.
      if (loss && Math.floor((i + 1) * loss) !== Math.floor(i * loss)) continue;
      if (
        reorder && i + 1 < packets.length &&
        Math.floor((i + 1) * reorder) !== Math.floor(i * reorder)
      ) {
        await this.sendRaw(port, packets[i + 1]);
        await sleep(3);
        await this.sendRaw(port, packets[i]);
        i++;
        await sleep(start + i * 20 - performance.now());
        continue;
      }
      await this.sendRaw(port, packets[i]);
    }
  }

  /**
   * Decodes what one source sent from `since` (performance.now()) on, placed by RTP
   * timestamp (gaps and DTX as silence) and resampled to `rate`.
   */
  decodeReceived(rate: number, ssrc?: number, since = 0): Int16Array {
    const from = ssrc ?? this.received.find((r) => r.pt !== 101 && r.at >= since)?.ssrc;
    const pkts = this.received.filter((r) =>
      r.ssrc === from && r.pt === this.payloadType && r.at >= since
    );
    if (pkts.length === 0) return new Int16Array(0);
    const first = pkts[0].seq;
    const order = (s: number) => (s - first) & 0xffff;
    pkts.sort((a, b) => order(a.seq) - order(b.seq));
    const dec = createDecoder({ codec: this.codec, mixRate: this.mixRate });
    const frame = this.pcmRate / 50;
    const clock = CODEC_INFO[this.codec].clockRate;
    const unitsPerSample = clock / this.pcmRate;
    // Position 0 is `since` itself: a sender in DTX may send nothing for a while, so
    // the first packet's timestamp is moved back by how long after `since` it came.
    // That delay is the smallest any packet shows (arrival minus its timestamp's
    // offset from the first): a stalled test process receives late, never early.
    let delayMs = Infinity;
    for (const p of pkts) {
      const offsetMs = ((p.ts - pkts[0].ts) | 0) * 1000 / clock;
      delayMs = Math.min(delayMs, p.at - since - offsetMs);
    }
    const base = since
      ? (pkts[0].ts -
        Math.round(Math.max(0, delayMs) * clock / 1000 / (clock / 50)) * (clock / 50)) >>> 0
      : pkts[0].ts;
    // Length from the timestamps, not the packet count: DTX and skipped ticks leave gaps.
    const span = Math.max(...pkts.map((p) => ((p.ts - base) >>> 0) / unitsPerSample));
    const out = new Int16Array(span + frame * 7);
    for (const p of pkts) {
      const at = Math.round(((p.ts - base) >>> 0) / unitsPerSample);
      if (at + frame * 6 > out.length) continue;
      dec.decode(p.payload, out.subarray(at, at + frame * 6));
    }
    dec.close();
    if (rate === this.pcmRate) return out;
    const rs = new SpeexResampler(this.pcmRate, rate);
    const res = new Int16Array(Math.ceil(out.length * rate / this.pcmRate) + 64);
    const n = rs.process(out, res);
    rs.close();
    return res.subarray(0, n);
  }

  close(): void {
    this.#closed = true;
    this.sock.close();
  }
}

// RTP traffic for media benchmarks: many streams paced from one socket by the same
// drift-free tick the media workers use, and a recorder for what comes back.

import type { Codec } from "../guard/mod.ts";
import { CODEC_INFO } from "../media/codecs/catalog.ts";
import { createEncoder, pcmRateOf } from "../media/codecs/frame_codec.ts";
import { Ticker } from "../media/engine/clock.ts";
import { parseRtp, serializeRtp } from "../media/rtp/mod.ts";
import { g711Decode } from "../media/codecs/g711.ts";

/** Pre-encoded 20 ms payloads of a signal, cycled by a stream. */
export function encodeFrames(codec: Codec, mixRate: number, pcm: Int16Array): Uint8Array[] {
  const enc = createEncoder({ codec, mixRate, fmtp: "annexb=no" });
  const frame = pcmRateOf(codec, mixRate) / 50;
  const buf = new Uint8Array(4000);
  const out: Uint8Array[] = [];
  for (let at = 0; at + frame <= pcm.length; at += frame) {
    out.push(buf.slice(0, enc.encode(pcm.subarray(at, at + frame), buf)));
  }
  enc.close();
  return out;
}

export interface Stream {
  port: number;
  payloadType: number;
  codec: Codec;
  frames: Uint8Array[];
  seq: number;
  ts: number;
  ssrc: number;
  /** Called before each send; may swap the payload (markers). */
  onSend?: (index: number, sentAt: number) => Uint8Array | undefined;
  index: number;
  /** Socket to send from (a recorder's, so Council latches onto it); the load's own by default. */
  from?: Deno.DatagramConn;
}

export class RtpLoad {
  readonly sock = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  readonly streams: Stream[] = [];
  readonly #ticker = new Ticker(() => this.#tick());
  sent = 0;

  add(
    port: number,
    codec: Codec,
    payloadType: number,
    frames: Uint8Array[],
    from?: Deno.DatagramConn,
  ): Stream {
    const s: Stream = {
      from,
      port,
      codec,
      payloadType,
      frames,
      seq: 1,
      ts: 1000,
      ssrc: crypto.getRandomValues(new Uint32Array(1))[0],
      index: 0,
    };
    this.streams.push(s);
    return s;
  }

  start(): void {
    this.#ticker.start();
    // Drain what Council sends back to this socket, so it costs the kernel nothing.
    (async () => {
      try {
        for await (const _ of this.sock) { /* discard */ }
      } catch { /* closed */ }
    })();
  }

  #tick(): void {
    const now = performance.now();
    for (const s of this.streams) {
      const payload = s.onSend?.(s.index, now) ?? s.frames[s.index % s.frames.length];
      const packet = serializeRtp({
        marker: s.index === 0,
        payloadType: s.payloadType,
        sequenceNumber: s.seq,
        timestamp: s.ts,
        ssrc: s.ssrc,
        payload,
      });
      s.seq = (s.seq + 1) & 0xffff;
      s.ts = (s.ts + CODEC_INFO[s.codec].clockRate / 50) >>> 0;
      s.index++;
      this.sent++;
      (s.from ?? this.sock).send(packet, { transport: "udp", hostname: "127.0.0.1", port: s.port })
        .catch(() => {});
    }
  }

  close(): void {
    this.#ticker.stop();
    this.sock.close();
  }
}

export interface Arrival {
  at: number;
  ssrc: number;
  payload: Uint8Array;
  /** Bytes of its header extension, when it has one (RFC 3550 5.3.1: 4 + data). */
  extensionBytes: number;
}

/** 20 ms of a loud tone at `rate`: the latency benches' marker. */
export function markerTone(rate: number): Int16Array {
  return new Int16Array(rate / 50).map((_, i) =>
    Math.round(12000 * Math.sin(i * 2 * Math.PI / 16))
  );
}

/** When G.711 (u-law) packets that decode loud arrived: the markers heard. */
export function loudArrivals(arrivals: Arrival[]): number[] {
  return arrivals.filter((a) => {
    const pcm = g711Decode("ulaw", a.payload);
    let e = 0;
    for (const x of pcm) e += x * x;
    return Math.sqrt(e / pcm.length) > 3000;
  }).map((a) => a.at);
}

/** A socket that records every RTP packet that reaches it. */
export class RtpRecorder {
  readonly sock = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  readonly arrivals: Arrival[] = [];

  constructor() {
    (async () => {
      try {
        for await (const [data] of this.sock) {
          const at = performance.now();
          if (data[1] >= 192 && data[1] <= 223) continue;
          const p = parseRtp(data);
          this.arrivals.push({
            at,
            ssrc: p.ssrc,
            payload: p.payload.slice(),
            extensionBytes: p.extension ? 4 + p.extension.data.length : 0,
          });
        }
      } catch { /* closed */ }
    })();
  }

  get port(): number {
    return (this.sock.addr as Deno.NetAddr).port;
  }

  close(): void {
    this.sock.close();
  }
}

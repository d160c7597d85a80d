// A broadcast feed over SRT (docs/provenance.md "Broadcast feeds", rooms/feeds.ts):
// SRT carries the audio as raw 16-bit PCM, 16 kHz mono, little-endian (what ffmpeg
// and GStreamer call s16le), 20 ms (640 bytes) a message; inside Council the feed is
// an ordinary media leg whose codec is L16/16000 (RFC 3551: big-endian), its RTP on
// loopback between this bridge and the leg's media worker. The bridge runs in a
// worker of its own (workers/srt_worker.ts), polling both sockets every few ms:
//
//   in   an SRT listener (the far end calls it), taking one caller from the source
//        host the operator named; its bytes become 20 ms RTP frames to the leg.
//   out  an SRT caller to the far end's listener (called again while it is away);
//        the leg's mix arrives as RTP and goes out as messages.
//
// Why raw PCM and not MPEG-TS: SRT moves bytes, and every production tool that
// speaks SRT reads raw PCM given its format (`-f s16le -ar 16000 -ac 1`); a TS
// muxer for Opus would be most of this feature's code for no gain in what is heard.

import { SRT_MAX_MESSAGE, SrtSocket, type SrtState } from "../native/srt.ts";
import { UdpSocket } from "../native/mod.ts";
import { parseRtp, RtpError, serializeRtp } from "./rtp/mod.ts";

/** 20 ms of 16 kHz 16-bit mono. */
export const SRT_FRAME_BYTES = 640;
const FRAME_SAMPLES = 320;
/** Bytes an ingest may hold unframed before the oldest are dropped (a flood). */
const MAX_PENDING = 64 * SRT_FRAME_BYTES;
const RECONNECT_MS = 1000;

export interface SrtBridgeSpec {
  direction: "in" | "out";
  /** in: Council's SRT listener (port 0: any). out: the far end's listener. */
  srt: { host: string; port: number };
  /** in: the only host a caller is taken from. */
  sourceHost?: string;
  /** The feed leg's RTP port on loopback, and its payload type for L16. */
  leg: { host: string; port: number; payloadType: number };
  latencyMs?: number;
}

export interface SrtBridgeStatus {
  /** The SRT port Council listens on (in) or calls (out). */
  srtPort: number;
  /** The bridge's own RTP port (the leg's remote). */
  rtpPort: number;
  state: SrtState | "waiting";
  peer?: string;
  messagesIn: number;
  messagesOut: number;
  /** Callers refused for coming from another host than the source. */
  refused: number;
}

/** Big-endian <-> little-endian 16-bit samples, in place. */
export function swap16(bytes: Uint8Array): Uint8Array {
  for (let i = 0; i + 1 < bytes.length; i += 2) {
    const t = bytes[i];
    bytes[i] = bytes[i + 1];
    bytes[i + 1] = t;
  }
  return bytes;
}

/** One SRT feed's relay between SRT and its media leg's RTP. */
export class SrtBridge {
  readonly #rtp: UdpSocket;
  #listener?: SrtSocket;
  #peer?: SrtSocket;
  #retryAt = 0;
  #pending = new Uint8Array(0);
  #seq = crypto.getRandomValues(new Uint16Array(1))[0];
  #ts = crypto.getRandomValues(new Uint32Array(1))[0];
  readonly #ssrc = crypto.getRandomValues(new Uint32Array(1))[0];
  readonly #buf = new Uint8Array(1500);
  readonly status: SrtBridgeStatus;

  constructor(private spec: SrtBridgeSpec) {
    this.#rtp = new UdpSocket(spec.leg.host, 0);
    if (spec.direction === "in") {
      this.#listener = SrtSocket.listen(spec.srt.host, spec.srt.port, spec.latencyMs);
    }
    this.status = {
      srtPort: this.#listener?.port ?? spec.srt.port,
      rtpPort: this.#rtp.port,
      state: "waiting",
      messagesIn: 0,
      messagesOut: 0,
      refused: 0,
    };
  }

  /** The leg's RTP port, known once the leg is open (it needs this bridge's port first). */
  useLegPort(port: number): void {
    this.spec = { ...this.spec, leg: { ...this.spec.leg, port } };
  }

  /** One pass over both sockets; `now` in ms. */
  poll(now: number): void {
    if (this.spec.direction === "in") this.#ingest();
    else this.#output(now);
    this.status.state = this.#peer?.state ?? "waiting";
  }

  #ingest(): void {
    if (!this.spec.leg.port) return; // the leg is not open yet
    if (!this.#peer) {
      const caller = this.#listener!.accept();
      if (!caller) return;
      if (this.spec.sourceHost && caller.peerHost !== this.spec.sourceHost) {
        // The media source lock, as for RTP feeds: only the named host's program.
        this.status.refused++;
        caller.close();
        return;
      }
      this.#peer = caller;
      this.status.peer = caller.peerHost;
    }
    if (this.#peer.state === "broken" || this.#peer.state === "closed") {
      this.#peer.close();
      this.#peer = undefined;
      return;
    }
    for (;;) {
      const n = this.#peer.recv(this.#buf);
      if (n <= 0) break;
      this.status.messagesIn++;
      this.#take(this.#buf.subarray(0, n));
    }
  }

  /** Bytes of the program into 20 ms L16 frames to the leg. */
  #take(bytes: Uint8Array): void {
    const all = new Uint8Array(this.#pending.length + bytes.length);
    all.set(this.#pending);
    all.set(bytes, this.#pending.length);
    let at = Math.max(0, all.length - MAX_PENDING);
    at -= at % 2;
    for (; at + SRT_FRAME_BYTES <= all.length; at += SRT_FRAME_BYTES) {
      const payload = swap16(all.slice(at, at + SRT_FRAME_BYTES));
      this.#rtp.send(
        serializeRtp({
          marker: false,
          payloadType: this.spec.leg.payloadType,
          sequenceNumber: this.#seq,
          timestamp: this.#ts,
          ssrc: this.#ssrc,
          payload,
        }),
        this.spec.leg.host,
        this.spec.leg.port,
      );
      this.#seq = (this.#seq + 1) & 0xffff;
      this.#ts = (this.#ts + FRAME_SAMPLES) >>> 0;
    }
    this.#pending = all.slice(at);
  }

  #output(now: number): void {
    if (this.#peer && (this.#peer.state === "broken" || this.#peer.state === "closed")) {
      this.#peer.close();
      this.#peer = undefined;
      this.#retryAt = now + RECONNECT_MS;
    }
    if (!this.#peer && now >= this.#retryAt) {
      this.#peer = SrtSocket.connect(this.spec.srt.host, this.spec.srt.port, this.spec.latencyMs);
      this.status.peer = `${this.spec.srt.host}:${this.spec.srt.port}`;
    }
    for (const d of this.#rtp.poll()) {
      // Only the leg's packets, from its port on loopback.
      if (d.port !== this.spec.leg.port) continue;
      let packet;
      try {
        packet = parseRtp(d.data);
      } catch (err) {
        if (err instanceof RtpError) continue;
        throw err;
      }
      if (packet.payloadType !== this.spec.leg.payloadType) continue;
      if (this.#peer?.state !== "connected") continue; // nobody to hear it yet
      const pcm = swap16(packet.payload.slice(0, SRT_MAX_MESSAGE));
      if (this.#peer.send(pcm)) this.status.messagesOut++;
    }
  }

  close(): void {
    this.#peer?.close();
    this.#listener?.close();
    this.#rtp.close();
  }
}

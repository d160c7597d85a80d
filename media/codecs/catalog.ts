// What Council knows of each audio codec: how SDP names it (RFC 3551 table 4 for the
// static payload types), its RTP clock, and the PCM rate its coder works at.

import type { Codec } from "../../guard/mod.ts";

export interface CodecInfo {
  readonly rtpName: string;
  /** RTP timestamp units per second. */
  readonly clockRate: number;
  readonly channels?: number;
  readonly staticPt?: number;
  /** fmtp Council offers. */
  readonly fmtp?: string;
  /** PCM rate of the coder; undefined means "the room's mix rate" (Opus runs at any). */
  readonly pcmRate?: number;
  /** Nominal IP bandwidth of a 20 ms stream, kbps (payload + RTP/UDP/IPv4 headers). */
  readonly streamKbps: number;
  /** false: Council never lists it in offers of its own (SIP calls out), only answers it. */
  readonly offered?: false;
}

export const CODEC_INFO: Readonly<Record<Codec, CodecInfo>> = {
  opus: {
    rtpName: "opus",
    clockRate: 48000,
    channels: 2,
    fmtp: "minptime=10;useinbandfec=1",
    streamKbps: 56,
  },
  // G.722 samples at 16 kHz but its RTP clock is 8000 (RFC 3551 section 4.5.2's historical error).
  G722: { rtpName: "G722", clockRate: 8000, staticPt: 9, pcmRate: 16000, streamKbps: 80 },
  PCMU: { rtpName: "PCMU", clockRate: 8000, staticPt: 0, pcmRate: 8000, streamKbps: 80 },
  PCMA: { rtpName: "PCMA", clockRate: 8000, staticPt: 8, pcmRate: 8000, streamKbps: 80 },
  G729: { rtpName: "G729", clockRate: 8000, staticPt: 18, pcmRate: 8000, streamKbps: 24 },
  // 16-bit linear PCM, mono, 16 kHz (RFC 3551 4.5.11; RFC 2586 for the MIME type): no
  // static payload type at this rate. 640 payload bytes a 20 ms packet: 256 kbps + 16.
  L16: {
    rtpName: "L16",
    clockRate: 16000,
    channels: 1,
    pcmRate: 16000,
    streamKbps: 272,
    offered: false,
  },
};

/** A dynamic payload type for L16/16000 where Council picks one (the agent leg's RTP). */
export const L16_PAYLOAD_TYPE = 96;

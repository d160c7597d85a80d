// What a room's mediasoup Router speaks, in one place (as mediasoup's own ortc.ts
// keeps negotiation in one module). Audio is Opus only: browsers all have it, and
// the MCU transcodes it to whatever SIP and H.323 members use. Video is forwarded,
// never transcoded, so the router offers what browsers encode in hardware or
// software everywhere: VP8, and H.264 constrained baseline (RFC 6184) for Safari.

import type { types } from "mediasoup";

export const OPUS_PAYLOAD_TYPE = 100;

/** Retransmission, keyframe requests and both bandwidth estimators, for every video codec. */
const VIDEO_FEEDBACK: types.RtcpFeedback[] = [
  { type: "nack" },
  { type: "nack", parameter: "pli" },
  { type: "ccm", parameter: "fir" },
  { type: "goog-remb" },
  { type: "transport-cc" },
];

export const ROUTER_CODECS: types.RouterRtpCodecCapability[] = [
  {
    kind: "audio",
    mimeType: "audio/opus",
    preferredPayloadType: OPUS_PAYLOAD_TYPE,
    clockRate: 48000,
    channels: 2,
    // In-band FEC survives the loss browsers see on Wi-Fi; DTX is off because the
    // mix worker treats a silent leg as dead after its inactivity timeout.
    parameters: { useinbandfec: 1, minptime: 10 },
    rtcpFeedback: [{ type: "transport-cc" }],
  },
  {
    kind: "video",
    mimeType: "video/VP8",
    preferredPayloadType: 101,
    clockRate: 90000,
    rtcpFeedback: VIDEO_FEEDBACK,
  },
  {
    kind: "video",
    mimeType: "video/H264",
    preferredPayloadType: 103,
    clockRate: 90000,
    parameters: {
      "packetization-mode": 1,
      "profile-level-id": "42e01f",
      "level-asymmetry-allowed": 1,
    },
    rtcpFeedback: VIDEO_FEEDBACK,
  },
];

/** The fmtp the MCU's Opus leg is told (matches the router's Opus parameters). */
export const OPUS_FMTP = "minptime=10;useinbandfec=1";

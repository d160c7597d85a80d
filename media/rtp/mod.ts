// RTP (RFC 3550): packets and per-source sequence bookkeeping.
export {
  isRtcp,
  MAX_RTP_PACKET,
  parseRtp,
  RtpError,
  type RtpHeaderExtension,
  type RtpPacket,
  serializeRtp,
} from "./packet.ts";
export { seqNewer, SequenceTracker, type SeqVerdict } from "./sequence.ts";
export {
  DTMF_DIGITS,
  dtmfPackets,
  DtmfReceiver,
  parseTelephoneEvent,
  serializeTelephoneEvent,
  type TelephoneEvent,
} from "./dtmf.ts";

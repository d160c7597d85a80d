export {
  ntpMiddle,
  ntpTime,
  parseRtcp,
  type ReportBlock,
  type ReportOptions,
  RtcpError,
  type RtcpPacket,
  type SenderInfo,
  serializeReport,
} from "./packet.ts";
export { ReceptionStats, roundTripMs } from "./reception.ts";

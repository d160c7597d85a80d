// SDP offer/answer for audio (RFC 3264, RFC 8866), on sdp-transform.
export {
  acceptAnswer,
  answerOffer,
  type AudioAgreement,
  createOffer,
  type Direction,
  type Endpoint,
  MAX_SDP_BYTES,
  offeredCodecs,
  parseSdp,
  SdpError,
  type SrtpMode,
} from "./negotiate.ts";
export {
  chooseCrypto,
  cryptoLine,
  isSecureProfile,
  newSrtpKey,
  type SdpCrypto,
  type SrtpKeys,
} from "./sdes.ts";

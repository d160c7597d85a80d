// FFI bindings to the native codec libraries. Each opens its library on first use;
// loadAll() opens them all, so a missing library fails at startup with its package.

import { loadBcg729 } from "./bcg729.ts";
import { loadOpus } from "./opus.ts";
import { loadSpandsp } from "./spandsp.ts";
import { loadSpeexdsp } from "./speexdsp.ts";
import { shim } from "./_shim.ts";
import { loadSrtp } from "./srtp.ts";

export { NativeLibraryError } from "./_library.ts";
export {
  G729_FRAME_BYTES,
  G729_FRAME_SAMPLES,
  G729_SID_BYTES,
  G729Decoder,
  G729Encoder,
} from "./bcg729.ts";
export {
  OPUS_MAX_PACKET,
  OPUS_RATES,
  OpusDecoder,
  OpusEncoder,
  type OpusEncoderOptions,
  OpusError,
} from "./opus.ts";
export { Concealer, G722Decoder, G722Encoder } from "./spandsp.ts";
export { SpeexResampler, VOIP_QUALITY } from "./speexdsp.ts";
export { realtimeThread } from "./realtime.ts";
export {
  loadSrtp,
  SRTP_KEY_SALT_BYTES,
  SRTP_SUITES,
  SrtpError,
  SrtpSession,
  type SrtpSuite,
  type Unprotected,
} from "./srtp.ts";
export {
  closeDescriptor,
  type Datagram,
  ipv4ToNumber,
  MAX_DATAGRAM,
  UdpError,
  UdpSocket,
} from "./udp.ts";

export function loadAll(): void {
  loadBcg729();
  loadOpus();
  loadSpandsp();
  loadSpeexdsp();
  loadSrtp();
  shim();
}

// RTP packets (RFC 3550 section 5.1): strict parsing with a reason for every
// refusal, and serialization. Parsing never allocates beyond views into the input.

export const RTP_VERSION = 2;
const FIXED_HEADER = 12;
/** A UDP datagram cannot carry more. */
export const MAX_RTP_PACKET = 65535;

export interface RtpHeaderExtension {
  profile: number;
  data: Uint8Array;
}

export interface RtpPacket {
  marker: boolean;
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  csrcs: number[];
  extension?: RtpHeaderExtension;
  payload: Uint8Array;
  /** Padding bytes that followed the payload (RFC 3550 5.1, P bit). */
  paddingLength: number;
}

export class RtpError extends Error {
  override name = "RtpError";
}

/**
 * Whether a datagram on a muxed port is RTCP rather than RTP (RFC 5761 section 4:
 * RTCP packet types 192-223 occupy what would be RTP payload types 64-95).
 */
export function isRtcp(data: Uint8Array): boolean {
  return data.length >= 2 && (data[0] >> 6) === RTP_VERSION && data[1] >= 192 && data[1] <= 223;
}

export function parseRtp(data: Uint8Array): RtpPacket {
  if (data.length < FIXED_HEADER) {
    throw new RtpError(`packet of ${data.length} bytes is shorter than the RTP header`);
  }
  if (data.length > MAX_RTP_PACKET) throw new RtpError("packet larger than a UDP datagram");
  const version = data[0] >> 6;
  if (version !== RTP_VERSION) throw new RtpError(`RTP version ${version}, expected 2`);
  const padding = (data[0] & 0x20) !== 0;
  const hasExtension = (data[0] & 0x10) !== 0;
  const csrcCount = data[0] & 0x0f;
  const marker = (data[1] & 0x80) !== 0;
  const payloadType = data[1] & 0x7f;
  if (payloadType >= 72 && payloadType <= 76) {
    throw new RtpError(`payload type ${payloadType} collides with RTCP (RFC 5761)`);
  }
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let offset = FIXED_HEADER + 4 * csrcCount;
  if (offset > data.length) throw new RtpError(`${csrcCount} CSRCs run past the end of the packet`);
  const csrcs: number[] = [];
  for (let i = 0; i < csrcCount; i++) csrcs.push(view.getUint32(FIXED_HEADER + 4 * i));

  let extension: RtpHeaderExtension | undefined;
  if (hasExtension) {
    if (offset + 4 > data.length) {
      throw new RtpError("header extension runs past the end of the packet");
    }
    const profile = view.getUint16(offset);
    const words = view.getUint16(offset + 2);
    const end = offset + 4 + 4 * words;
    if (end > data.length) {
      throw new RtpError(`header extension of ${words} words runs past the end of the packet`);
    }
    extension = { profile, data: data.subarray(offset + 4, end) };
    offset = end;
  }

  let end = data.length;
  let paddingLength = 0;
  if (padding) {
    paddingLength = data[data.length - 1];
    if (paddingLength === 0) throw new RtpError("padding bit set but padding length is 0");
    if (offset + paddingLength > data.length) {
      throw new RtpError(`padding of ${paddingLength} bytes exceeds the payload`);
    }
    end -= paddingLength;
  }

  return {
    marker,
    payloadType,
    sequenceNumber: view.getUint16(2),
    timestamp: view.getUint32(4),
    ssrc: view.getUint32(8),
    csrcs,
    extension,
    payload: data.subarray(offset, end),
    paddingLength,
  };
}

export function serializeRtp(
  p:
    & Omit<RtpPacket, "paddingLength" | "csrcs">
    & Partial<Pick<RtpPacket, "paddingLength" | "csrcs">>,
): Uint8Array {
  const csrcs = p.csrcs ?? [];
  const paddingLength = p.paddingLength ?? 0;
  if (csrcs.length > 15) throw new RtpError("at most 15 CSRCs");
  if (!(p.payloadType >= 0 && p.payloadType <= 127)) {
    throw new RtpError("payload type must be 0-127");
  }
  if (paddingLength < 0 || paddingLength > 255) throw new RtpError("padding must be 0-255 bytes");
  if (p.extension && p.extension.data.length % 4 !== 0) {
    throw new RtpError("extension data must be whole 32-bit words");
  }
  const extBytes = p.extension ? 4 + p.extension.data.length : 0;
  const size = FIXED_HEADER + 4 * csrcs.length + extBytes + p.payload.length + paddingLength;
  if (size > MAX_RTP_PACKET) throw new RtpError("packet larger than a UDP datagram");
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out[0] = (RTP_VERSION << 6) | (paddingLength ? 0x20 : 0) | (p.extension ? 0x10 : 0) |
    csrcs.length;
  out[1] = (p.marker ? 0x80 : 0) | p.payloadType;
  view.setUint16(2, p.sequenceNumber & 0xffff);
  view.setUint32(4, p.timestamp >>> 0);
  view.setUint32(8, p.ssrc >>> 0);
  let offset = FIXED_HEADER;
  for (const c of csrcs) {
    view.setUint32(offset, c >>> 0);
    offset += 4;
  }
  if (p.extension) {
    view.setUint16(offset, p.extension.profile);
    view.setUint16(offset + 2, p.extension.data.length / 4);
    out.set(p.extension.data, offset + 4);
    offset += extBytes;
  }
  out.set(p.payload, offset);
  if (paddingLength) out[size - 1] = paddingLength;
  return out;
}

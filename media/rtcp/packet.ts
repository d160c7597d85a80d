// RTCP (RFC 3550 section 6): compound packets of SR, RR, SDES, BYE are parsed and
// written; other types (APP, feedback) are skipped by their length. Parsing is
// strict about lengths and bounded by the datagram.

export interface ReportBlock {
  ssrc: number;
  /** Fraction lost since the last report, 0..255 (of 256). */
  fractionLost: number;
  /** Cumulative lost, signed 24-bit. */
  cumulativeLost: number;
  extendedHighestSeq: number;
  /** Interarrival jitter in timestamp units. */
  jitter: number;
  /** Middle 32 bits of the NTP time of the last SR from that source (0: none). */
  lastSr: number;
  /** Delay since that SR, in 1/65536 s. */
  delaySinceLastSr: number;
}

export interface SenderInfo {
  ntpSec: number;
  ntpFrac: number;
  rtpTimestamp: number;
  packetCount: number;
  octetCount: number;
}

export type RtcpPacket =
  | { type: "sr"; ssrc: number; sender: SenderInfo; reports: ReportBlock[] }
  | { type: "rr"; ssrc: number; reports: ReportBlock[] }
  | { type: "sdes"; chunks: { ssrc: number; cname?: string }[] }
  | { type: "bye"; ssrcs: number[]; reason?: string }
  | { type: "other"; packetType: number };

export class RtcpError extends Error {
  override name = "RtcpError";
}

const SR = 200, RR = 201, SDES = 202, BYE = 203;
const MAX_REPORTS = 31;

export function parseRtcp(data: Uint8Array): RtcpPacket[] {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out: RtcpPacket[] = [];
  let at = 0;
  if (data.length < 4) throw new RtcpError("shorter than an RTCP header");
  while (at < data.length) {
    if (data.length - at < 4) throw new RtcpError(`trailing ${data.length - at} bytes`);
    const b0 = data[at];
    if (b0 >> 6 !== 2) throw new RtcpError(`version ${b0 >> 6}, expected 2`);
    const count = b0 & 0x1f;
    const type = data[at + 1];
    const len = (view.getUint16(at + 2) + 1) * 4;
    if (at + len > data.length) throw new RtcpError(`packet type ${type} overruns the datagram`);
    const end = at + len - ((b0 & 0x20) ? data[at + len - 1] : 0);
    if (end < at + 4) throw new RtcpError("padding longer than the packet");
    const body = at + 4;
    switch (type) {
      case SR:
      case RR: {
        const fixed = type === SR ? 24 : 4;
        if (body + fixed + count * 24 > end) {
          throw new RtcpError(`${type === SR ? "SR" : "RR"} too short for ${count} reports`);
        }
        const ssrc = view.getUint32(body);
        const reports = readBlocks(view, body + fixed, count);
        if (type === SR) {
          out.push({
            type: "sr",
            ssrc,
            sender: {
              ntpSec: view.getUint32(body + 4),
              ntpFrac: view.getUint32(body + 8),
              rtpTimestamp: view.getUint32(body + 12),
              packetCount: view.getUint32(body + 16),
              octetCount: view.getUint32(body + 20),
            },
            reports,
          });
        } else out.push({ type: "rr", ssrc, reports });
        break;
      }
      case SDES:
        out.push({ type: "sdes", chunks: readSdes(data, view, body, end, count) });
        break;
      case BYE: {
        if (body + count * 4 > end) throw new RtcpError("BYE too short for its sources");
        const ssrcs = Array.from({ length: count }, (_, i) => view.getUint32(body + i * 4));
        let reason: string | undefined;
        const r = body + count * 4;
        if (r < end) {
          const n = data[r];
          if (r + 1 + n > end) throw new RtcpError("BYE reason overruns the packet");
          reason = new TextDecoder().decode(data.subarray(r + 1, r + 1 + n));
        }
        out.push({ type: "bye", ssrcs, reason });
        break;
      }
      default:
        out.push({ type: "other", packetType: type });
    }
    at += len;
  }
  return out;
}

function readBlocks(view: DataView, at: number, count: number): ReportBlock[] {
  const blocks: ReportBlock[] = [];
  for (let i = 0; i < count; i++, at += 24) {
    const lost = view.getUint32(at + 4) & 0xffffff;
    blocks.push({
      ssrc: view.getUint32(at),
      fractionLost: view.getUint8(at + 4),
      cumulativeLost: lost & 0x800000 ? lost - 0x1000000 : lost,
      extendedHighestSeq: view.getUint32(at + 8),
      jitter: view.getUint32(at + 12),
      lastSr: view.getUint32(at + 16),
      delaySinceLastSr: view.getUint32(at + 20),
    });
  }
  return blocks;
}

function readSdes(data: Uint8Array, view: DataView, at: number, end: number, count: number) {
  const chunks: { ssrc: number; cname?: string }[] = [];
  for (let c = 0; c < count; c++) {
    if (at + 4 > end) throw new RtcpError("SDES chunk overruns the packet");
    const chunk: { ssrc: number; cname?: string } = { ssrc: view.getUint32(at) };
    at += 4;
    for (;;) {
      if (at >= end) throw new RtcpError("SDES items not terminated");
      const item = data[at];
      if (item === 0) break;
      if (at + 2 > end || at + 2 + data[at + 1] > end) {
        throw new RtcpError("SDES item overruns the packet");
      }
      if (item === 1) {
        chunk.cname = new TextDecoder().decode(data.subarray(at + 2, at + 2 + data[at + 1]));
      }
      at += 2 + data[at + 1];
    }
    at = (at + 4) & ~3; // the null item, then padding to a 32-bit boundary
    chunks.push(chunk);
  }
  return chunks;
}

export interface ReportOptions {
  ssrc: number;
  sender?: SenderInfo;
  reports: ReportBlock[];
  cname: string;
  bye?: boolean;
}

/** A compound SR or RR (+ SDES CNAME, + BYE when leaving), as RFC 3550 6.1 requires. */
export function serializeReport(options: ReportOptions): Uint8Array {
  const reports = options.reports.slice(0, MAX_REPORTS);
  const cname = new TextEncoder().encode(options.cname).subarray(0, 255);
  const reportLen = 8 + (options.sender ? 20 : 0) + reports.length * 24;
  const sdesLen = (8 + 2 + cname.length + 1 + 3) & ~3;
  const byeLen = options.bye ? 8 : 0;
  const out = new Uint8Array(reportLen + sdesLen + byeLen);
  const view = new DataView(out.buffer);
  out[0] = 0x80 | reports.length;
  out[1] = options.sender ? SR : RR;
  view.setUint16(2, reportLen / 4 - 1);
  view.setUint32(4, options.ssrc);
  let at = 8;
  if (options.sender) {
    const s = options.sender;
    view.setUint32(8, s.ntpSec);
    view.setUint32(12, s.ntpFrac);
    view.setUint32(16, s.rtpTimestamp >>> 0);
    view.setUint32(20, s.packetCount >>> 0);
    view.setUint32(24, s.octetCount >>> 0);
    at = 28;
  }
  for (const r of reports) {
    view.setUint32(at, r.ssrc);
    const lost = Math.max(-0x800000, Math.min(0x7fffff, r.cumulativeLost)) & 0xffffff;
    view.setUint32(at + 4, ((r.fractionLost & 0xff) << 24 | lost) >>> 0);
    view.setUint32(at + 8, r.extendedHighestSeq >>> 0);
    view.setUint32(at + 12, Math.min(r.jitter, 0xffffffff) >>> 0);
    view.setUint32(at + 16, r.lastSr >>> 0);
    view.setUint32(at + 20, r.delaySinceLastSr >>> 0);
    at += 24;
  }
  out[at] = 0x81;
  out[at + 1] = SDES;
  view.setUint16(at + 2, sdesLen / 4 - 1);
  view.setUint32(at + 4, options.ssrc);
  out[at + 8] = 1;
  out[at + 9] = cname.length;
  out.set(cname, at + 10);
  at += sdesLen;
  if (options.bye) {
    out[at] = 0x81;
    out[at + 1] = BYE;
    view.setUint16(at + 2, 1);
    view.setUint32(at + 4, options.ssrc);
  }
  return out;
}

/** NTP time (RFC 5905: seconds since 1900) of a wall-clock time in ms. */
export function ntpTime(unixMs: number): { sec: number; frac: number } {
  const sec = Math.floor(unixMs / 1000) + 2208988800;
  const frac = Math.floor(((unixMs % 1000) / 1000) * 0x100000000);
  return { sec: sec >>> 0, frac: frac >>> 0 };
}

/** The middle 32 bits of an NTP time, as LSR and RTT arithmetic use them. */
export function ntpMiddle(sec: number, frac: number): number {
  return ((sec & 0xffff) * 65536 + (frac >>> 16)) >>> 0;
}

// Ogg Opus (RFC 7845 over RFC 3533) for recordings: the writer Council builds a
// downloadable recording with (an identification header, a comment header, then
// one Opus packet per 20 ms frame, 50 packets a page), and a reader that takes one
// apart again for the offline verifier, checking every page's CRC and bounding
// every size. The recording's provenance rides in the comment header as the
// comment COUNCIL_PROVENANCE=<JSON> (players show or skip comments; none plays it).

import { concatBytes } from "./bytes.ts";

/** RFC 7845 5.1: granule positions count 48 kHz samples, whatever the input rate. */
export const GRANULE_RATE = 48_000;
export const PROVENANCE_COMMENT = "COUNCIL_PROVENANCE";
const VENDOR = "IF.council";
const PACKETS_PER_PAGE = 50;
/** A page holds at most 255 segments of at most 255 bytes (RFC 3533 6). */
const MAX_SEGMENTS = 255;
/** Bounds for what the reader accepts: packets of a 20 ms Opus frame, and the comment. */
const MAX_AUDIO_PACKET = 1275 * 3;
const MAX_COMMENT_BYTES = 64 * 1024 * 1024;

export class OggError extends Error {
  override name = "OggError";
}

// ---- CRC (RFC 3533 6: polynomial 0x04c11db7, no reflection, initial 0) ----------

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let k = 0; k < 8; k++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    t[i] = r >>> 0;
  }
  return t;
})();

function oggCrc(bytes: Uint8Array): number {
  let crc = 0;
  for (const b of bytes) crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ b) & 0xff]) >>> 0;
  return crc;
}

// ---- writing -----------------------------------------------------------------

/** One segment of a packet (RFC 3533 5: 255-byte pieces, a shorter one ends it). */
interface Segment {
  data: Uint8Array;
  /** Whether the packet ends with this segment. */
  end: boolean;
}

function segmentsOf(packet: Uint8Array): Segment[] {
  const out: Segment[] = [];
  let at = 0;
  while (packet.length - at >= 255) {
    out.push({ data: packet.subarray(at, at + 255), end: false });
    at += 255;
  }
  // A packet of a multiple of 255 bytes ends with an empty segment.
  out.push({ data: packet.subarray(at), end: true });
  return out;
}

function page(
  serial: number,
  sequence: number,
  segments: Segment[],
  granule: bigint,
  flags: number,
): Uint8Array {
  const body = segments.reduce((n, x) => n + x.data.length, 0);
  const out = new Uint8Array(27 + segments.length + body);
  const view = new DataView(out.buffer);
  out.set([0x4f, 0x67, 0x67, 0x53]); // "OggS"
  out[5] = flags;
  view.setBigInt64(6, granule, true);
  view.setUint32(14, serial, true);
  view.setUint32(18, sequence, true);
  out[26] = segments.length;
  out.set(segments.map((x) => x.data.length), 27);
  let at = 27 + segments.length;
  for (const x of segments) {
    out.set(x.data, at);
    at += x.data.length;
  }
  view.setUint32(22, oggCrc(out), true);
  return out;
}

/**
 * Packets onto pages: at most 255 segments and `perPage` packets a page; a packet may
 * run over pages (continued flag). `granuleAt(n)` is the granule position after the
 * first n packets; a page where no packet ends has -1 (RFC 3533 6).
 */
function paginate(
  packets: Uint8Array[],
  o: {
    serial: number;
    seq: number;
    perPage: number;
    granuleAt: (n: number) => bigint;
    first?: boolean;
    last?: boolean;
  },
): Uint8Array[] {
  const pages: Uint8Array[] = [];
  let segments: Segment[] = [];
  let ended = 0;
  let onPage = 0;
  let continued = false;
  const flush = (final: boolean) => {
    const flags = (continued ? 1 : 0) | (o.first && pages.length === 0 ? 2 : 0) |
      (o.last && final ? 4 : 0);
    const endsPacket = segments.some((x) => x.end);
    pages.push(
      page(o.serial, o.seq + pages.length, segments, endsPacket ? o.granuleAt(ended) : -1n, flags),
    );
    continued = segments.length > 0 && !segments[segments.length - 1].end;
    segments = [];
    onPage = 0;
  };
  packets.forEach((packet, i) => {
    for (const x of segmentsOf(packet)) {
      if (segments.length === MAX_SEGMENTS) flush(false);
      segments.push(x);
      if (x.end) {
        ended++;
        onPage++;
      }
    }
    if (onPage >= o.perPage && i < packets.length - 1) flush(false);
  });
  // The last page (an empty one, with no segments, for a stream of no packets).
  if (segments.length || pages.length === 0) flush(true);
  return pages;
}

function opusHead(inputRate: number, preSkip: number): Uint8Array {
  const out = new Uint8Array(19);
  const view = new DataView(out.buffer);
  out.set(new TextEncoder().encode("OpusHead"));
  out[8] = 1; // version
  out[9] = 1; // mono
  view.setUint16(10, preSkip, true);
  view.setUint32(12, inputRate, true);
  // Output gain 0, channel mapping family 0.
  return out;
}

function opusTags(comments: string[]): Uint8Array {
  const enc = new TextEncoder();
  const vendor = enc.encode(VENDOR);
  const items = comments.map((c) => enc.encode(c));
  const out = new Uint8Array(
    8 + 4 + vendor.length + 4 + items.reduce((n, c) => n + 4 + c.length, 0),
  );
  const view = new DataView(out.buffer);
  out.set(enc.encode("OpusTags"));
  view.setUint32(8, vendor.length, true);
  out.set(vendor, 12);
  let at = 12 + vendor.length;
  view.setUint32(at, items.length, true);
  at += 4;
  for (const c of items) {
    view.setUint32(at, c.length, true);
    out.set(c, at + 4);
    at += 4 + c.length;
  }
  return out;
}

export interface OggOpusInput {
  /** One Opus packet per frame, in order. */
  packets: Uint8Array[];
  /** Samples per frame at 48 kHz (960 for 20 ms). */
  frameGranules: number;
  /** The encoder's input rate (the ID header's informational rate). */
  inputRate: number;
  /** The encoder's lookahead at 48 kHz (the ID header's pre-skip). */
  preSkip: number;
  /** The provenance comment's value (JSON). */
  provenance: string;
  /** The stream's serial number. */
  serial?: number;
}

/** A whole Ogg Opus file: its two headers, each on pages of its own, then the audio. */
export function oggOpusFile(o: OggOpusInput): Uint8Array {
  const serial = o.serial ?? 0x434f554e; // "COUN"
  const head = paginate([opusHead(o.inputRate, o.preSkip)], {
    serial,
    seq: 0,
    perPage: 1,
    granuleAt: () => 0n,
    first: true,
  });
  const tags = paginate([opusTags([`${PROVENANCE_COMMENT}=${o.provenance}`])], {
    serial,
    seq: head.length,
    perPage: 1,
    granuleAt: () => 0n,
  });
  const audio = paginate(o.packets, {
    serial,
    seq: head.length + tags.length,
    perPage: PACKETS_PER_PAGE,
    granuleAt: (n) => BigInt(o.preSkip + n * o.frameGranules),
    last: true,
  });
  return concatBytes([...head, ...tags, ...audio]);
}

// ---- reading -----------------------------------------------------------------

export interface ParsedOggOpus {
  inputRate: number;
  preSkip: number;
  comments: string[];
  /** The audio packets, in order. */
  packets: Uint8Array[];
}

/** Whether the bytes start like an Ogg file. */
export const isOgg = (b: Uint8Array) =>
  b.length >= 4 && b[0] === 0x4f && b[1] === 0x67 && b[2] === 0x67 && b[3] === 0x53;

/** Reads an Ogg Opus file of one logical stream; every page's CRC is checked. */
export function parseOggOpus(file: Uint8Array): ParsedOggOpus {
  const packets: Uint8Array[] = [];
  let partial: Uint8Array[] = [];
  let at = 0;
  let serial: number | undefined;
  let expectSeq = 0;
  while (at < file.length) {
    if (file.length - at < 27 || !isOgg(file.subarray(at))) {
      throw new OggError(`no Ogg page at byte ${at}`);
    }
    const view = new DataView(file.buffer, file.byteOffset + at);
    if (file[at + 4] !== 0) throw new OggError(`page at byte ${at}: unknown Ogg version`);
    const pageSerial = view.getUint32(14, true);
    serial ??= pageSerial;
    if (pageSerial !== serial) throw new OggError(`page at byte ${at}: a second logical stream`);
    if (view.getUint32(18, true) !== expectSeq++) {
      throw new OggError(`page at byte ${at}: out of sequence (a page is missing)`);
    }
    const segments = file[at + 26];
    const headerLen = 27 + segments;
    if (file.length - at < headerLen) throw new OggError(`page at byte ${at} is cut short`);
    const lacing = file.subarray(at + 27, at + headerLen);
    const bodyLen = lacing.reduce((n, l) => n + l, 0);
    if (file.length - at < headerLen + bodyLen) {
      throw new OggError(`page at byte ${at} is cut short`);
    }
    const whole = file.slice(at, at + headerLen + bodyLen);
    const crc = new DataView(whole.buffer).getUint32(22, true);
    whole.fill(0, 22, 26);
    if (oggCrc(whole) !== crc) throw new OggError(`page at byte ${at}: its CRC does not match`);
    let body = at + headerLen;
    for (const l of lacing) {
      partial.push(file.subarray(body, body + l));
      body += l;
      if (l < 255) {
        packets.push(concatBytes(partial));
        partial = [];
      }
    }
    at += headerLen + bodyLen;
  }
  if (partial.length) throw new OggError("the last packet is cut short");
  if (packets.length < 2) throw new OggError("not an Ogg Opus stream: its headers are missing");
  const [head, tags, ...audio] = packets;
  const text = new TextDecoder();
  if (head.length < 19 || text.decode(head.subarray(0, 8)) !== "OpusHead") {
    throw new OggError("the first packet is not an Opus identification header");
  }
  if (head[9] !== 1) throw new OggError("a recording is mono");
  const hv = new DataView(head.buffer, head.byteOffset, head.byteLength);
  if (tags.length < 16 || text.decode(tags.subarray(0, 8)) !== "OpusTags") {
    throw new OggError("the second packet is not an Opus comment header");
  }
  if (tags.length > MAX_COMMENT_BYTES) throw new OggError("the comment header is too large");
  const comments: string[] = [];
  const tv = new DataView(tags.buffer, tags.byteOffset, tags.byteLength);
  let p = 8;
  const take = () => {
    if (p + 4 > tags.length) throw new OggError("the comment header is cut short");
    const n = tv.getUint32(p, true);
    if (p + 4 + n > tags.length) throw new OggError("a comment runs past its header");
    const s = text.decode(tags.subarray(p + 4, p + 4 + n));
    p += 4 + n;
    return s;
  };
  take(); // vendor
  if (p + 4 > tags.length) throw new OggError("the comment header is cut short");
  const count = tv.getUint32(p, true);
  p += 4;
  if (count > 1000) throw new OggError("too many comments");
  for (let i = 0; i < count; i++) comments.push(take());
  for (const a of audio) {
    if (a.length === 0 || a.length > MAX_AUDIO_PACKET) {
      throw new OggError(`an audio packet of ${a.length} bytes is not an Opus frame`);
    }
  }
  return {
    inputRate: hv.getUint32(12, true),
    preSkip: hv.getUint16(10, true),
    comments,
    packets: audio,
  };
}

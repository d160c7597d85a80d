// TPKT (RFC 1006 section 6): H.225.0 call signalling and H.245 on TCP carry each
// message in a 4-octet header (version 3, reserved, 16-bit length including the
// header). The reader reassembles messages from a byte stream with a bounded buffer.

export class TpktError extends Error {
  override name = "TpktError";
}

const HEADER = 4;
/** The largest TPKT (the length field's range). */
export const TPKT_MAX = 65535;

export function frameTpkt(payload: Uint8Array): Uint8Array {
  const length = payload.length + HEADER;
  if (length > TPKT_MAX) throw new TpktError(`message of ${payload.length} octets exceeds TPKT`);
  const out = new Uint8Array(length);
  out[0] = 3;
  out[2] = length >> 8;
  out[3] = length & 0xff;
  out.set(payload, HEADER);
  return out;
}

/**
 * Splits a TCP byte stream into TPKT payloads. push() returns the complete
 * messages so far and throws TpktError on a header that is not TPKT version 3
 * or announces an impossible length: the stream cannot be resynchronised then,
 * so the caller closes the connection. At most one message (64 KB) is buffered.
 */
export class TpktReader {
  #buf = new Uint8Array(0);

  push(chunk: Uint8Array): Uint8Array[] {
    const buf = this.#buf.length ? concat(this.#buf, chunk) : chunk;
    const out: Uint8Array[] = [];
    let at = 0;
    while (buf.length - at >= HEADER) {
      if (buf[at] !== 3) throw new TpktError(`TPKT version ${buf[at]}, expected 3`);
      const length = (buf[at + 2] << 8) | buf[at + 3];
      if (length <= HEADER) throw new TpktError(`TPKT length ${length} is too short`);
      if (buf.length - at < length) break;
      out.push(buf.slice(at + HEADER, at + length));
      at += length;
    }
    this.#buf = buf.slice(at);
    return out;
  }

  /** Octets of an incomplete message held back. */
  get pending(): number {
    return this.#buf.length;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

// Where each HTTP/1.1 request on a connection starts and ends (RFC 9112 section 6:
// Content-Length or chunked), read from the bytes the front passes through, so its
// header, body and idle timers know which phase a connection is in. It frames only;
// the server behind parses for real. It returns the bytes to pass on: a head is held
// until complete, then passed with one header set by the front (the peer's address,
// which the app cannot learn through the Unix socket) and any copy of that header
// from the client removed. Bytes it cannot frame switch it to "lost"; they pass on
// as they are and the front falls back to the idle timer alone.

export type Phase = "between" | "head" | "body" | "upgraded" | "lost";

export interface RequestHead {
  readonly method: string;
  readonly target: string;
  /** The request asks for a WebSocket (Upgrade: websocket). */
  readonly websocket: boolean;
}

export interface FramerEvents {
  /** The first byte of a request head arrived. */
  started(): void;
  /** A whole head arrived; returning false stops framing (the front refuses it). */
  head(h: RequestHead): boolean;
  /** The request's body (if any) is complete. */
  ended(): void;
}

const CRLFCRLF = [13, 10, 13, 10];
const decoder = new TextDecoder("latin1");

export class RequestFramer {
  phase: Phase = "between";
  /** Why framing stopped: a head over maxHead (answered 431), or bytes it cannot frame. */
  lostBy?: "head_too_large" | "unframeable" | "refused";
  #head: Uint8Array[] = [];
  #headBytes = 0;
  #bodyLeft = 0;
  #chunked = false;
  // Chunked sub-state: reading a size line, data, the CRLF after data, or trailers.
  #chunk: "size" | "data" | "crlf" | "trailer" = "size";
  #line = "";

  #out: Uint8Array[] = [];
  readonly #setHeader?: { name: string; line: Uint8Array };

  /**
   * `setHeader` names a header the front sets on every request (lower case) and
   * its value; a client's own copies of it are dropped.
   */
  constructor(
    private readonly events: FramerEvents,
    private readonly maxHead = 64 * 1024,
    setHeader?: { name: string; value: string },
  ) {
    if (setHeader) {
      this.#setHeader = {
        name: setHeader.name.toLowerCase(),
        line: latin1(`${setHeader.name}: ${setHeader.value}\r\n`),
      };
    }
  }

  /**
   * Frames one chunk from the client; returns what to pass on (views of `bytes`
   * or copies; valid until the next push).
   */
  push(bytes: Uint8Array): Uint8Array[] {
    this.#out = [];
    let i = 0;
    while (i < bytes.length) {
      switch (this.phase) {
        case "upgraded":
        case "lost":
          this.#out.push(bytes.subarray(i));
          return this.#out;
        case "between":
          // RFC 9112 2.2: empty lines before a request line are ignored.
          if (bytes[i] === 13 || bytes[i] === 10) {
            i++;
            continue;
          }
          this.phase = "head";
          this.#head = [];
          this.#headBytes = 0;
          this.events.started();
          continue;
        case "head":
          i = this.#pushHead(bytes, i);
          continue;
        case "body": {
          const from = i;
          i = this.#chunked ? this.#pushChunked(bytes, i) : this.#pushLength(bytes, i);
          this.#out.push(bytes.subarray(from, i));
          continue;
        }
      }
    }
    return this.#out;
  }

  #pushHead(bytes: Uint8Array, from: number): number {
    const part = bytes.subarray(from);
    // The end may straddle chunks: search the tail of what came before too.
    const prev = this.#headBytes;
    this.#head.push(part);
    this.#headBytes += part.length;
    const all = prev === 0 ? part : concat(this.#head, this.#headBytes);
    const end = indexOfSeq(all, CRLFCRLF, Math.max(0, prev - 3));
    if (end < 0) {
      if (this.#headBytes > this.maxHead) this.#lose("head_too_large");
      // Kept as a copy: the caller reuses its read buffer.
      else this.#head = [all === part ? part.slice() : all];
      return bytes.length;
    }
    const headLen = end + 4;
    if (headLen > this.maxHead) {
      this.#lose("head_too_large");
      return bytes.length;
    }
    const consumed = headLen - prev;
    this.#head = [];
    this.#headBytes = 0;
    const head = all.subarray(0, headLen);
    this.#onHead(decoder.decode(all.subarray(0, end)));
    if (this.lostBy !== "refused") this.#out.push(this.#rewrite(head));
    return from + consumed;
  }

  /** The head with the front's header set and the client's copies of it removed. */
  #rewrite(head: Uint8Array): Uint8Array {
    const set = this.#setHeader;
    if (!set) return head.slice();
    const parts: Uint8Array[] = [];
    // Line by line; the last line is the empty one that ends the head.
    for (let at = 0; at < head.length;) {
      const nl = head.indexOf(10, at);
      const next = nl < 0 ? head.length : nl + 1;
      const line = head.subarray(at, next);
      if (next === head.length) parts.push(set.line);
      if (!(at > 0 && startsWithName(line, set.name))) parts.push(line);
      at = next;
    }
    return concat(parts, parts.reduce((n, p) => n + p.length, 0));
  }

  #onHead(text: string): void {
    const lines = text.split("\r\n");
    const [method = "", target = ""] = lines[0].split(" ");
    let length: number | undefined;
    let chunked = false;
    let websocket = false;
    for (let k = 1; k < lines.length; k++) {
      const colon = lines[k].indexOf(":");
      if (colon <= 0) continue;
      const name = lines[k].slice(0, colon).trim().toLowerCase();
      const value = lines[k].slice(colon + 1).trim().toLowerCase();
      if (name === "content-length") {
        if (!/^[0-9]{1,15}$/.test(value) || (length !== undefined && length !== Number(value))) {
          this.#lose("unframeable");
          return;
        }
        length = Number(value);
      } else if (name === "transfer-encoding") {
        chunked = value.split(",").at(-1)?.trim() === "chunked";
      } else if (name === "upgrade") {
        websocket = value.split(",").some((v) => v.trim() === "websocket");
      }
    }
    if (!this.events.head({ method, target, websocket })) {
      this.#lose("refused");
      return;
    }
    if (websocket && method === "GET") {
      // After the 101 the bytes are frames, not requests.
      this.phase = "upgraded";
      return;
    }
    this.#chunked = chunked;
    this.#bodyLeft = chunked ? 0 : length ?? 0;
    this.#chunk = "size";
    this.#line = "";
    if (!chunked && this.#bodyLeft === 0) this.#end();
    else this.phase = "body";
  }

  #pushLength(bytes: Uint8Array, i: number): number {
    const take = Math.min(this.#bodyLeft, bytes.length - i);
    this.#bodyLeft -= take;
    if (this.#bodyLeft === 0) this.#end();
    return i + take;
  }

  #pushChunked(bytes: Uint8Array, i: number): number {
    while (i < bytes.length && this.phase === "body") {
      if (this.#chunk === "data") {
        const take = Math.min(this.#bodyLeft, bytes.length - i);
        this.#bodyLeft -= take;
        i += take;
        if (this.#bodyLeft === 0) this.#chunk = "crlf";
        continue;
      }
      // Size lines, the CRLF after data and trailer lines are read a line at a time.
      const nl = bytes.indexOf(10, i);
      const upto = nl < 0 ? bytes.length : nl + 1;
      this.#line += decoder.decode(bytes.subarray(i, upto));
      i = upto;
      if (this.#line.length > 4096) {
        this.#lose("unframeable");
        break;
      }
      if (nl < 0) break;
      const line = this.#line.trim();
      this.#line = "";
      if (this.#chunk === "crlf") {
        if (line !== "") this.#lose("unframeable");
        this.#chunk = "size";
      } else if (this.#chunk === "size") {
        const m = /^([0-9a-fA-F]{1,12})(?:;.*)?$/.exec(line);
        if (!m) {
          this.#lose("unframeable");
          break;
        }
        this.#bodyLeft = parseInt(m[1], 16);
        this.#chunk = this.#bodyLeft === 0 ? "trailer" : "data";
      } else if (line === "") {
        this.#end();
      }
    }
    return i;
  }

  #lose(why: "head_too_large" | "unframeable" | "refused"): void {
    this.phase = "lost";
    this.lostBy = why;
  }

  #end(): void {
    this.phase = "between";
    this.events.ended();
  }
}

/** Whether a header line is `name:` (case-insensitive, optional space before the colon). */
function startsWithName(line: Uint8Array, name: string): boolean {
  if (line.length <= name.length) return false;
  for (let k = 0; k < name.length; k++) {
    if ((line[k] | 0x20) !== name.charCodeAt(k) && line[k] !== name.charCodeAt(k)) return false;
  }
  let k = name.length;
  while (line[k] === 32 || line[k] === 9) k++;
  return line[k] === 58; // ':'
}

function latin1(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let k = 0; k < text.length; k++) out[k] = text.charCodeAt(k) & 0xff;
  return out;
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

function indexOfSeq(hay: Uint8Array, seq: number[], from: number): number {
  for (let i = hay.indexOf(seq[0], from); i >= 0 && i <= hay.length - seq.length;) {
    let k = 1;
    while (k < seq.length && hay[i + k] === seq[k]) k++;
    if (k === seq.length) return i;
    i = hay.indexOf(seq[0], i + 1);
  }
  return -1;
}

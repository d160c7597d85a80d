// Parses SIP messages from datagrams and TCP streams (RFC 3261 sections 7 and 18.3)
// and checks what the RFC 4475 torture tests check: request line shape, version,
// Content-Length against the bytes there are, single-instance headers, CSeq method,
// and the syntax of every header the stack reads. Work and memory are bounded by
// the caps in ParseLimits; an invalid request carries what is needed to answer it.

import {
  CALL_ID_RE,
  clip,
  parseCSeq,
  parseDeltaSeconds,
  parseNameAddr,
  parseUri,
  parseVia,
  SipSyntaxError,
  TOKEN_RE,
  type Uri,
} from "./grammar.ts";
import { COMPACT, type Header, Headers, SINGLE_HEADERS, type SipMessage } from "./message.ts";

export interface ParseLimits {
  /** Largest whole message accepted (headers + body). */
  maxBytes: number;
  /** Most header fields (after unfolding) in one message. */
  maxHeaders: number;
}

export const DEFAULT_LIMITS: ParseLimits = { maxBytes: 65_535, maxHeaders: 256 };

/** Why a message was refused; for requests, the status to answer with. */
export class SipParseError extends Error {
  override name = "SipParseError";
  constructor(
    message: string,
    /** 400, 505 or 513 for requests; responses are dropped whatever the status. */
    readonly status: number,
    /** Whether the start line said request; only requests get an error response. */
    readonly isRequest: boolean,
    /** The raw headers, when the header section could be split, to build the answer. */
    readonly headers?: Headers,
  ) {
    super(message);
  }
}

const decoder = new TextDecoder("utf-8", { fatal: true });
const CRLFCRLF = [13, 10, 13, 10];

function indexOfSeq(bytes: Uint8Array, seq: number[], from = 0, limit = bytes.length): number {
  outer: for (let i = from; i <= limit - seq.length; i++) {
    for (let j = 0; j < seq.length; j++) if (bytes[i + j] !== seq[j]) continue outer;
    return i;
  }
  return -1;
}

/** Skips leading CRLFs (keep-alives, RFC 5626 section 3.5.1, and RFC 3261 7.5). */
function skipBlank(bytes: Uint8Array, i: number): number {
  while (i + 1 < bytes.length && bytes[i] === 13 && bytes[i + 1] === 10) i += 2;
  return i;
}

/**
 * Parses the one message a UDP datagram carries. Bytes after the Content-Length
 * are ignored (RFC 3261 18.3); without Content-Length the body is the rest.
 */
export function parseDatagram(data: Uint8Array, limits = DEFAULT_LIMITS): SipMessage {
  const start = skipBlank(data, 0);
  if (data.length - start > limits.maxBytes) {
    throw new SipParseError(
      `message of ${data.length} bytes exceeds ${limits.maxBytes}`,
      513,
      looksLikeRequest(data, start),
    );
  }
  const end = indexOfSeq(data, CRLFCRLF, start);
  if (end < 0) {
    throw new SipParseError(
      "no empty line ends the header section",
      400,
      looksLikeRequest(data, start),
    );
  }
  const { message, contentLength } = parseHead(data.subarray(start, end), limits);
  const bodyStart = end + 4;
  const available = data.length - bodyStart;
  if (contentLength === undefined) {
    message.body = data.slice(bodyStart);
  } else if (contentLength > available) {
    throw new SipParseError(
      `Content-Length ${contentLength} is larger than the ${available} body bytes received`,
      400,
      message.kind === "request",
      message.headers,
    );
  } else {
    message.body = data.slice(bodyStart, bodyStart + contentLength);
  }
  return message;
}

function looksLikeRequest(data: Uint8Array, start: number): boolean {
  return !(data[start] === 0x53 && data[start + 1] === 0x49 && data[start + 2] === 0x50 &&
    data[start + 3] === 0x2f); // "SIP/"
}

/**
 * Frames messages on a byte stream by Content-Length (RFC 3261 18.3). Push bytes,
 * then take messages; a framing error is fatal for the connection (the caller
 * answers if it can and closes).
 */
export class StreamFramer {
  #buf = new Uint8Array(0);
  #searchFrom = 0;

  constructor(private readonly limits = DEFAULT_LIMITS) {}

  push(chunk: Uint8Array): void {
    const next = new Uint8Array(this.#buf.length + chunk.length);
    next.set(this.#buf);
    next.set(chunk, this.#buf.length);
    this.#buf = next;
  }

  /** Bytes waiting for the rest of their message. */
  get pending(): number {
    return this.#buf.length;
  }

  /** The next complete message, "pong" for a CRLFCRLF keep-alive, or undefined. */
  next(): SipMessage | "ping" | undefined {
    if (this.#buf.length >= 4 && indexOfSeq(this.#buf, CRLFCRLF, 0, 4) === 0) {
      this.#buf = this.#buf.slice(4);
      this.#searchFrom = 0;
      return "ping";
    }
    const start = skipBlank(this.#buf, 0);
    const end = indexOfSeq(this.#buf, CRLFCRLF, Math.max(start, this.#searchFrom - 3));
    if (end < 0) {
      if (this.#buf.length - start > this.limits.maxBytes) {
        throw new SipParseError(
          `header section over ${this.limits.maxBytes} bytes`,
          513,
          looksLikeRequest(this.#buf, start),
        );
      }
      this.#searchFrom = this.#buf.length;
      return undefined;
    }
    const { message, contentLength } = parseHead(this.#buf.subarray(start, end), this.limits);
    const length = contentLength ?? 0;
    if (end + 4 - start + length > this.limits.maxBytes) {
      throw new SipParseError(
        `message of ${end + 4 - start + length} bytes exceeds ${this.limits.maxBytes}`,
        513,
        message.kind === "request",
        message.headers,
      );
    }
    if (this.#buf.length < end + 4 + length) return undefined;
    message.body = this.#buf.slice(end + 4, end + 4 + length);
    this.#buf = this.#buf.slice(end + 4 + length);
    this.#searchFrom = 0;
    return message;
  }
}

function parseHead(
  head: Uint8Array,
  limits: ParseLimits,
): { message: SipMessage; contentLength?: number } {
  let text: string;
  const isReq = looksLikeRequest(head, 0);
  try {
    text = decoder.decode(head);
  } catch {
    throw new SipParseError("header section is not UTF-8", 400, isReq);
  }
  const lineEnd = text.indexOf("\r\n");
  const startLine = lineEnd < 0 ? text : text.slice(0, lineEnd);
  const headers = splitHeaders(lineEnd < 0 ? "" : text.slice(lineEnd + 2), limits, isReq);
  const fail = (msg: string, status = 400): never => {
    throw new SipParseError(msg, status, isReq, headers);
  };

  let message: SipMessage;
  if (!isReq) {
    const m = /^SIP\/(\d+\.\d+) (\d{3})(?: ([^\r\n]*))?$/.exec(startLine);
    if (!m) fail(`status line ${clip(startLine)} is malformed`);
    if (m![1] !== "2.0") fail(`version SIP/${m![1]}`, 505);
    const status = Number(m![2]);
    if (status < 100 || status > 699) fail(`status ${status} is out of range`);
    message = { kind: "response", status, reason: m![3] ?? "", headers, body: new Uint8Array(0) };
  } else {
    const parts = startLine.split(" ");
    if (parts.length !== 3) {
      fail(`request line ${clip(startLine)} is not "Method SP Request-URI SP SIP-Version"`);
    }
    const [method, uriText, version] = parts;
    if (!TOKEN_RE.test(method)) fail(`method ${clip(method)} is not a token`);
    const v = /^SIP\/(\d+\.\d+)$/.exec(version);
    if (!v) fail(`version ${clip(version)} is malformed`);
    if (v![1] !== "2.0") fail(`version SIP/${v![1]} is not supported`, 505);
    let uri: Uri;
    try {
      uri = parseUri(uriText);
    } catch (err) {
      return fail(`Request-URI: ${(err as Error).message}`);
    }
    if ("headers" in uri && uri.headers !== undefined) {
      fail("the Request-URI may not carry headers (RFC 3261 19.1.5)");
    }
    message = { kind: "request", method, uri: uri!, uriText, headers, body: new Uint8Array(0) };
  }

  try {
    checkHeaders(message);
  } catch (err) {
    if (err instanceof SipSyntaxError) fail(err.message);
    throw err;
  }
  const cl = headers.get("content-length");
  let contentLength: number | undefined;
  if (cl !== undefined) {
    if (!/^\d{1,10}$/.test(cl)) fail(`Content-Length ${clip(cl)} is not a non-negative integer`);
    contentLength = Number(cl);
  }
  return { message, contentLength };
}

/** Unfolds and splits header lines; names are lower-cased and compact forms expanded. */
function splitHeaders(text: string, limits: ParseLimits, isReq: boolean): Headers {
  const list: Header[] = [];
  if (text === "") return new Headers(list);
  // RFC 3261 7.3.1: a line starting with whitespace continues the previous one.
  const unfolded = text.replace(/\r\n[ \t]+/g, " ");
  for (const line of unfolded.split("\r\n")) {
    const colon = line.indexOf(":");
    const name = colon < 0 ? "" : line.slice(0, colon).replace(/[ \t]+$/, "");
    if (!TOKEN_RE.test(name)) {
      throw new SipParseError(
        `header line ${clip(line)} has no "name:"`,
        400,
        isReq,
        new Headers(list),
      );
    }
    const lower = name.toLowerCase();
    list.push({ name: COMPACT[lower] ?? lower, value: line.slice(colon + 1).trim() });
    if (list.length > limits.maxHeaders) {
      throw new SipParseError(
        `more than ${limits.maxHeaders} header fields`,
        400,
        isReq,
        new Headers(list),
      );
    }
  }
  return new Headers(list);
}

/** The checks every message passes before the stack reads it. */
function checkHeaders(m: SipMessage): void {
  const h = m.headers;
  for (const name of ["to", "from", "call-id", "cseq", "via"]) {
    if (!h.has(name)) throw new SipSyntaxError(`missing ${name} header`);
  }
  for (const name of SINGLE_HEADERS) {
    if (h.count(name) > 1) throw new SipSyntaxError(`more than one ${name} header`);
  }
  const vias = h.all("via");
  if (vias.length === 0) throw new SipSyntaxError("empty Via");
  vias.forEach(parseVia);
  const from = parseNameAddr(h.get("from")!, "From");
  parseNameAddr(h.get("to")!, "To");
  if (m.kind === "request" && !from.params.get("tag") && from.params.has("tag")) {
    throw new SipSyntaxError("From tag is empty");
  }
  const callId = h.get("call-id")!;
  if (!CALL_ID_RE.test(callId)) throw new SipSyntaxError(`Call-ID ${clip(callId)} is malformed`);
  const cseq = parseCSeq(h.get("cseq")!);
  if (m.kind === "request" && cseq.method !== m.method) {
    throw new SipSyntaxError(`CSeq method ${cseq.method} does not match ${m.method}`);
  }
  const mf = h.get("max-forwards");
  if (mf !== undefined && (!/^\d{1,10}$/.test(mf) || Number(mf) > 255)) {
    throw new SipSyntaxError(`Max-Forwards ${clip(mf)} is not 0-255`);
  }
  const expires = h.get("expires");
  if (expires !== undefined) parseDeltaSeconds(expires, "Expires");
  for (const c of h.all("contact")) {
    if (c === "*") continue;
    const contact = parseNameAddr(c, "Contact");
    const e = contact.params.get("expires");
    if (e !== undefined && e !== null) parseDeltaSeconds(e, "Contact expires");
  }
  for (const name of ["route", "record-route"]) {
    for (const r of h.all(name)) {
      const a = parseNameAddr(r, name);
      if (!a.angle) throw new SipSyntaxError(`${name} values must be enclosed in <>`);
    }
  }
  for (const name of ["require", "proxy-require", "supported"]) {
    for (const t of h.all(name)) {
      if (!TOKEN_RE.test(t)) throw new SipSyntaxError(`${name} option ${clip(t)} is not a token`);
    }
  }
}

// The canonical bytes of a log entry, which are exactly what the Merkle leaf hashes.
//
//   offset  size  field
//   0       1     format version, 0x01
//   1       8     timestamp: milliseconds since the Unix epoch, unsigned big-endian
//   9       1     L, length of the type (1..64)
//   10      L     type: ASCII [a-z0-9][a-z0-9._-]*, e.g. "guard.decision"
//   10+L    rest  payload: a JSON value in RFC 8785 (JCS) canonical form, UTF-8
//
// JCS fixes key order (UTF-16 code unit order), number formatting and string
// escaping, so equal values always give equal bytes whatever order a program built
// them in; an auditor in any language can recompute it. Decoding re-canonicalizes
// the payload and refuses bytes that are not already canonical.

import canonicalize from "canonicalize";

export const ENTRY_VERSION = 1;
/** Entries must fit one Deno KV value with room to spare. */
export const MAX_ENTRY_BYTES = 32 * 1024;
const MAX_DEPTH = 32;
const MAX_NODES = 10_000;
const TYPE_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export type JsonValue = null | boolean | number | string | JsonValue[] | {
  [key: string]: JsonValue;
};

export interface Entry {
  type: string;
  /** Milliseconds since the Unix epoch. */
  timestamp: number;
  payload: JsonValue;
}

export class EntryError extends Error {
  override name = "EntryError";
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

export function encodeEntry(entry: Entry): Uint8Array {
  checkType(entry.type);
  if (!Number.isSafeInteger(entry.timestamp) || entry.timestamp < 0) {
    throw new EntryError("timestamp must be a non-negative integer of milliseconds");
  }
  checkJson(entry.payload);
  const payload = encoder.encode(canonicalize(entry.payload) as string);
  const type = encoder.encode(entry.type);
  const out = new Uint8Array(10 + type.length + payload.length);
  if (out.length > MAX_ENTRY_BYTES) {
    throw new EntryError(`entry is ${out.length} bytes; the limit is ${MAX_ENTRY_BYTES}`);
  }
  const view = new DataView(out.buffer);
  out[0] = ENTRY_VERSION;
  view.setBigUint64(1, BigInt(entry.timestamp));
  out[9] = type.length;
  out.set(type, 10);
  out.set(payload, 10 + type.length);
  return out;
}

/** Parses canonical entry bytes; anything else is an EntryError saying why. */
export function decodeEntry(bytes: Uint8Array): Entry {
  if (bytes.length > MAX_ENTRY_BYTES) {
    throw new EntryError(`entry longer than ${MAX_ENTRY_BYTES} bytes`);
  }
  if (bytes.length < 11) throw new EntryError("entry shorter than its fixed header");
  if (bytes[0] !== ENTRY_VERSION) throw new EntryError(`unknown entry format version ${bytes[0]}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const timestamp = view.getBigUint64(1);
  if (timestamp > BigInt(Number.MAX_SAFE_INTEGER)) throw new EntryError("timestamp out of range");
  const typeLength = bytes[9];
  if (10 + typeLength > bytes.length) throw new EntryError("type runs past the end of the entry");
  const type = String.fromCharCode(...bytes.subarray(10, 10 + typeLength));
  checkType(type);
  const payloadBytes = bytes.subarray(10 + typeLength);
  let text: string;
  try {
    text = decoder.decode(payloadBytes);
  } catch {
    throw new EntryError("payload is not valid UTF-8");
  }
  let payload: JsonValue;
  try {
    payload = JSON.parse(text);
  } catch (err) {
    throw new EntryError(`payload is not JSON: ${(err as Error).message}`);
  }
  checkJson(payload);
  if (canonicalize(payload) !== text) {
    throw new EntryError("payload is not in RFC 8785 canonical form");
  }
  return { type, timestamp: Number(timestamp), payload };
}

function checkType(type: unknown): asserts type is string {
  if (typeof type !== "string" || !TYPE_RE.test(type)) {
    throw new EntryError(
      "type must be 1-64 characters of [a-z0-9._-], starting with a letter or digit",
    );
  }
}

/** Only plain JSON: finite numbers, well-formed strings, bounded depth and size. */
function checkJson(value: unknown): asserts value is JsonValue {
  let nodes = 0;
  const walk = (v: unknown, depth: number, at: string): void => {
    if (++nodes > MAX_NODES) throw new EntryError(`payload has more than ${MAX_NODES} values`);
    if (depth > MAX_DEPTH) throw new EntryError(`payload nests deeper than ${MAX_DEPTH} at ${at}`);
    if (v === null || typeof v === "boolean") return;
    if (typeof v === "number") {
      if (!Number.isFinite(v)) throw new EntryError(`payload number at ${at} is not finite`);
      return;
    }
    if (typeof v === "string") {
      if (!v.isWellFormed()) throw new EntryError(`payload string at ${at} has a lone surrogate`);
      return;
    }
    if (Array.isArray(v)) {
      v.forEach((item, i) => walk(item, depth + 1, `${at}[${i}]`));
      return;
    }
    if (typeof v === "object") {
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) {
        throw new EntryError(`payload value at ${at} is not a plain object`);
      }
      for (const [key, item] of Object.entries(v)) {
        if (!key.isWellFormed()) throw new EntryError(`payload key at ${at} has a lone surrogate`);
        walk(item, depth + 1, `${at}.${key}`);
      }
      return;
    }
    throw new EntryError(`payload value at ${at} is a ${typeof v}, not JSON`);
  };
  walk(value, 0, "$");
}

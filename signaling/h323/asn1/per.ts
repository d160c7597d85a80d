// ASN.1 aligned PER (ITU-T X.691, BASIC-PER ALIGNED) over the types in types.ts.
// Clause numbers below are X.691 (02/2021). Decoding is bounded: nesting depth,
// the number of values decoded and every length are checked against the input,
// so hostile input costs at most its own size times a constant.

import { BitReader, BitWriter, PerError } from "./bits.ts";
import type { AsnType, BitString, Range, UnknownExtension } from "./types.ts";

export { PerError };

const MAX_DEPTH = 96;
/** Values decoded per message at most (a 64 KB datagram holds far fewer). */
const MAX_VALUES = 200_000;
const K16 = 16384;
const K64 = 65536;

/** Extension bitmaps as decoded, so a re-encoding reproduces the sender's bytes. */
const extensionCounts = new WeakMap<object, number>();

type Obj = Record<string, unknown>;

// ---- whole numbers ---------------------------------------------------------

function bitsFor(n: number): number {
  // Bits needed to hold 0..n.
  let b = 0;
  while (2 ** b <= n) b++;
  return b;
}

function octetsFor(n: number): number {
  let o = 1;
  while (n >= 2 ** (8 * o)) o++;
  return o;
}

/** 11.5.7: a constrained whole number in the ALIGNED variant. */
function putConstrained(w: BitWriter, v: number, lb: number, ub: number): void {
  const range = ub - lb + 1;
  if (v < lb || v > ub) throw new PerError(`${v} is outside ${lb}..${ub}`);
  const off = v - lb;
  if (range === 1) return;
  if (range <= 255) return w.bits(off, bitsFor(range - 1));
  if (range === 256) {
    w.align();
    return w.bits(off, 8);
  }
  if (range <= K64) {
    w.align();
    return w.bits(off, 16);
  }
  const n = octetsFor(off);
  putConstrained(w, n, 1, octetsFor(range - 1));
  w.align();
  w.bits(off, 8 * n);
}

function getConstrained(r: BitReader, lb: number, ub: number): number {
  const range = ub - lb + 1;
  if (range < 1) throw new PerError(`empty range ${lb}..${ub}`);
  if (range === 1) return lb;
  let off: number;
  if (range <= 255) off = r.bits(bitsFor(range - 1));
  else if (range === 256) {
    r.align();
    off = r.bits(8);
  } else if (range <= K64) {
    r.align();
    off = r.bits(16);
  } else {
    const n = getConstrained(r, 1, octetsFor(range - 1));
    r.align();
    off = n > 4 ? Number(bigOctets(r, n)) : r.bits(8 * n);
  }
  if (off > range - 1) throw new PerError(`value ${lb + off} is outside ${lb}..${ub}`);
  return lb + off;
}

function bigOctets(r: BitReader, n: number): bigint {
  let v = 0n;
  for (const b of r.octets(n)) v = (v << 8n) | BigInt(b);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new PerError("integer too large");
  return v;
}

/** 11.6: normally small non-negative whole number. */
function putSmall(w: BitWriter, n: number): void {
  if (n <= 63) {
    w.bit(false);
    w.bits(n, 6);
  } else {
    w.bit(true);
    putSemi(w, n, 0);
  }
}

function getSmall(r: BitReader): number {
  return r.bit() ? getSemi(r, 0) : r.bits(6);
}

/** 11.7: semi-constrained whole number (octets of v - lb, with a length). */
function putSemi(w: BitWriter, v: number, lb: number): void {
  if (v < lb) throw new PerError(`${v} is below ${lb}`);
  const off = v - lb;
  const n = octetsFor(off);
  putLength(w, n);
  w.align();
  w.bits(off, 8 * n);
}

function getSemi(r: BitReader, lb: number): number {
  const n = getLength(r);
  if (n < 1 || n > 7) throw new PerError(`integer of ${n} octets`);
  r.align();
  return lb + Number(bigOctets(r, n));
}

/** 11.8: unconstrained whole number, two's complement. */
function putUnconstrained(w: BitWriter, v: number): void {
  if (!Number.isSafeInteger(v)) throw new PerError(`${v} is not a safe integer`);
  let n = 1;
  while (v < -(2 ** (8 * n - 1)) || v >= 2 ** (8 * n - 1)) n++;
  putLength(w, n);
  w.align();
  const big = BigInt.asUintN(8 * n, BigInt(v));
  for (let i = n - 1; i >= 0; i--) w.bits(Number((big >> BigInt(8 * i)) & 0xffn), 8);
}

function getUnconstrained(r: BitReader): number {
  const n = getLength(r);
  if (n < 1 || n > 7) throw new PerError(`integer of ${n} octets`);
  r.align();
  let v = 0n;
  for (const b of r.octets(n)) v = (v << 8n) | BigInt(b);
  return Number(BigInt.asIntN(8 * n, v));
}

// ---- length determinants (11.9) ---------------------------------------------

/** An unconstrained length below 16K (fragmented values use putChunks). */
function putLength(w: BitWriter, n: number): void {
  w.align();
  if (n < 128) w.bits(n, 8);
  else if (n < K16) w.bits(0x8000 | n, 16);
  else throw new PerError(`length ${n} needs fragmentation`);
}

function getLength(r: BitReader): number {
  r.align();
  const first = r.bits(8);
  if ((first & 0x80) === 0) return first;
  if ((first & 0xc0) === 0x80) return ((first & 0x3f) << 8) | r.bits(8);
  throw new PerError("fragmented length where one was not allowed");
}

/**
 * Writes `count` items with their length determinant: constrained when the size
 * has an upper bound below 64K, otherwise in 16K fragments (11.9.3.8).
 */
function putCounted(
  w: BitWriter,
  count: number,
  size: Range | undefined,
  item: (start: number, n: number) => void,
): void {
  const lb = size?.lb ?? 0;
  const ub = size?.ub;
  if (ub !== undefined && ub < K64 && !size?.ext) {
    if (lb === ub) return item(0, count); // fixed size: no length (callers checked)
    putConstrained(w, count, lb, ub);
    return item(0, count);
  }
  if (size?.ext) {
    const inRoot = ub === undefined || (count >= lb && count <= ub);
    w.bit(!inRoot);
    if (inRoot && ub !== undefined && ub < K64) {
      if (lb !== ub) putConstrained(w, count, lb, ub);
      return item(0, count);
    }
  }
  let start = 0;
  for (;;) {
    const left = count - start;
    if (left >= K16) {
      const m = Math.min(4, Math.floor(left / K16));
      w.align();
      w.bits(0xc0 | m, 8);
      item(start, m * K16);
      start += m * K16;
      continue;
    }
    putLength(w, left);
    item(start, left);
    return;
  }
}

/** Reads a length determinant and the items it counts (bounded by the input). */
function getCounted(
  r: BitReader,
  size: Range | undefined,
  minBitsPerItem: number,
  item: (n: number) => void,
): void {
  const lb = size?.lb ?? 0;
  const ub = size?.ub;
  const check = (n: number) => {
    if (n * minBitsPerItem > r.remaining) {
      throw new PerError(`length ${n} exceeds the ${r.remaining} bits left`);
    }
  };
  let constrained = ub !== undefined && ub < K64;
  if (size?.ext && r.bit()) constrained = false;
  if (constrained) {
    const n = lb === ub ? lb : getConstrained(r, lb, ub!);
    check(n);
    return item(n);
  }
  for (;;) {
    r.align();
    const first = r.bits(8);
    if ((first & 0xc0) === 0xc0) {
      const m = first & 0x3f;
      if (m < 1 || m > 4) throw new PerError(`bad fragment count ${m}`);
      check(m * K16);
      item(m * K16);
      continue;
    }
    const n = (first & 0x80) === 0 ? first : ((first & 0x3f) << 8) | r.bits(8);
    check(n);
    item(n);
    return;
  }
}

// ---- character strings (clause 30) -----------------------------------------

const ALPHABETS: Record<string, { size: number; lo: number }> = {
  IA5String: { size: 128, lo: 0 },
  VisibleString: { size: 95, lo: 32 },
  PrintableString: { size: 74, lo: 32 },
  NumericString: { size: 11, lo: 32 },
  BMPString: { size: 65536, lo: 0 },
  GeneralString: { size: 256, lo: 0 },
};
const NUMERIC = " 0123456789";
const PRINTABLE = " '()+,-./0123456789:=?ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

interface CharCoding {
  bits: number;
  /** Characters by index, when characters are coded by their index (30.5.4 b). */
  table?: string;
  check: (c: number) => boolean;
}

const charCodings = new WeakMap<object, CharCoding>();

function charCoding(t: Extract<AsnType, { kind: "string" }>): CharCoding {
  let c = charCodings.get(t);
  if (c) return c;
  const base = ALPHABETS[t.name];
  if (!base) throw new PerError(`unsupported string type ${t.name}`);
  const alphabet = t.from ??
    (t.name === "NumericString" ? NUMERIC : t.name === "PrintableString" ? PRINTABLE : undefined);
  const n = alphabet ? alphabet.length : base.size;
  let bits = bitsFor(n - 1);
  // Aligned variant: round up to a power of two (30.5.2).
  bits = bits <= 1 ? 1 : bits <= 2 ? 2 : bits <= 4 ? 4 : bits <= 8 ? 8 : 16;
  if (alphabet) {
    const sorted = [...alphabet].sort((a, b) => a.charCodeAt(0) - b.charCodeAt(0)).join("");
    const maxCode = sorted.charCodeAt(sorted.length - 1);
    const set = new Set([...sorted].map((ch) => ch.charCodeAt(0)));
    c = {
      bits,
      table: maxCode < 2 ** bits ? undefined : sorted,
      check: (code) => set.has(code),
    };
  } else {
    const hi = base.lo + base.size - 1;
    c = { bits, check: (code) => code >= base.lo && code <= hi };
  }
  charCodings.set(t, c);
  return c;
}

// ---- the codec ----------------------------------------------------------------

class Decoder {
  depth = 0;
  values = 0;
  constructor(readonly r: BitReader) {}

  value(t: AsnType, path: string): unknown {
    if (++this.values > MAX_VALUES) throw new PerError("too many values");
    if (++this.depth > MAX_DEPTH) throw new PerError(`nesting deeper than ${MAX_DEPTH}`);
    try {
      return this.#value(t, path);
    } finally {
      this.depth--;
    }
  }

  #value(t: AsnType, path: string): unknown {
    const r = this.r;
    switch (t.kind) {
      case "ref":
        return this.value(t.resolve(), path);
      case "boolean":
        return r.bit();
      case "null":
        return null;
      case "integer":
        return getInteger(r, t.range);
      case "enumerated": {
        if (t.additions && r.bit()) {
          const i = getSmall(r);
          return t.additions[i] ?? `$ext${i}`;
        }
        return t.root[getConstrained(r, 0, t.root.length - 1)];
      }
      case "octetstring":
        return this.#octets(t.size);
      case "bitstring":
        return this.#bits(t.size);
      case "string":
        return this.#string(t);
      case "oid": {
        let bytes: Uint8Array = new Uint8Array(0);
        getCounted(r, undefined, 8, (n) => {
          r.align();
          bytes = r.octets(n);
        });
        return decodeOid(bytes);
      }
      case "sequence":
        return this.#sequence(t, path);
      case "sequenceof": {
        const out: unknown[] = [];
        getCounted(r, t.size, 0, (n) => {
          for (let i = 0; i < n; i++) out.push(this.value(t.of, `${path}[${i}]`));
        });
        return out;
      }
      case "choice":
        return this.#choice(t, path);
      case "open":
        return this.#open(t.of, path);
      case "opaque":
        throw new Unsupported(t.name, path);
    }
  }

  #octets(size: Range | undefined): Uint8Array {
    const r = this.r;
    if (size && !size.ext && size.lb === size.ub && size.ub !== undefined) {
      const n = size.ub;
      if (n === 0) return new Uint8Array(0);
      if (n > 2 && n < K64) r.align();
      return r.octets(n);
    }
    const parts: Uint8Array[] = [];
    getCounted(r, size, 8, (n) => {
      if (n > 0) r.align();
      parts.push(r.octets(n));
    });
    return concat(parts);
  }

  #bits(size: Range | undefined): BitString {
    const r = this.r;
    if (size && !size.ext && size.lb === size.ub && size.ub !== undefined) {
      const n = size.ub;
      if (n > 16 && n < K64) r.align();
      return { bits: n, data: r.bitString(n) };
    }
    const chunks: BitString[] = [];
    getCounted(r, size, 1, (n) => {
      if (n > 0) r.align();
      chunks.push({ bits: n, data: r.bitString(n) });
    });
    if (chunks.length === 1) return chunks[0];
    const bits = chunks.reduce((s, c) => s + c.bits, 0);
    const w = new BitWriter();
    for (const c of chunks) w.bitString(c.data, c.bits);
    return { bits, data: w.view().slice(0, Math.ceil(bits / 8)) };
  }

  #string(t: Extract<AsnType, { kind: "string" }>): string {
    const r = this.r;
    const c = charCoding(t);
    const size = t.size;
    const chars: number[] = [];
    const read = (n: number) => {
      for (let i = 0; i < n; i++) {
        const v = r.bits(c.bits);
        if (c.table) {
          if (v >= c.table.length) throw new PerError(`character index ${v} is outside FROM`);
          chars.push(c.table.charCodeAt(v));
        } else if (!c.check(v)) {
          // X.691 30.5.4: only the type's (or FROM's) characters; the encoder refuses
          // the others, so what decodes here always encodes again.
          throw new PerError(`character ${v} is outside the ${t.name} alphabet`);
        } else chars.push(v);
      }
    };
    const ub = size?.ub;
    if (size && !size.ext && size.lb === ub && ub !== undefined && ub < K64) {
      if (ub * c.bits > 16) r.align();
      read(ub);
    } else {
      getCounted(r, size, c.bits, (n) => {
        if (ub === undefined || ub * c.bits > 16) r.align();
        read(n);
      });
    }
    return String.fromCharCode(...chars);
  }

  #sequence(t: Extract<AsnType, { kind: "sequence" }>, path: string): Obj {
    const r = this.r;
    const out: Obj = {};
    const extended = t.additions !== undefined && r.bit();
    const optional = t.root.filter((c) => c.optional || c.default !== undefined);
    const present = new Set<string>();
    for (const c of optional) if (r.bit()) present.add(c.name);
    for (const c of t.root) {
      if ((c.optional || c.default !== undefined) && !present.has(c.name)) continue;
      out[c.name] = this.value(c.type, `${path}.${c.name}`);
    }
    if (extended) {
      const n = r.bit() ? getLength(r) : r.bits(6) + 1;
      if (n > r.remaining) throw new PerError(`extension bitmap of ${n} bits exceeds the input`);
      const bitmap: boolean[] = [];
      for (let i = 0; i < n; i++) bitmap.push(r.bit());
      extensionCounts.set(out, n);
      const unknown: UnknownExtension[] = [];
      for (let i = 0; i < n; i++) {
        if (!bitmap[i]) continue;
        const c = t.additions![i];
        if (!c) {
          unknown.push({ index: i, bytes: this.#openBytes() });
          continue;
        }
        out[c.name] = this.#open(c.type, `${path}.${c.name}`);
      }
      if (unknown.length) out.$ext = unknown;
    }
    return out;
  }

  #choice(t: Extract<AsnType, { kind: "choice" }>, path: string): Obj {
    const r = this.r;
    if (t.additions !== undefined && r.bit()) {
      const i = getSmall(r);
      const c = t.additions[i];
      if (!c) return { $unknown: { index: i, bytes: this.#openBytes() } };
      return { [c.name]: this.#open(c.type, `${path}.${c.name}`) };
    }
    const i = getConstrained(r, 0, t.root.length - 1);
    const c = t.root[i];
    return { [c.name]: this.value(c.type, `${path}.${c.name}`) };
  }

  #openBytes(): Uint8Array {
    const parts: Uint8Array[] = [];
    getCounted(this.r, undefined, 8, (n) => {
      this.r.align();
      parts.push(this.r.octets(n));
    });
    return concat(parts);
  }

  /** 11.2: an open type; a type Council does not model is kept as its bytes. */
  #open(t: AsnType, path: string): unknown {
    const bytes = this.#openBytes();
    const inner = new Decoder(new BitReader(bytes));
    inner.depth = this.depth;
    inner.values = this.values;
    try {
      const v = inner.value(t, path);
      this.values = inner.values;
      return v;
    } catch (err) {
      if (err instanceof Unsupported) return { $raw: bytes };
      throw err;
    }
  }
}

class Unsupported extends PerError {
  constructor(name: string, path: string) {
    super(`${path}: type ${name} is not supported`);
  }
}

function getInteger(r: BitReader, range: Range | undefined): number {
  if (range?.ext && r.bit()) return getUnconstrained(r);
  if (range?.lb !== undefined && range.ub !== undefined) {
    return getConstrained(r, range.lb, range.ub);
  }
  if (range?.lb !== undefined) return getSemi(r, range.lb);
  return getUnconstrained(r);
}

function putInteger(w: BitWriter, v: number, range: Range | undefined, path: string): void {
  if (!Number.isSafeInteger(v)) throw new PerError(`${path}: ${v} is not an integer`);
  const lb = range?.lb;
  const ub = range?.ub;
  if (range?.ext) {
    const inRoot = (lb === undefined || v >= lb) && (ub === undefined || v <= ub);
    w.bit(!inRoot);
    if (!inRoot) return putUnconstrained(w, v);
  }
  if (lb !== undefined && ub !== undefined) {
    if (v < lb || v > ub) throw new PerError(`${path}: ${v} is outside ${lb}..${ub}`);
    return putConstrained(w, v, lb, ub);
  }
  if (lb !== undefined) return putSemi(w, v, lb);
  putUnconstrained(w, v);
}

class Encoder {
  constructor(readonly w: BitWriter) {}

  value(t: AsnType, v: unknown, path: string): void {
    const w = this.w;
    switch (t.kind) {
      case "ref":
        return this.value(t.resolve(), v, path);
      case "boolean":
        if (typeof v !== "boolean") throw typeError(path, "a boolean", v);
        return w.bit(v);
      case "null":
        if (v !== null) throw typeError(path, "null", v);
        return;
      case "integer":
        if (typeof v !== "number") throw typeError(path, "a number", v);
        return putInteger(w, v, t.range, path);
      case "enumerated": {
        const i = t.root.indexOf(v as string);
        if (i >= 0) {
          if (t.additions) w.bit(false);
          return putConstrained(w, i, 0, t.root.length - 1);
        }
        const j = t.additions?.indexOf(v as string) ?? -1;
        const unknown = /^\$ext(\d+)$/.exec(String(v));
        if (t.additions && (j >= 0 || unknown)) {
          w.bit(true);
          return putSmall(w, j >= 0 ? j : Number(unknown![1]));
        }
        throw new PerError(`${path}: ${JSON.stringify(v)} is not an item of the enumeration`);
      }
      case "octetstring":
        if (!(v instanceof Uint8Array)) throw typeError(path, "bytes", v);
        return this.#octets(v, t.size, path);
      case "bitstring": {
        const b = v as BitString;
        if (!b || !(b.data instanceof Uint8Array) || typeof b.bits !== "number") {
          throw typeError(path, "a bit string", v);
        }
        return this.#bits(b, t.size, path);
      }
      case "string":
        if (typeof v !== "string") throw typeError(path, "a string", v);
        return this.#string(t, v, path);
      case "oid": {
        if (typeof v !== "string") throw typeError(path, "an object identifier", v);
        const bytes = encodeOid(v, path);
        return putCounted(w, bytes.length, undefined, (s, n) => {
          w.align();
          w.octets(bytes.subarray(s, s + n));
        });
      }
      case "sequence":
        return this.#sequence(t, v, path);
      case "sequenceof": {
        if (!Array.isArray(v)) throw typeError(path, "an array", v);
        checkSize(v.length, t.size, path);
        return putCounted(w, v.length, t.size, (s, n) => {
          for (let i = s; i < s + n; i++) this.value(t.of, v[i], `${path}[${i}]`);
        });
      }
      case "choice":
        return this.#choice(t, v, path);
      case "open":
        return this.#open(t.of, v, path);
      case "opaque":
        throw new PerError(`${path}: type ${t.name} is not supported`);
    }
  }

  #octets(v: Uint8Array, size: Range | undefined, path: string): void {
    const w = this.w;
    checkSize(v.length, size, path);
    if (size && !size.ext && size.lb === size.ub && size.ub !== undefined) {
      if (size.ub > 2 && size.ub < K64) w.align();
      return w.octets(v);
    }
    putCounted(w, v.length, size, (s, n) => {
      if (n > 0) w.align();
      w.octets(v.subarray(s, s + n));
    });
  }

  #bits(v: BitString, size: Range | undefined, path: string): void {
    const w = this.w;
    checkSize(v.bits, size, path);
    if (size && !size.ext && size.lb === size.ub && size.ub !== undefined) {
      if (size.ub > 16 && size.ub < K64) w.align();
      return w.bitString(v.data, v.bits);
    }
    putCounted(w, v.bits, size, (s, n) => {
      if (n > 0) w.align();
      for (let i = s; i < s + n; i++) w.bits((v.data[i >> 3] >> (7 - (i & 7))) & 1, 1);
    });
  }

  #string(t: Extract<AsnType, { kind: "string" }>, v: string, path: string): void {
    const w = this.w;
    const c = charCoding(t);
    checkSize(v.length, t.size, path);
    const codes: number[] = [];
    for (let i = 0; i < v.length; i++) {
      const code = v.charCodeAt(i);
      if (!c.check(code)) {
        throw new PerError(`${path}: character ${JSON.stringify(v[i])} is not permitted`);
      }
      codes.push(c.table ? c.table.indexOf(v[i]) : code);
    }
    const ub = t.size?.ub;
    const write = (s: number, n: number) => {
      for (let i = s; i < s + n; i++) w.bits(codes[i], c.bits);
    };
    if (t.size && !t.size.ext && t.size.lb === ub && ub !== undefined && ub < K64) {
      if (ub * c.bits > 16) w.align();
      return write(0, codes.length);
    }
    putCounted(w, codes.length, t.size, (s, n) => {
      if (ub === undefined || ub * c.bits > 16) w.align();
      write(s, n);
    });
  }

  #sequence(t: Extract<AsnType, { kind: "sequence" }>, v: unknown, path: string): void {
    const w = this.w;
    if (typeof v !== "object" || v === null || Array.isArray(v)) {
      throw typeError(path, "an object", v);
    }
    const o = v as Obj;
    let extCount = 0;
    if (t.additions !== undefined) {
      t.additions.forEach((c, i) => {
        if (o[c.name] !== undefined) extCount = i + 1;
      });
      for (const u of (o.$ext as UnknownExtension[] | undefined) ?? []) {
        extCount = Math.max(extCount, u.index + 1);
      }
      const decoded = extensionCounts.get(o);
      if (decoded !== undefined && decoded >= extCount) extCount = decoded;
      w.bit(extCount > 0);
    }
    for (const c of t.root) {
      if (c.optional || c.default !== undefined) w.bit(o[c.name] !== undefined);
    }
    for (const c of t.root) {
      const x = o[c.name];
      if (x === undefined) {
        if (c.optional || c.default !== undefined) continue;
        throw new PerError(`${path}.${c.name} is required`);
      }
      this.value(c.type, x, `${path}.${c.name}`);
    }
    if (extCount === 0) return;
    if (extCount <= 64) {
      w.bit(false);
      w.bits(extCount - 1, 6);
    } else {
      w.bit(true);
      putLength(w, extCount);
    }
    const unknown = new Map(
      ((o.$ext as UnknownExtension[] | undefined) ?? []).map((u) => [u.index, u.bytes]),
    );
    const items: (() => void)[] = [];
    for (let i = 0; i < extCount; i++) {
      const c = t.additions![i];
      const x = c ? o[c.name] : undefined;
      const raw = unknown.get(i);
      w.bit(x !== undefined || raw !== undefined);
      if (x !== undefined) items.push(() => this.#open(c!.type, x, `${path}.${c!.name}`));
      else if (raw !== undefined) items.push(() => this.#openBytes(raw));
    }
    for (const item of items) item();
  }

  #choice(t: Extract<AsnType, { kind: "choice" }>, v: unknown, path: string): void {
    const w = this.w;
    if (typeof v !== "object" || v === null) throw typeError(path, "a choice", v);
    const keys = Object.keys(v);
    if (keys.length !== 1) {
      throw new PerError(`${path}: a choice needs exactly one alternative, got ${keys.length}`);
    }
    const name = keys[0];
    const x = (v as Obj)[name];
    const i = t.root.findIndex((c) => c.name === name);
    if (i >= 0) {
      if (t.additions !== undefined) w.bit(false);
      putConstrained(w, i, 0, t.root.length - 1);
      return this.value(t.root[i].type, x, `${path}.${name}`);
    }
    if (t.additions !== undefined) {
      if (name === "$unknown") {
        const u = x as UnknownExtension;
        w.bit(true);
        putSmall(w, u.index);
        return this.#openBytes(u.bytes);
      }
      const j = t.additions.findIndex((c) => c.name === name);
      if (j >= 0) {
        w.bit(true);
        putSmall(w, j);
        return this.#open(t.additions[j].type, x, `${path}.${name}`);
      }
    }
    throw new PerError(`${path}: ${name} is not an alternative`);
  }

  #openBytes(bytes: Uint8Array): void {
    const w = this.w;
    putCounted(w, bytes.length, undefined, (s, n) => {
      w.align();
      w.octets(bytes.subarray(s, s + n));
    });
  }

  #open(t: AsnType, v: unknown, path: string): void {
    const raw = (v as { $raw?: unknown } | null)?.$raw;
    if (raw instanceof Uint8Array) return this.#openBytes(raw);
    const inner = new BitWriter();
    new Encoder(inner).value(t, v, path);
    this.#openBytes(inner.view());
  }
}

function checkSize(n: number, size: Range | undefined, path: string): void {
  if (!size || size.ext) return;
  if ((size.lb !== undefined && n < size.lb) || (size.ub !== undefined && n > size.ub)) {
    throw new PerError(`${path}: size ${n} is outside ${size.lb ?? 0}..${size.ub ?? "MAX"}`);
  }
}

function typeError(path: string, what: string, v: unknown): PerError {
  const got = v instanceof Uint8Array ? "bytes" : Array.isArray(v) ? "an array" : typeof v;
  return new PerError(`${path}: expected ${what}, got ${got}`);
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

// ---- OBJECT IDENTIFIER contents (X.690 8.19) --------------------------------

// Arcs are BigInts: UUID-derived identifiers (ITU-T X.667, arc 2.25) are 128 bits.
const MAX_ARC_OCTETS = 20;

// A message carries the same few identifiers again and again (protocol, token OIDs);
// BigInt arcs make each decode ~3 us, so the first OIDS_KEPT seen are remembered.
const OIDS_KEPT = 64;
const oids = new Map<string, string>();

function decodeOid(bytes: Uint8Array): string {
  const key = bytes.length <= 32 ? String.fromCharCode(...bytes) : undefined;
  const known = key === undefined ? undefined : oids.get(key);
  if (known !== undefined) return known;
  const oid = oidOf(bytes);
  if (key !== undefined && oids.size < OIDS_KEPT) oids.set(key, oid);
  return oid;
}

function oidOf(bytes: Uint8Array): string {
  if (bytes.length === 0) throw new PerError("empty object identifier");
  const arcs: bigint[] = [];
  let v = 0n;
  let octets = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (octets === 0 && b === 0x80) throw new PerError("object identifier arc with a leading 0x80");
    if (++octets > MAX_ARC_OCTETS) throw new PerError("object identifier arc too large");
    v = (v << 7n) | BigInt(b & 0x7f);
    if ((b & 0x80) === 0) {
      arcs.push(v);
      v = 0n;
      octets = 0;
    } else if (i === bytes.length - 1) throw new PerError("object identifier ends mid-arc");
  }
  const first = arcs.shift()!;
  const a = first < 40n ? 0n : first < 80n ? 1n : 2n;
  return [a, first - 40n * a, ...arcs].join(".");
}

function encodeOid(s: string, path: string): Uint8Array {
  if (!/^[0-2](\.\d{1,40})+$/.test(s)) throw new PerError(`${path}: bad object identifier ${s}`);
  const arcs = s.split(".").map(BigInt);
  const values = [arcs[0] * 40n + arcs[1], ...arcs.slice(2)];
  const out: number[] = [];
  for (const v of values) {
    const bytes = [Number(v & 0x7fn)];
    let x = v >> 7n;
    while (x > 0n) {
      bytes.unshift(0x80 | Number(x & 0x7fn));
      x >>= 7n;
    }
    out.push(...bytes);
  }
  return new Uint8Array(out);
}

// ---- public face ----------------------------------------------------------------

/** Encodes a value of type t; the result is whole octets (X.691 11.1). */
export function encode(t: AsnType, value: unknown, name = "value"): Uint8Array {
  const w = new BitWriter();
  new Encoder(w).value(t, value, name);
  return w.finish();
}

/**
 * Decodes one value of type t from the start of data. Octet strings in the value are
 * views of one private copy of data, so the caller may reuse its buffer.
 */
export function decode(t: AsnType, data: Uint8Array, name = "value"): unknown {
  return new Decoder(new BitReader(data.slice())).value(t, name);
}

/** Decodes and also reports how many bits the value took. */
export function decodePrefix(t: AsnType, data: Uint8Array): { value: unknown; bits: number } {
  const r = new BitReader(data.slice());
  const value = new Decoder(r).value(t, "value");
  return { value, bits: r.offset };
}

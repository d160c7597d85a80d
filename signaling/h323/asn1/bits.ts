// Bit-level reader and writer for ASN.1 PER (ITU-T X.691). Every read is bounds
// checked, so malformed input fails with a PerError naming the offset instead of
// reading past the end.

export class PerError extends Error {
  override name = "PerError";
}

export class BitReader {
  #bit = 0;
  constructor(readonly data: Uint8Array, private readonly end = data.length * 8) {}

  get offset(): number {
    return this.#bit;
  }

  get remaining(): number {
    return this.end - this.#bit;
  }

  #need(n: number): void {
    if (n > this.end - this.#bit) {
      throw new PerError(
        `truncated: ${n} more bits needed at bit ${this.#bit}, ${this.end - this.#bit} left`,
      );
    }
  }

  /** Up to 32 bits as an unsigned number, most significant first. */
  bits(n: number): number {
    if (n === 0) return 0;
    if (n > 32) throw new PerError(`cannot read ${n} bits as one number`);
    this.#need(n);
    // A byte's worth at a time: as many bits as are left in the current octet.
    let v = 0;
    let left = n;
    let bit = this.#bit;
    while (left > 0) {
      const avail = 8 - (bit & 7);
      const take = avail < left ? avail : left;
      const chunk = (this.data[bit >> 3] >> (avail - take)) & ((1 << take) - 1);
      v = v * (1 << take) + chunk; // not `<<`: 32-bit values must stay unsigned
      bit += take;
      left -= take;
    }
    this.#bit = bit;
    return v;
  }

  bit(): boolean {
    return this.bits(1) === 1;
  }

  /** Skips to the next octet boundary (X.691 "octet-aligned" fields). */
  align(): void {
    const pad = (8 - (this.#bit & 7)) & 7;
    this.#need(pad);
    this.#bit += pad;
  }

  /**
   * n whole octets from the current position. Aligned, they are a view of the input
   * (no copy: a new ArrayBuffer costs ~1.3 us here, and an ARQ has a dozen of these),
   * so the input must not change while the values are in use; `decode` copies it once.
   */
  octets(n: number): Uint8Array {
    if ((this.#bit & 7) === 0) {
      this.#need(n * 8);
      const start = this.#bit >> 3;
      this.#bit += n * 8;
      return this.data.subarray(start, start + n);
    }
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.bits(8);
    return out;
  }

  /** n bits (not necessarily whole octets), left-aligned into bytes. */
  bitString(n: number): Uint8Array {
    this.#need(n);
    const out = new Uint8Array(Math.ceil(n / 8));
    for (let i = 0; i < out.length; i++) {
      const k = Math.min(8, n - i * 8);
      out[i] = this.bits(k) << (8 - k);
    }
    return out;
  }
}

export class BitWriter {
  // Small enough for V8 to keep on its heap (cheap to make); grows by doubling.
  #buf = new Uint8Array(64);
  #bit = 0;

  get length(): number {
    return this.#bit;
  }

  #room(n: number): void {
    const need = (this.#bit + n + 7) >> 3;
    if (need <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#buf);
    this.#buf = next;
  }

  /** The low n bits of v (n <= 32), most significant first. */
  bits(v: number, n: number): void {
    if (n === 0) return;
    this.#room(n);
    // A byte's worth at a time, into the bits left in the current octet.
    let left = n;
    while (left > 0) {
      const avail = 8 - (this.#bit & 7);
      const take = avail < left ? avail : left;
      const chunk = Math.floor(v / 2 ** (left - take)) & ((1 << take) - 1);
      this.#buf[this.#bit >> 3] |= chunk << (avail - take);
      this.#bit += take;
      left -= take;
    }
  }

  bit(b: boolean): void {
    this.bits(b ? 1 : 0, 1);
  }

  align(): void {
    this.#bit = (this.#bit + 7) & ~7;
    this.#room(0);
  }

  octets(data: Uint8Array): void {
    if ((this.#bit & 7) === 0) {
      this.#room(data.length * 8);
      this.#buf.set(data, this.#bit >> 3);
      this.#bit += data.length * 8;
    } else {
      for (const b of data) this.bits(b, 8);
    }
  }

  bitString(data: Uint8Array, n: number): void {
    for (let i = 0; i * 8 < n; i++) {
      const k = Math.min(8, n - i * 8);
      this.bits(data[i] >> (8 - k), k);
    }
  }

  /** The complete encoding, padded to whole octets (X.691 10.1.3: never empty). */
  finish(): Uint8Array {
    return this.view().slice();
  }

  /** The same, without a copy: valid until this writer writes again. */
  view(): Uint8Array {
    const n = (this.#bit + 7) >> 3;
    return n === 0 ? new Uint8Array(1) : this.#buf.subarray(0, n);
  }
}

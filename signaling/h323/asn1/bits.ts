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
    let v = 0;
    for (let i = 0; i < n; i++) {
      const b = this.#bit++;
      v = v * 2 + ((this.data[b >> 3] >> (7 - (b & 7))) & 1);
    }
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

  /** n whole octets from the current (aligned) position. */
  octets(n: number): Uint8Array {
    if ((this.#bit & 7) === 0) {
      this.#need(n * 8);
      const start = this.#bit >> 3;
      this.#bit += n * 8;
      return this.data.slice(start, start + n);
    }
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.bits(8);
    return out;
  }

  /** n bits (not necessarily whole octets), left-aligned into bytes. */
  bitString(n: number): Uint8Array {
    this.#need(n);
    const out = new Uint8Array(Math.ceil(n / 8));
    for (let i = 0; i < n; i++) if (this.bits(1)) out[i >> 3] |= 0x80 >> (i & 7);
    return out;
  }
}

export class BitWriter {
  #buf = new Uint8Array(256);
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
    for (let i = n - 1; i >= 0; i--) {
      const b = Math.floor(v / 2 ** i) & 1;
      if (b) this.#buf[this.#bit >> 3] |= 0x80 >> (this.#bit & 7);
      this.#bit++;
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
    for (let i = 0; i < n; i++) this.bits((data[i >> 3] >> (7 - (i & 7))) & 1, 1);
  }

  /** The complete encoding, padded to whole octets (X.691 10.1.3: never empty). */
  finish(): Uint8Array {
    const n = (this.#bit + 7) >> 3;
    return n === 0 ? new Uint8Array(1) : this.#buf.slice(0, n);
  }
}

/** Big-endian marshalling of TPM 2.0 structures: a growable writer and a bounds-checked reader. */

export class TpmWriter {
  private buf = new Uint8Array(256);
  private len = 0;

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
  u8(v: number): this {
    this.room(1);
    this.buf[this.len++] = v & 0xff;
    return this;
  }
  u16(v: number): this {
    this.room(2);
    new DataView(this.buf.buffer).setUint16(this.len, v);
    this.len += 2;
    return this;
  }
  u32(v: number): this {
    this.room(4);
    new DataView(this.buf.buffer).setUint32(this.len, v >>> 0);
    this.len += 4;
    return this;
  }
  bytes(b: Uint8Array): this {
    this.room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }
  /** A TPM2B: u16 size then the bytes. */
  tpm2b(b: Uint8Array): this {
    if (b.length > 0xffff) throw new RangeError('TPM2B too large');
    return this.u16(b.length).bytes(b);
  }
  /** A TPM2B whose content is itself marshalled (e.g. TPM2B_PUBLIC around TPMT_PUBLIC). */
  sized(fill: (w: TpmWriter) => void): this {
    const inner = new TpmWriter();
    fill(inner);
    return this.tpm2b(inner.done());
  }
  done(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

/** Thrown when a TPM response is shorter or shaped differently than its command promises. */
export class TpmFormatError extends Error {
  override name = 'TpmFormatError';
}

export class TpmReader {
  private off = 0;
  private readonly view: DataView;
  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  private need(n: number): void {
    if (this.off + n > this.buf.length) throw new TpmFormatError(`TPM response truncated at byte ${this.off} (+${n})`);
  }
  get offset(): number {
    return this.off;
  }
  get remaining(): number {
    return this.buf.length - this.off;
  }
  u8(): number {
    this.need(1);
    return this.view.getUint8(this.off++);
  }
  u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.off);
    this.off += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.off);
    this.off += 4;
    return v;
  }
  bytes(n: number): Uint8Array {
    this.need(n);
    const v = this.buf.subarray(this.off, this.off + n);
    this.off += n;
    return v;
  }
  tpm2b(): Uint8Array {
    return this.bytes(this.u16());
  }
  /** A sub-reader over the next TPM2B's content. */
  sized(): TpmReader {
    return new TpmReader(this.tpm2b());
  }
}

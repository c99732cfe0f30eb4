/**
 * A minimal DER reader: enough to take a certificate apart into the pieces a new certificate
 * signed by it needs (its subject, as issuer; its key identifier) and to find a key's bits in a
 * SubjectPublicKeyInfo. Throws RangeError on anything malformed; never reads past the input.
 */

export interface Tlv {
  tag: number;
  /** The whole element: tag, length and content. */
  raw: Uint8Array;
  content: Uint8Array;
}

/** The element starting at `at`. */
export function readTlv(bytes: Uint8Array, at = 0): Tlv {
  const tag = bytes[at];
  const first = bytes[at + 1];
  if (tag === undefined || first === undefined) throw new RangeError('DER: truncated header');
  if ((tag & 0x1f) === 0x1f) throw new RangeError('DER: multi-byte tags are not supported');
  let len = first;
  let head = 2;
  if (first & 0x80) {
    const n = first & 0x7f;
    if (n === 0 || n > 4) throw new RangeError('DER: unsupported length');
    len = 0;
    for (let i = 0; i < n; i++) {
      const b = bytes[at + 2 + i];
      if (b === undefined) throw new RangeError('DER: truncated length');
      len = len * 256 + b;
    }
    head += n;
  }
  const end = at + head + len;
  if (end > bytes.length) throw new RangeError('DER: element runs past the end');
  return { tag, raw: bytes.subarray(at, end), content: bytes.subarray(at + head, end) };
}

/** The elements of a constructed value's content, in order. */
export function children(content: Uint8Array): Tlv[] {
  const out: Tlv[] = [];
  for (let at = 0; at < content.length; at += out[out.length - 1]?.raw.length ?? 0) out.push(readTlv(content, at));
  return out;
}

function expect(t: Tlv | undefined, tag: number, what: string): Tlv {
  if (t?.tag !== tag) throw new RangeError(`DER: expected ${what}`);
  return t;
}

export interface CertificateParts {
  /** The TBSCertificate, exactly as signed. */
  tbs: Uint8Array;
  /** The encoded issuer and subject Names (whole elements). */
  issuer: Uint8Array;
  subject: Uint8Array;
  subjectPublicKeyInfo: Uint8Array;
  /** extnValue contents (the bytes inside the OCTET STRING), by dotted OID. */
  extensions: Map<string, Uint8Array>;
}

/** Splits a DER certificate into the parts above (no signature check: that is the caller's job). */
export function certificateParts(der: Uint8Array): CertificateParts {
  const cert = expect(readTlv(der), 0x30, 'Certificate');
  const tbs = expect(children(cert.content)[0], 0x30, 'TBSCertificate');
  const f = children(tbs.content);
  const v = f[0]?.tag === 0xa0 ? 1 : 0; // version is optional (v1)
  const issuer = expect(f[v + 2], 0x30, 'issuer');
  const subject = expect(f[v + 4], 0x30, 'subject');
  const spki = expect(f[v + 5], 0x30, 'subjectPublicKeyInfo');
  const extensions = new Map<string, Uint8Array>();
  const ext = f.slice(v + 6).find((t) => t.tag === 0xa3);
  if (ext) {
    for (const e of children(expect(children(ext.content)[0], 0x30, 'Extensions').content)) {
      const parts = children(e.content);
      const id = expect(parts[0], 0x06, 'extnID');
      const value = expect(parts[parts.length - 1], 0x04, 'extnValue');
      extensions.set(dottedOid(id.content), value.content);
    }
  }
  return { tbs: tbs.raw, issuer: issuer.raw, subject: subject.raw, subjectPublicKeyInfo: spki.raw, extensions };
}

/** The subjectPublicKey BIT STRING's bits (for EC keys: the uncompressed point 04‖x‖y). */
export function spkiPublicKeyBits(spki: Uint8Array): Uint8Array {
  const parts = children(expect(readTlv(spki), 0x30, 'SubjectPublicKeyInfo').content);
  const bits = expect(parts[1], 0x03, 'subjectPublicKey');
  if (bits.content[0] !== 0) throw new RangeError('DER: subjectPublicKey has unused bits');
  return bits.content.subarray(1);
}

/** An OBJECT IDENTIFIER's content bytes as dotted text. */
export function dottedOid(content: Uint8Array): string {
  const arcs: number[] = [];
  let v = 0;
  for (const b of content) {
    v = v * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      arcs.push(v);
      v = 0;
    }
  }
  const [first = 0, ...rest] = arcs;
  const head = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80];
  return [...head, ...rest].join('.');
}


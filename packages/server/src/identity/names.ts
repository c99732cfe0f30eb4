/**
 * The names the generated HTTPS certificate covers, and whether a certificate covers exactly them.
 * What counts as an IP address is decided by the same parser that encodes iPAddress entries
 * (protocol's x509 ipToBytes), so a name accepted here always goes into a certificate; it also
 * keeps node:net's large IPv6 regular expression from being compiled on every start.
 */
import type { X509Certificate } from 'node:crypto';
import { ipToBytes } from '@meshwork/protocol/x509/index';

export interface SanEntry {
  type: 'dns' | 'ip';
  value: string;
}

const isIp = (name: string): boolean => ipToBytes(name) !== undefined;
const DNS_NAME = /^(\*\.)?[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** Whether a configured name is usable in a certificate (a DNS name, optionally wildcard, or an IP). */
export function isValidCertName(name: string): boolean {
  return isIp(name) || (name.length <= 253 && DNS_NAME.test(name.toLowerCase()));
}

/** localhost, 127.0.0.1, ::1 and the configured names: IPs as IP SANs, the rest as DNS SANs. */
export function wantedSans(names: readonly string[]): SanEntry[] {
  const out: SanEntry[] = [];
  const seen = new Set<string>();
  for (const raw of ['localhost', '127.0.0.1', '::1', ...names]) {
    const ip = isIp(raw);
    const value = ip ? raw : raw.toLowerCase();
    const key = `${ip ? 'ip' : 'dns'}:${value}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ type: ip ? 'ip' : 'dns', value });
  }
  return out;
}

/** True when the certificate's SAN list is exactly `wanted` (IPs compared by OpenSSL, not by text). */
export function coversExactly(cert: X509Certificate, wanted: readonly SanEntry[]): boolean {
  const san = cert.subjectAltName;
  if (!san) return false;
  const entries = san.split(', ');
  if (entries.length !== wanted.length) return false;
  const dns = new Set(entries.filter((e) => e.startsWith('DNS:')).map((e) => e.slice(4).toLowerCase()));
  for (const w of wanted) {
    if (w.type === 'dns' && !dns.has(w.value)) return false;
    if (w.type === 'ip' && cert.checkIP(w.value) === undefined) return false;
  }
  return true;
}

/**
 * The network a client address belongs to, for login throttling: IPv4 /24, IPv6 /64, and
 * IPv4-mapped IPv6 (`::ffff:a.b.c.d`) treated as the IPv4 address it carries.
 */
import { isIPv4, isIPv6 } from 'node:net';

/** Expands an IPv6 address to its 8 16-bit groups; null when it is not IPv6. */
export function ipv6Groups(ip: string): number[] | null {
  const zone = ip.indexOf('%');
  const addr = zone >= 0 ? ip.slice(0, zone) : ip;
  if (!isIPv6(addr)) return null;
  let text = addr.toLowerCase();
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4?.[1]) {
    const o = v4[1].split('.').map(Number) as [number, number, number, number];
    text = text.slice(0, -v4[1].length) + `${((o[0] << 8) | o[1]).toString(16)}:${((o[2] << 8) | o[3]).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (s: string): number[] => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const h = parse(head);
  const t = tail === undefined ? [] : parse(tail);
  const zeros = tail === undefined ? 0 : 8 - h.length - t.length;
  return [...h, ...new Array<number>(zeros).fill(0), ...t];
}

/** `v4:a.b.c.0/24` or `v6:xxxx:xxxx:xxxx:xxxx::/64`; `other:<ip>` for anything unparseable. */
export function networkKey(ip: string): string {
  if (isIPv4(ip)) return `v4:${ip.split('.').slice(0, 3).join('.')}.0/24`;
  const g = ipv6Groups(ip);
  if (!g) return `other:${ip.slice(0, 64)}`;
  const mapped = g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff;
  if (mapped) {
    const hi = g[6] ?? 0;
    return `v4:${hi >> 8}.${hi & 0xff}.${(g[7] ?? 0) >> 8}.0/24`;
  }
  return `v6:${g.slice(0, 4).map((x) => x.toString(16)).join(':')}::/64`;
}

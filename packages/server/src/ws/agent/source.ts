/**
 * Where a connection comes from, for the per-source limits of admission (tls-admission.ts): its
 * address, and its network — IPv4 /24, IPv6 /64 (auth/network.ts, the same keys as login
 * throttling). An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, a dual-stack listener) is the IPv4
 * address it carries.
 */
import { isIPv4 } from 'node:net';
import { ipv6Groups, networkKey } from '../../auth/network.js';

export interface Source {
  address: string;
  network: string;
}

export function sourceOf(remoteAddress: string | undefined): Source {
  const ip = remoteAddress ?? 'unknown';
  return { address: addressKey(ip), network: networkKey(ip) };
}

function addressKey(ip: string): string {
  if (isIPv4(ip)) return ip;
  const g = ipv6Groups(ip);
  if (!g) return `other:${ip.slice(0, 64)}`;
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) {
    const hi = g[6] ?? 0;
    const lo = g[7] ?? 0;
    return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  }
  return g.map((x) => x.toString(16)).join(':');
}

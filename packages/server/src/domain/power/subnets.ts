/**
 * IPv4 subnet arithmetic for Wake-on-LAN: which interfaces of a device can be woken (a real MAC and
 * an IPv4 network), whether another device has an address in one of those networks, and the
 * network's broadcast address. Inventory is untrusted agent data: it is re-parsed with its schema
 * and anything odd is skipped.
 */
import { SystemInventory } from '@meshwork/protocol';

export interface Ipv4Net {
  /** Network address as an unsigned 32-bit number. */
  network: number;
  prefix: number;
}

export interface WakeInterface {
  mac: string;
  nets: Ipv4Net[];
}

/** Networks narrower than /30 have no broadcast domain; wider than /8 are not a LAN. */
const MIN_PREFIX = 8;
const MAX_PREFIX = 30;

export function parseIpv4(text: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return null;
  return (((parts[0] ?? 0) << 24) | ((parts[1] ?? 0) << 16) | ((parts[2] ?? 0) << 8) | (parts[3] ?? 0)) >>> 0;
}

export function formatIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

const maskOf = (prefix: number): number => (prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0);

/** `192.0.2.7/24` → address and prefix; null for IPv6 or anything malformed. */
export function parseCidr4(text: string): { address: number; prefix: number } | null {
  const [addr, len, extra] = text.split('/');
  if (addr === undefined || len === undefined || extra !== undefined || !/^\d{1,2}$/.test(len)) return null;
  const address = parseIpv4(addr);
  const prefix = Number(len);
  return address === null || prefix > 32 ? null : { address, prefix };
}

export const networkOf = (address: number, prefix: number): Ipv4Net => ({ network: (address & maskOf(prefix)) >>> 0, prefix });

export const broadcastOf = (net: Ipv4Net): string => formatIpv4((net.network | ~maskOf(net.prefix)) >>> 0);

export const inNet = (address: number, net: Ipv4Net): boolean => (address & maskOf(net.prefix)) >>> 0 === net.network;

/** Loopback, link-local, multicast and reserved space never carry a magic packet. */
function lanAddress(address: number): boolean {
  const first = address >>> 24;
  if (first === 0 || first === 127 || first >= 224) return false;
  return (address & 0xffff0000) >>> 0 !== 0xa9fe0000; // 169.254/16
}

/** A MAC that names one real interface: not all zeros, not multicast/broadcast. */
export function usableMac(mac: string): boolean {
  const first = parseInt(mac.slice(0, 2), 16);
  return mac !== '00:00:00:00:00:00' && (first & 1) === 0;
}

function inventoryOf(info: Record<string, unknown>): SystemInventory | null {
  const r = SystemInventory.safeParse(info['system']);
  return r.success ? r.data : null;
}

/** The interfaces of a device that Wake-on-LAN can reach: usable MAC + LAN IPv4 networks. */
export function wakeInterfaces(info: Record<string, unknown>): WakeInterface[] {
  const inv = inventoryOf(info);
  if (!inv) return [];
  const out: WakeInterface[] = [];
  for (const nic of inv.network) {
    if (nic.mac === null || !usableMac(nic.mac)) continue;
    const nets: Ipv4Net[] = [];
    for (const a of nic.addresses) {
      const c = parseCidr4(a);
      if (!c || c.prefix < MIN_PREFIX || c.prefix > MAX_PREFIX || !lanAddress(c.address)) continue;
      const net = networkOf(c.address, c.prefix);
      if (!nets.some((n) => n.network === net.network && n.prefix === net.prefix)) nets.push(net);
    }
    if (nets.length > 0) out.push({ mac: nic.mac, nets });
  }
  return out;
}

/** Every IPv4 address a device reported (any interface, any prefix). */
export function ipv4Addresses(info: Record<string, unknown>): number[] {
  const inv = inventoryOf(info);
  if (!inv) return [];
  return inv.network.flatMap((nic) => nic.addresses.map(parseCidr4).filter((c): c is { address: number; prefix: number } => c !== null).map((c) => c.address));
}

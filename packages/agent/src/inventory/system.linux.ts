/** System inventory on Linux: /etc/os-release, /proc, os module, statfs of real mounts, who. */
import { execFile } from 'node:child_process';
import { readFile, statfs } from 'node:fs/promises';
import os from 'node:os';
import { promisify } from 'node:util';
import type { DiskInfo, NetInterface, SystemInventory } from '@meshwork/protocol/session/index';
import { text } from './sanitize.js';

const run = promisify(execFile);
const REAL_FS = new Set(['ext2', 'ext3', 'ext4', 'xfs', 'btrfs', 'zfs', 'vfat', 'exfat', 'ntfs', 'ntfs3', 'f2fs', 'jfs', 'reiserfs', 'overlay', 'fuseblk', 'nfs', 'nfs4', 'cifs']);

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return '';
  }
}

export async function osRelease(): Promise<{ name: string; version: string }> {
  const t = await readText('/etc/os-release');
  const get = (k: string) => new RegExp(`^${k}="?([^"\\n]*)"?$`, 'm').exec(t)?.[1];
  return { name: get('NAME') ?? os.type(), version: get('VERSION') ?? get('VERSION_ID') ?? '' };
}

export async function disks(): Promise<DiskInfo[]> {
  const out: DiskInfo[] = [];
  const seen = new Set<string>();
  for (const line of (await readText('/proc/mounts')).split('\n')) {
    const [device, mount, fsType] = line.split(' ');
    if (!device || !mount || !fsType || !REAL_FS.has(fsType) || seen.has(mount)) continue;
    seen.add(mount);
    try {
      const s = await statfs(mount.replace(/\\040/g, ' '));
      const total = s.blocks * s.bsize;
      const free = s.bavail * s.bsize;
      out.push({ mount: text(mount, 256), fsType: text(fsType, 32), device: text(device, 256), totalBytes: total, usedBytes: Math.max(0, total - s.bfree * s.bsize), freeBytes: free });
    } catch {
      /* unreadable mount: skip */
    }
    if (out.length >= 64) break;
  }
  return out;
}

export function network(): NetInterface[] {
  const out: NetInterface[] = [];
  for (const [name, addrs] of Object.entries(os.networkInterfaces())) {
    if (!addrs) continue;
    const mac = addrs.find((a) => a.mac && a.mac !== '00:00:00:00:00:00')?.mac ?? null;
    out.push({ name: text(name, 64), mac: mac?.toLowerCase() ?? null, addresses: addrs.slice(0, 64).map((a) => `${a.address.split('%')[0]}/${a.cidr?.split('/')[1] ?? (a.family === 'IPv4' ? 32 : 128)}`) });
  }
  return out.slice(0, 64);
}

export async function loggedInUsers(): Promise<string[]> {
  try {
    const { stdout } = await run('who', [], { timeout: 2000, maxBuffer: 256 * 1024 });
    return [...new Set(stdout.split('\n').map((l) => l.split(/\s+/)[0]).filter((u): u is string => !!u))].slice(0, 256).map((u) => text(u, 64));
  } catch {
    return [];
  }
}

export async function bootTime(): Promise<number | null> {
  const m = /^btime (\d+)$/m.exec(await readText('/proc/stat'));
  return m?.[1] ? Number(m[1]) * 1000 : null;
}

export async function collectSystem(agentVersion: string): Promise<SystemInventory> {
  const [rel, d, users, boot] = await Promise.all([osRelease(), disks(), loggedInUsers(), bootTime()]);
  const cpus = os.cpus();
  return {
    hostname: text(os.hostname(), 255),
    os: { name: text(rel.name, 128), version: text(rel.version, 128), kernel: text(os.release(), 128), platform: text(os.platform(), 32) },
    arch: text(os.arch(), 32),
    cpu: { model: text(cpus[0]?.model ?? 'unknown', 256), cores: cpus.length },
    memory: { totalBytes: os.totalmem(), freeBytes: os.freemem() },
    disks: d,
    network: network(),
    users,
    bootTime: boot,
    agentVersion: text(agentVersion, 64),
  };
}

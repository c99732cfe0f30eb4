/**
 * The agent-package registry: the executables this server hands out (dist/agent-packages by
 * default; config `agentPackagesDir`, flag `--agent-packages`, env MESHWORK_AGENT_PACKAGES).
 *
 * At start the manifest's SHA-256 and size of every package are recorded, and each file is checked
 * to exist with that size (a file that does not is left out, logged). The files are not hashed at
 * start: three ~95 MB executables cost 1–2 s of CPU per worker, on the path to the first answer and
 * in every test server. Instead a download opens the file and checks it against the recorded hash
 * before the first byte goes out: when (dev, ino, size, mtime ns, ctime ns) are what they were when
 * it was last hashed and found matching, the hash is not repeated; otherwise the open file is hashed,
 * and a mismatch is refused with `agent_package_changed` — until the file matches again (a rebuild
 * in progress) — and the bytes sent are read from the same open file that was checked. The list
 * keeps the recorded hash, so whatever is served is what was advertised.
 *
 * Download links (links.ts) let an installer fetch a package without an account for a short time.
 */
import { open, readFile, stat, type FileHandle } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { AGENT_PLATFORMS, type AgentPlatform } from '@meshwork/protocol';
import { ApiError } from '../errors.js';
import { MAX_LINK_TTL_MS, createLinkSigner } from './links.js';
import { MANIFEST_FILE, parseManifest, type ManifestEntry } from './manifest.js';

export interface AgentPackage {
  platform: AgentPlatform;
  version: string;
  /** SHA-256 hex of the executable, as the manifest said at start (every download is checked against it). */
  sha256: string;
  size: number;
  /** The Node version inside the executable, when the manifest says. */
  node: string | null;
}

export interface AgentPackageLink {
  /** Absolute path on this server, e.g. /api/v1/agent/packages/linux-x64?link=… */
  url: string;
  /** The link token alone (the `link` query value). */
  token: string;
  /** Unix ms. */
  expiresAt: number;
}

export interface OpenedPackage {
  pkg: AgentPackage;
  /** The executable's bytes, read from the file that was just checked. */
  stream: Readable;
}

export interface AgentPackages {
  /** The directory read at start. */
  readonly dir: string;
  list(): AgentPackage[];
  get(platform: AgentPlatform): AgentPackage | undefined;
  /** A download link valid for ttlMs (at most 24 h); undefined when there is no package for the platform. */
  createLink(platform: AgentPlatform, ttlMs: number): AgentPackageLink | undefined;
  /** True when `token` is an unexpired link for `platform`. */
  checkLink(platform: string, token: string): boolean;
  /** Opens the package for sending; throws ApiError not_found / agent_package_changed. */
  open(platform: AgentPlatform): Promise<OpenedPackage>;
}

export interface RegistryOptions {
  /** null = `<repo>/dist/agent-packages`; '' = serve none. */
  dir: string | null;
  /** HMAC key of download links (links.ts linkKeyFrom). */
  linkKey: Buffer;
  now: () => number;
  log: Logger;
  /**
   * false: take the manifest as it is without looking at the files (the CLI's local mode and the
   * cluster primary, which serve no downloads).
   */
  checkAtStart?: boolean;
}

/** Where `npm run build:agents` writes: dist/agent-packages at the repository root. */
export const DEFAULT_AGENT_PACKAGES_DIR = fileURLToPath(new URL('../../../../dist/agent-packages', import.meta.url));

/** What must be unchanged for a download to skip re-hashing. */
interface FileStamp { dev: bigint; ino: bigint; size: bigint; mtimeNs: bigint; ctimeNs: bigint }

interface Entry {
  pkg: AgentPackage;
  path: string;
  /** The file as last hashed and found matching (null: not hashed yet). */
  stamp: FileStamp | null;
  /** A re-hash in progress (or found not matching), shared by the downloads that see the same stamp. */
  checking?: { key: string; matches: Promise<boolean> };
}

const CHUNK = 1024 * 1024;

async function stampOf(fh: FileHandle): Promise<FileStamp & { isFile: boolean }> {
  const s = await fh.stat({ bigint: true });
  return { dev: s.dev, ino: s.ino, size: s.size, mtimeNs: s.mtimeNs, ctimeNs: s.ctimeNs, isFile: s.isFile() };
}

const stampKey = (s: FileStamp): string => `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;

/** SHA-256 hex and length of an open file, read from its start. */
async function hashOpenFile(fh: FileHandle): Promise<{ sha256: string; size: number }> {
  const h = createHash('sha256');
  const buf = Buffer.allocUnsafe(CHUNK);
  let pos = 0;
  for (;;) {
    const { bytesRead } = await fh.read(buf, 0, CHUNK, pos);
    if (bytesRead === 0) break;
    h.update(buf.subarray(0, bytesRead));
    pos += bytesRead;
  }
  return { sha256: h.digest('hex'), size: pos };
}

/** Checks that one manifest entry's file is a regular file of the recorded size; null (logged) when not. */
async function checkEntry(dir: string, m: ManifestEntry, log: Logger): Promise<Entry | null> {
  const path = join(dir, m.file);
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new Error('not a regular file');
    if (st.size !== m.size) {
      log.error({ platform: m.platform, path, manifest: { size: m.size }, file: { size: st.size } }, 'agent package does not match its manifest; not served');
      return null;
    }
    return { pkg: packageOf(m), path, stamp: null };
  } catch (e) {
    log.error({ platform: m.platform, path, err: (e as Error).message }, 'agent package unreadable; not served');
    return null;
  }
}

const packageOf = (m: ManifestEntry): AgentPackage => ({
  platform: m.platform, version: m.version, sha256: m.sha256, size: m.size, node: m.node ?? null,
});

async function readEntries(dir: string, hash: boolean, log: Logger): Promise<Entry[]> {
  if (dir === '') return [];
  let text: string;
  try {
    text = await readFile(join(dir, MANIFEST_FILE), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    log.info({ dir }, 'no agent packages (no manifest.json); build them with npm run build:agents');
    return [];
  }
  const manifest = parseManifest(text);
  if (!hash) return manifest.map((m) => ({ pkg: packageOf(m), path: join(dir, m.file), stamp: null }));
  const entries = (await Promise.all(manifest.map((m) => checkEntry(dir, m, log)))).filter((e): e is Entry => e !== null);
  log.info({ dir, packages: entries.map((e) => `${e.pkg.platform} ${e.pkg.version}`) }, 'agent packages');
  return entries;
}

/** Reads and checks the packages directory. Throws ManifestError on a malformed manifest. */
export async function loadAgentPackages(opts: RegistryOptions): Promise<AgentPackages> {
  const dir = opts.dir ?? DEFAULT_AGENT_PACKAGES_DIR;
  const read = await readEntries(dir, opts.checkAtStart !== false, opts.log);
  const order = (e: Entry): number => AGENT_PLATFORMS.indexOf(e.pkg.platform);
  const entries = new Map(read.sort((a, b) => order(a) - order(b)).map((e) => [e.pkg.platform, e]));
  const signer = createLinkSigner(opts.linkKey);
  return {
    dir,
    list: () => [...entries.values()].map((e) => ({ ...e.pkg })),
    get(platform) {
      const e = entries.get(platform);
      return e ? { ...e.pkg } : undefined;
    },
    createLink(platform, ttlMs) {
      if (!entries.has(platform)) return undefined;
      const expiresAt = opts.now() + Math.max(1, Math.min(Math.floor(ttlMs), MAX_LINK_TTL_MS));
      const token = signer.sign(platform, expiresAt);
      return { url: `/api/v1/agent/packages/${platform}?link=${token}`, token, expiresAt };
    },
    checkLink: (platform, token) => signer.check(platform, token, opts.now()),
    async open(platform) {
      const e = entries.get(platform);
      if (!e) throw new ApiError('not_found');
      const fh = await open(e.path, 'r').catch(() => {
        opts.log.error({ platform, path: e.path }, 'agent package file is gone');
        throw new ApiError('agent_package_changed');
      });
      try {
        const { isFile, ...stamp } = await stampOf(fh);
        if (!isFile) throw new ApiError('agent_package_changed');
        const key = stampKey(stamp);
        if (!e.stamp || stampKey(e.stamp) !== key) {
          if (e.checking?.key !== key) {
            const matches = hashOpenFile(fh).then((got) => {
              const ok = got.size === e.pkg.size && got.sha256 === e.pkg.sha256;
              if (ok) e.stamp = stamp;
              else opts.log.error({ platform, path: e.path, recorded: e.pkg, file: got }, 'agent package does not match what was recorded at start; refused');
              return ok;
            });
            e.checking = { key, matches };
            // Kept after a mismatch (the same bad file is refused without hashing it again); dropped after a match
            // (e.stamp now says it) or a read error (the next download tries again).
            const drop = (): void => { if (e.checking?.key === key) e.checking = undefined; };
            void matches.then((ok) => { if (ok) drop(); }, drop);
          }
          if (!(await e.checking.matches)) throw new ApiError('agent_package_changed');
        }
        return { pkg: { ...e.pkg }, stream: fh.createReadStream({ start: 0, end: e.pkg.size - 1 }) };
      } catch (err) {
        await fh.close();
        throw err;
      }
    },
  };
}

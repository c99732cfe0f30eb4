// Seeds a Meshwork data dir for the web UI benchmark, before the server starts: an administrator
// (through the `meshwork` CLI, so the password hash is the real one) and N devices across G device
// groups (through the Store API of @meshwork/store-sqlite, as the server itself would store them).
// Devices are offline (no agent holds them), with varied names, OS strings, tags and last-seen times.
// Usage: node bench/web-devices/seed.mjs DATA_DIR [--devices 10000] [--groups 20]
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { openSqliteStore } from '@meshwork/store-sqlite';

const repo = resolve(import.meta.dirname, '..', '..');
export const ADMIN = { name: 'admin', password: 'bench admin password' };

const SITES = ['berlin', 'lisbon', 'oslo', 'madrid', 'dublin', 'vienna', 'prague', 'warsaw', 'riga', 'tallinn',
  'zurich', 'milan', 'lyon', 'porto', 'gdansk', 'ghent', 'bergen', 'turku', 'krakow', 'seville', 'malmo', 'graz'];
const KINDS = ['ws', 'laptop', 'srv', 'kiosk', 'pos', 'cam', 'nas'];
const OSES = ['Debian GNU/Linux 12 (bookworm)', 'Ubuntu 24.04.1 LTS', 'Windows 11 Pro 23H2', 'Windows Server 2022',
  'macOS 14.6 Sonoma', 'Raspberry Pi OS (64-bit)', 'Fedora Linux 41', 'Alpine Linux v3.20'];
const TAGS = ['finance', 'hr', 'lab', 'warehouse', 'reception', 'dev', 'ops', 'legacy', 'vip', 'spare'];

/** A deterministic pseudo-random sequence (the same data set every run). */
function rng(seed) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

export async function seed(dataDir, { devices = 10_000, groups = 20 } = {}) {
  const cli = join(repo, 'packages', 'cli', 'dist', 'main.js');
  const r = spawnSync(process.execPath, [cli, 'user', 'add', ADMIN.name, '--admin', '--data', dataDir], { input: `${ADMIN.password}\n`, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`meshwork user add exited ${r.status}: ${r.stderr}`);

  const store = await openSqliteStore(join(dataDir, 'meshwork.db'));
  try {
    const rand = rng(42);
    const now = Date.now();
    const groupIds = [];
    for (let g = 0; g < groups; g++) {
      const id = randomBytes(48).toString('hex');
      const site = SITES[g % SITES.length];
      await store.createDeviceGroup({ id, name: `${site[0].toUpperCase()}${site.slice(1)} office`, description: `Devices at the ${site} site`, createdAt: now - 90 * 86_400_000 });
      groupIds.push(id);
    }
    for (let i = 0; i < devices; i++) {
      const g = i % groups;
      const kind = KINDS[Math.floor(rand() * KINDS.length)];
      const tags = TAGS.filter(() => rand() < 0.12);
      await store.upsertDevice({
        id: randomBytes(48).toString('hex'),
        groupId: groupIds[g],
        name: `${SITES[g % SITES.length]}-${kind}-${String(i).padStart(5, '0')}`,
        tags,
        notes: '',
        os: OSES[Math.floor(rand() * OSES.length)],
        info: {},
        infoHash: null,
        lastSeen: now - Math.floor(rand() * 30 * 86_400_000),
        createdAt: now - 60 * 86_400_000,
      });
    }
    return { devices: await store.countDevices(), groups: groupIds.length };
  } finally {
    await store.close();
  }
}

if (process.argv[1] === import.meta.filename) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { devices: { type: 'string', default: '10000' }, groups: { type: 'string', default: '20' } } });
  if (positionals.length !== 1) {
    console.error('usage: node bench/web-devices/seed.mjs DATA_DIR [--devices N] [--groups G]');
    process.exit(2);
  }
  const t0 = performance.now();
  const r = await seed(resolve(positionals[0]), { devices: Number(values.devices), groups: Number(values.groups) });
  console.log(`seeded ${r.devices} devices in ${r.groups} groups in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

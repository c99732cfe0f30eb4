// The shared Store contract, run against real SQLite files (one fresh file per test).
import { after, before } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runStoreContract } from '@meshwork/store/contract';
import { openSqliteStore } from './sqlite-store.js';

let dir = '';
let n = 0;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meshwork-sqlite-contract-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

runStoreContract('sqlite', async () => {
  const file = join(dir, `store-${++n}.db`);
  const store = await openSqliteStore(file);
  return {
    store,
    async cleanup() {
      await store.close();
      await rm(file, { force: true });
    },
  };
});

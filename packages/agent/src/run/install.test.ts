import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { ensureStateDir } from '../identity/state.js';
import { tempStateDirs } from '../identity/testing/temp-dirs.js';
import { INSTALL_FILE, InstallFileError, loadStoredInstall, parseInstallFile, storeInstall } from './install.js';

const fresh = tempStateDirs('mw-install-');
const good = { serverUrls: ['https://mesh.example:8443'], serverId: 'a'.repeat(96), groupId: 'b'.repeat(96), groupName: 'Lab', enrolmentToken: 'tok' };

test('a good install file round-trips through the state dir (0600)', async () => {
  const dir = fresh();
  await ensureStateDir(dir);
  assert.equal(await loadStoredInstall(dir), undefined);
  const install = parseInstallFile(JSON.stringify(good), 'install.json');
  await storeInstall(dir, install);
  assert.deepEqual(await loadStoredInstall(dir), good);
  assert.equal(statSync(join(dir, INSTALL_FILE)).mode & 0o777, 0o600);
});

test('bad install files are refused with a reason', () => {
  const cases: Array<[unknown, RegExp]> = [
    ['{', /not JSON/],
    [{ ...good, serverId: 'xyz' }, /serverId/],
    [{ ...good, serverUrls: [] }, /no server URL/],
    [{ ...good, serverUrls: ['http://mesh.example'] }, /must use https/],
    [{ ...good, enrolmentToken: 'a\nb' }, /enrolment token/],
    [{ ...good, enrolmentToken: 'x'.repeat(257) }, /enrolment token/],
  ];
  for (const [content, message] of cases) {
    assert.throws(() => parseInstallFile(typeof content === 'string' ? content : JSON.stringify(content), 'f.json'), (e: unknown) => e instanceof InstallFileError && message.test(e.message));
  }
});

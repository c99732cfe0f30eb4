/**
 * Delegated rights must not escalate to device control (review finding 3) — against the real
 * server process, with real sessions and its SQLite file. A user manager (manageUsers) must not take
 * over a more powerful account, lift its own restrictions or edit its own site rights; a user-group
 * manager (manageUserGroups) must not join a user group carrying rights it lacks.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Browser, removeDir, startWithAdmin, type Reply, type ServerProc } from '../testing/server-process.js';

const code = (r: Reply): unknown => (r.json as { code?: unknown } | undefined)?.code;
interface U { id: string; name: string; siteRights: string[] }
interface G { id: string; name: string; myRights: string[] }

describe('delegated site rights do not escalate to device control', () => {
  let s: ServerProc;
  let admin: Browser;
  let operator: U, manager: U, auditor: U, ugManager: U;
  let ops: { id: string };
  const user = async (name: string, siteRights: string[]): Promise<U> => {
    const r = await admin.call('POST', '/api/v1/users', { body: { name, password: `${name} password 1`, siteRights } });
    assert.equal(r.status, 200, r.text);
    return r.json as U;
  };
  const login = async (name: string, password = `${name} password 1`): Promise<Browser> => {
    const b = new Browser(s);
    assert.equal((await b.login(name, password)).status, 200, `${name} logs in`);
    return b;
  };

  // An operator with full rights on a device group, a user manager bound by restrictions, an
  // auditor with a site right the manager lacks, and a user-group manager.
  before(async () => {
    ({ server: s, admin } = await startWithAdmin());
    const fleet = (await admin.call('POST', '/api/v1/groups', { body: { name: 'Fleet' } })).json as G;
    operator = await user('operator', []);
    assert.equal((await admin.call('PUT', `/api/v1/groups/${fleet.id}/rights/${operator.id}`, { body: { rights: ['full'] } })).status, 200);
    manager = await user('manager', ['manageUsers', 'locked', 'noNewGroups', 'noNewDevices']);
    auditor = await user('auditor', ['allEvents']);
    ugManager = await user('ugmanager', ['manageUserGroups']);
    ops = (await admin.call('POST', '/api/v1/user-groups', { body: { name: 'ops' } })).json as { id: string };
    assert.equal((await admin.call('PUT', `/api/v1/groups/${fleet.id}/rights/${ops.id}`, { body: { rights: ['full'] } })).status, 200);
  });
  after(async () => {
    await s.stop('SIGKILL');
    removeDir(s.dataDir);
  });

  test('a user manager cannot take over a more powerful account', async () => {
    const m = await login('manager');
    // The operator (full rights on Fleet) or the auditor (a site right the manager lacks).
    for (const target of [operator, auditor]) {
      const r = await m.call('POST', `/api/v1/users/${target.id}/password`, { body: { password: 'taken over password' } });
      assert.equal(r.status, 403, `setting the password of ${target.name}: ${r.text}`);
      assert.equal(code(r), 'forbidden');
      assert.equal(code(await m.call('PATCH', `/api/v1/users/${target.id}`, { body: { resetTotp: true } })), 'forbidden');
      assert.equal(code(await m.call('PATCH', `/api/v1/users/${target.id}`, { body: { disabled: true } })), 'forbidden');
      assert.equal(code(await m.call('DELETE', `/api/v1/users/${target.id}`)), 'forbidden');
    }
    assert.equal(code(await new Browser(s).login('operator', 'taken over password')), 'bad_credentials');
    await login('operator');
  });

  test('a user manager cannot lift its own restrictions or edit its own site rights', async () => {
    const m = await login('manager');
    for (const siteRights of [['manageUsers', 'noNewGroups', 'noNewDevices'], ['manageUsers'], ['manageUsers', 'locked', 'noNewGroups', 'noNewDevices', 'allEvents']]) {
      const r = await m.call('PATCH', `/api/v1/users/${manager.id}`, { body: { siteRights } });
      assert.equal(r.status, 403, `own site rights → ${siteRights.join(',')}: ${r.text}`);
      assert.equal(code(r), 'forbidden');
    }
    assert.deepEqual(((await admin.call('GET', `/api/v1/users/${manager.id}`)).json as U).siteRights.sort(), ['locked', 'manageUsers', 'noNewDevices', 'noNewGroups']);
    // Nor through an account it creates: new users keep the manager's restrictions.
    assert.equal(code(await m.call('POST', '/api/v1/users', { body: { name: 'sidekick', password: 'sidekick password 1' } })), 'forbidden');
    const kept = await m.call('POST', '/api/v1/users', { body: { name: 'sidekick', password: 'sidekick password 1', siteRights: ['locked', 'noNewGroups', 'noNewDevices'] } });
    assert.equal(kept.status, 200, kept.text);
    // A user within the manager's rights stays manageable.
    assert.equal((await m.call('POST', `/api/v1/users/${(kept.json as U).id}/password`, { body: { password: 'sidekick password 2' } })).status, 200);
  });

  test('a user-group manager cannot join a user group carrying rights it lacks', async () => {
    const u = await login('ugmanager');
    const join = await u.call('PUT', `/api/v1/user-groups/${ops.id}/members/${ugManager.id}`);
    assert.equal(join.status, 403, join.text);
    assert.equal(code(join), 'forbidden');
    assert.deepEqual(((await u.call('GET', '/api/v1/groups')).json as G[]).map((g) => g.name), [], 'still sees no device group');
  });
});

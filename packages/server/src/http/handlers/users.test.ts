/** User management rules — against the real server process. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Browser, removeDir, startWithAdmin, type Reply } from '../../testing/server-process.js';

const code = (r: Reply): unknown => (r.json as { code?: unknown } | undefined)?.code;
const PW = 'correct horse battery';
interface U { id: string; name: string; siteRights: string[]; disabled: boolean }

test('users: admins manage, users read themselves, and the last admin is protected', async (t) => {
  const { server: s, admin } = await startWithAdmin('admin', PW);
  t.after(async () => { await s.stop('SIGKILL'); removeDir(s.dataDir); });
  const me = ((await admin.call('GET', '/api/v1/auth/session')).json as { user: U }).user;

  const bob = (await admin.call('POST', '/api/v1/users', { body: { name: 'bob', password: 'bob password 1' } })).json as U;
  assert.deepEqual(bob.siteRights, []);
  assert.equal(code(await admin.call('POST', '/api/v1/users', { body: { name: 'bob', password: 'other password' } })), 'conflict');
  assert.equal(code(await admin.call('POST', '/api/v1/users', { body: { name: 'Bad Name', password: 'other password' } })), 'validation_failed');
  assert.equal(code(await admin.call('POST', '/api/v1/users', { body: { name: 'carol', password: 'short' } })), 'validation_failed');

  const b = new Browser(s);
  await b.login('bob', 'bob password 1');
  assert.deepEqual(((await b.call('GET', '/api/v1/users')).json as U[]).map((u) => u.name), ['bob'], 'a plain user sees only themselves');
  assert.equal((await b.call('GET', `/api/v1/users/${bob.id}`)).status, 200);
  assert.equal(code(await b.call('GET', `/api/v1/users/${me.id}`)), 'not_found', 'other users are invisible');
  assert.equal(code(await b.call('POST', '/api/v1/users', { body: { name: 'eve', password: 'eve password 1' } })), 'forbidden');

  // A user manager (not admin) can create users but not grant admin or touch administrators.
  assert.equal((await admin.call('PATCH', `/api/v1/users/${bob.id}`, { body: { siteRights: ['manageUsers'] } })).status, 200);
  const grantAdmin = await b.call('POST', '/api/v1/users', { body: { name: 'eve', password: 'eve password 1', siteRights: ['admin'] } });
  assert.equal(code(grantAdmin), 'forbidden');
  assert.equal((await b.call('POST', '/api/v1/users', { body: { name: 'eve', password: 'eve password 1' } })).status, 200);
  assert.equal(code(await b.call('PATCH', `/api/v1/users/${me.id}`, { body: { disabled: true } })), 'forbidden');
  assert.equal(code(await b.call('POST', `/api/v1/users/${me.id}/password`, { body: { password: 'hijacked password' } })), 'forbidden');
  assert.equal(code(await b.call('PATCH', `/api/v1/users/${bob.id}`, { body: { siteRights: ['manageUsers', 'admin'] } })), 'forbidden');

  // Nobody disables or deletes themselves; the last admin cannot be demoted.
  const selfDisable = await admin.call('PATCH', `/api/v1/users/${me.id}`, { body: { disabled: true } });
  assert.equal(code(selfDisable), 'conflict');
  assert.match((selfDisable.json as { message: string }).message, /your own account/);
  assert.equal(code(await admin.call('DELETE', `/api/v1/users/${me.id}`)), 'conflict');
  const demote = await admin.call('PATCH', `/api/v1/users/${me.id}`, { body: { siteRights: [] } });
  assert.equal(code(demote), 'conflict');
  assert.match((demote.json as { message: string }).message, /last administrator/);
  // With a second admin, demoting yourself is allowed.
  const second = (await admin.call('POST', '/api/v1/users', { body: { name: 'root2', password: 'root2 password', siteRights: ['admin'] } })).json as U;
  assert.equal((await admin.call('PATCH', `/api/v1/users/${me.id}`, { body: { siteRights: [] } })).status, 200);
  const r2 = new Browser(s);
  await r2.login('root2', 'root2 password');
  assert.equal(code(await r2.call('DELETE', `/api/v1/users/${second.id}`)), 'conflict');

  // Admin password reset ends that user's sessions; deleting a user works.
  assert.equal((await r2.call('POST', `/api/v1/users/${bob.id}/password`, { body: { password: 'bob password 2' } })).status, 200);
  assert.equal((await b.call('GET', '/api/v1/auth/session')).status, 401);
  assert.equal((await r2.call('DELETE', `/api/v1/users/${bob.id}`)).status, 200);
  assert.equal(code(await r2.call('GET', `/api/v1/users/${bob.id}`)), 'not_found');
  assert.equal(code(await new Browser(s).login('bob', 'bob password 2')), 'bad_credentials');
});

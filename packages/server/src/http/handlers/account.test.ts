/** TOTP enrolment and login with TOTP / backup codes; password change — against the real server. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import otplib from 'otplib';
import { Browser, removeDir, startWithAdmin, type Reply } from '../../testing/server-process.js';

const code = (r: Reply): unknown => (r.json as { code?: unknown } | undefined)?.code;
const PW = 'correct horse battery';
/** The TOTP code of `secret` for the 30-second step `offset` steps from now. */
const totpAt = (secret: string, offset: number): string => otplib.authenticator.clone({ epoch: Date.now() + offset * 30_000 }).generate(secret);

test('TOTP: enrol, then login needs a second factor; codes and backup codes work once', async (t) => {
  const { server: s, admin } = await startWithAdmin('admin', PW);
  t.after(async () => { await s.stop('SIGKILL'); removeDir(s.dataDir); });
  const notYet = await admin.call('POST', '/api/v1/account/totp/enable', { body: { code: '123456' } });
  assert.equal(code(notYet), 'conflict', 'enable before begin');
  const begin = await admin.call('POST', '/api/v1/account/totp/begin');
  assert.equal(begin.status, 200, begin.text);
  const { secret, otpauthUrl } = begin.json as { secret: string; otpauthUrl: string };
  assert.match(otpauthUrl, /^otpauth:\/\/totp\/Meshwork:admin\?secret=[A-Z2-7]+&period=30&digits=6&algorithm=SHA1&issuer=Meshwork$/);
  const wrong = await admin.call('POST', '/api/v1/account/totp/enable', { body: { code: totpAt(secret, 5) } });
  assert.equal(code(wrong), 'bad_mfa_code');
  const enrolCode = totpAt(secret, 0);
  const enable = await admin.call('POST', '/api/v1/account/totp/enable', { body: { code: enrolCode } });
  assert.equal(enable.status, 200, enable.text);
  const { backupCodes } = enable.json as { backupCodes: string[] };
  assert.equal(backupCodes.length, 10);
  assert.equal(new Set(backupCodes).size, 10);
  const session = await admin.call('GET', '/api/v1/auth/session');
  assert.equal((session.json as { user: { totpEnabled: boolean } }).user.totpEnabled, true);

  const b = new Browser(s);
  const noSecond = await b.login('admin', PW);
  assert.equal(noSecond.status, 401);
  assert.equal(code(noSecond), 'mfa_required');
  const badTotp = await b.login('admin', PW, { totp: totpAt(secret, 10) });
  assert.equal(code(badTotp), 'bad_mfa_code');
  // The code used for enrolment (this step) is spent; the next step's code is accepted once.
  const replayEnrol = await b.login('admin', PW, { totp: enrolCode });
  assert.equal(code(replayEnrol), 'bad_mfa_code', 'enrolment code is not reusable');
  const next = totpAt(secret, 1);
  const ok = await b.login('admin', PW, { totp: next });
  assert.equal(ok.status, 200, ok.text);
  const replay = await new Browser(s).login('admin', PW, { totp: next });
  assert.equal(code(replay), 'bad_mfa_code', 'a TOTP code is accepted once');

  const backup = backupCodes[3] ?? '';
  const withBackup = await new Browser(s).login('admin', PW, { backupCode: backup });
  assert.equal(withBackup.status, 200, withBackup.text);
  const backupAgain = await new Browser(s).login('admin', PW, { backupCode: backup });
  assert.equal(code(backupAgain), 'bad_mfa_code', 'a backup code works once');
  const wrongPwRightCode = await new Browser(s).login('admin', 'nope nope', { backupCode: backupCodes[4] ?? '' });
  assert.equal(code(wrongPwRightCode), 'bad_credentials');

  // Turning TOTP off needs the password.
  assert.equal(code(await b.call('POST', '/api/v1/account/totp/disable', { body: { password: 'wrong one' } })), 'bad_credentials');
  assert.equal((await b.call('POST', '/api/v1/account/totp/disable', { body: { password: PW } })).status, 200);
  assert.equal((await new Browser(s).login('admin', PW)).status, 200);
});

test('a wrong second factor counts as a failed login (per account: the 6th attempt must wait)', async (t) => {
  const { server: s, admin } = await startWithAdmin('admin', PW);
  t.after(async () => { await s.stop('SIGKILL'); removeDir(s.dataDir); });
  const { secret } = (await admin.call('POST', '/api/v1/account/totp/begin')).json as { secret: string };
  assert.equal((await admin.call('POST', '/api/v1/account/totp/enable', { body: { code: totpAt(secret, 0) } })).status, 200);
  for (let i = 0; i < 5; i++) assert.equal(code(await new Browser(s).login('admin', PW, { backupCode: `bad-code-${i}` })), 'bad_mfa_code');
  const delayed = await new Browser(s).login('admin', PW, { totp: totpAt(secret, 1) });
  assert.equal(code(delayed), 'login_delayed');
  assert.equal(delayed.headers['retry-after'], '2');
});

test('changing the password ends the other sessions and keeps this one', async (t) => {
  const { server: s, admin } = await startWithAdmin('admin', PW);
  t.after(async () => { await s.stop('SIGKILL'); removeDir(s.dataDir); });
  const other = new Browser(s);
  await other.login('admin', PW);
  const wrong = await admin.call('POST', '/api/v1/account/password', { body: { current: 'not it at all', password: 'a new password' } });
  assert.equal(code(wrong), 'bad_credentials');
  const r = await admin.call('POST', '/api/v1/account/password', { body: { current: PW, password: 'a new password' } });
  assert.equal(r.status, 200, r.text);
  assert.equal((await admin.call('GET', '/api/v1/auth/session')).status, 200, 'this session stays');
  assert.equal((await other.call('GET', '/api/v1/auth/session')).status, 401, 'other sessions end');
  assert.equal(code(await new Browser(s).login('admin', PW)), 'bad_credentials');
  assert.equal((await new Browser(s).login('admin', 'a new password')).status, 200);
});

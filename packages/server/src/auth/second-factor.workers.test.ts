/**
 * Finding 11: with two worker processes, one TOTP code or backup code opens one login, however
 * many concurrent logins present it (they land on both workers).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import otplib from 'otplib';
import { Browser, removeDir, startWithAdmin } from '../testing/server-process.js';

const PW = 'correct horse battery';
const totpAt = (secret: string, offset: number): string => otplib.authenticator.clone({ epoch: Date.now() + offset * 30_000 }).generate(secret);

test('a TOTP code and a backup code each open exactly one of 5 concurrent logins (--workers 2)', async (t) => {
  const { server: s, admin } = await startWithAdmin('admin', PW, ['--workers', '2']);
  t.after(async () => { await s.stop('SIGKILL'); removeDir(s.dataDir); });
  const { secret } = (await admin.call('POST', '/api/v1/account/totp/begin')).json as { secret: string };
  const enabled = await admin.call('POST', '/api/v1/account/totp/enable', { body: { code: totpAt(secret, -1) } });
  assert.equal(enabled.status, 200, enabled.text);
  const { backupCodes } = enabled.json as { backupCodes: string[] };

  const burst = async (extra: Record<string, string>): Promise<number[]> =>
    (await Promise.all(Array.from({ length: 5 }, () => new Browser(s).login('admin', PW, extra)))).map((r) => r.status);
  const totp = await burst({ totp: totpAt(secret, 0) });
  assert.equal(totp.filter((x) => x === 200).length, 1, `TOTP answers: ${totp.join(' ')}`);
  const backup = await burst({ backupCode: backupCodes[0] ?? '' });
  assert.equal(backup.filter((x) => x === 200).length, 1, `backup code answers: ${backup.join(' ')}`);
});

test('the race made visible: while another connection holds the write lock, 5 concurrent logins with one code still open one (--workers 2)', async (t) => {
  // The old code read the last used TOTP step, then wrote it: concurrent logins on two workers
  // could both read before either wrote. Holding SQLite's write lock from outside while the logins
  // arrive makes every read happen before any write; only a consumption that is itself one
  // conditional write (auth/totp.ts, the store's useTotpStep) lets exactly one of them through.
  const { server: s, admin } = await startWithAdmin('admin', PW, ['--workers', '2']);
  const blocker = new Database(join(s.dataDir, 'meshwork.db'));
  t.after(async () => { if (blocker.inTransaction) blocker.exec('ROLLBACK'); blocker.close(); await s.stop('SIGKILL'); removeDir(s.dataDir); });
  const { secret } = (await admin.call('POST', '/api/v1/account/totp/begin')).json as { secret: string };
  const enabled = await admin.call('POST', '/api/v1/account/totp/enable', { body: { code: totpAt(secret, -1) } });
  assert.equal(enabled.status, 200, enabled.text);

  blocker.exec('BEGIN IMMEDIATE');
  const logins = Promise.all(Array.from({ length: 5 }, () => new Browser(s).login('admin', PW, { totp: totpAt(secret, 0) })));
  await new Promise((r) => setTimeout(r, 2_000)); // every login has read what it reads and verified its password
  blocker.exec('COMMIT');
  const answers = (await logins).map((r) => r.status);
  assert.equal(answers.filter((x) => x === 200).length, 1, `answers: ${answers.join(' ')}`);
});

/**
 * Login throttling. Per account, at the service level (a real System over a real SQLite file,
 * real argon2), with guesses from many different networks — which over HTTP would all come from
 * one loopback /24. Per network, over HTTPS against the real server with two worker processes:
 * a parallel burst of guesses is counted before any password is evaluated.
 */
import { describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openSqliteStore } from '@meshwork/store-sqlite';
import { addUser, testSystem } from '../domain/testkit/system.js';
import { Browser, removeDir, startWithAdmin } from '../testing/server-process.js';
import { checkLogin } from './login.js';
import { hashPassword } from './passwords.js';
import { accountDelayMs } from './throttle.js';

const PW = 'correct horse battery';
const failure = (e: unknown): { code?: string; retryAfterSeconds?: number } => e as { code?: string; retryAfterSeconds?: number };

describe('per-account login throttling (guesses from many networks)', () => {
  it('after 5 failures each next attempt waits a doubling delay, refused unevaluated before it; the right password works after it', async () => {
    const t = await testSystem();
    try {
      const sys = t.sys;
      const alice = await addUser(sys, 'alice');
      await sys.store.updateUser(alice.id, { passwordHash: await hashPassword(PW) });
      const guess = async (net: number, password = 'wrong guess'): Promise<{ code?: string; retryAfterSeconds?: number }> => {
        try {
          await checkLogin(sys, { name: 'alice', password }, `198.${net >> 8}.${net & 0xff}.7`);
          return { code: 'ok' };
        } catch (e) {
          return failure(e);
        }
      };
      const failures = async (): Promise<number> => (await sys.store.listEvents({ type: 'auth.loginFailed', limit: 1000 })).length;
      for (let i = 0; i < 5; i++) assert.equal((await guess(i)).code, 'bad_credentials', `free guess ${i}`);
      // The 6th, from yet another network, at once: refused without evaluating the password.
      const early = await guess(100);
      assert.equal(early.code, 'login_delayed');
      assert.equal(early.retryAfterSeconds, 2);
      assert.equal((await guess(101, PW)).code, 'login_delayed', 'even the right password waits');
      assert.equal(await failures(), 5, 'refused attempts were not evaluated');
      t.advance(2_000);
      assert.equal((await guess(102)).code, 'bad_credentials', 'evaluated after the delay');
      const next = await guess(103);
      assert.equal(next.code, 'login_delayed');
      assert.equal(next.retryAfterSeconds, 4, 'the delay doubles');
      // 100 networks at once, each trying once: still one evaluation per delay.
      const burst = await Promise.all(Array.from({ length: 100 }, (_, i) => guess(200 + i)));
      assert.equal(burst.filter((r) => r.code !== 'login_delayed').length, 0);
      assert.equal(await failures(), 6);
      t.advance(4_000);
      assert.equal((await guess(400, PW)).code, 'ok', 'the real user gets in after the delay');
      const episodes = await sys.store.listEvents({ type: 'auth.accountDelayed', limit: 10 });
      assert.equal(episodes.length, 1, 'one event per episode, not per attempt');
      // Unknown names are throttled the same way (no hint which names exist).
      for (let i = 0; i < 5; i++) await checkLogin(sys, { name: 'nobody', password: 'x' }, `10.0.${i}.1`).catch(() => undefined);
      assert.equal(failure(await checkLogin(sys, { name: 'NOBODY', password: 'x' }, '10.9.9.1').catch((e: unknown) => e)).code, 'login_delayed');
    } finally {
      await t.close();
    }
  });

  it('the delay is capped at five minutes', () => {
    assert.equal(accountDelayMs(4), 0);
    assert.equal(accountDelayMs(5), 2_000);
    assert.equal(accountDelayMs(8), 16_000);
    assert.equal(accountDelayMs(1_000), 5 * 60_000);
  });
});

test('60 parallel guesses from one /24 against two workers: at most the limit (10) are evaluated', async (t) => {
  const { server: s } = await startWithAdmin('admin', PW, ['--workers', '2']);
  t.after(async () => { await s.stop('SIGKILL'); removeDir(s.dataDir); });
  // Different names, so only the network limit applies.
  const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => new Browser(s).login(`guess${i}`, 'wrong password')));
  const codes = answers.map((r) => (r.json as { code?: string }).code);
  const store = await openSqliteStore(join(s.dataDir, 'meshwork.db'));
  t.after(() => store.close());
  const evaluated = (await store.listEvents({ type: 'auth.loginFailed', limit: 1000 })).length;
  assert.ok(evaluated <= 10, `${evaluated} guesses evaluated`);
  assert.equal(codes.filter((c) => c === 'bad_credentials').length, evaluated);
  assert.equal(codes.filter((c) => c === 'too_many_attempts').length, 60 - evaluated);
  assert.equal((await new Browser(s).login('admin', PW)).status, 429, 'the network stays refused');
});

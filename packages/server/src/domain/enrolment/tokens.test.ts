import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { enrolmentTokenId, hashEnrolmentToken, newEnrolmentToken } from './tokens.js';

describe('enrolment tokens', () => {
  it('are mwe_<16 hex id>_<43 base64url>, hashed with SHA-256 of the whole string', () => {
    const t = newEnrolmentToken();
    assert.match(t.token, /^mwe_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    assert.ok(t.token.startsWith(`mwe_${t.id}_`));
    assert.equal(t.secretHash, hashEnrolmentToken(t.token));
    assert.match(t.secretHash, /^[0-9a-f]{64}$/);
    assert.ok(!t.secretHash.includes(t.token.slice(21)));
    assert.equal(enrolmentTokenId(t.token), t.id);
  });

  it('are unique and reject malformed strings', () => {
    const a = newEnrolmentToken();
    const b = newEnrolmentToken();
    assert.notEqual(a.token, b.token);
    assert.notEqual(a.id, b.id);
    for (const bad of ['', 'mwe_', `mwt_${a.token.slice(4)}`, `${a.token}x`, a.token.replace('mwe_', 'mwe_Z'), `${a.token}\n`]) {
      assert.equal(enrolmentTokenId(bad), null, JSON.stringify(bad));
    }
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatTcti, parseTcti, TctiError } from './tcti.js';

test('tpm2-tools TCTI strings parse', () => {
  assert.deepEqual(parseTcti('device:/dev/tpmrm0'), { kind: 'device', path: '/dev/tpmrm0' });
  assert.deepEqual(parseTcti('device:/dev/tpm0'), { kind: 'device', path: '/dev/tpm0' });
  assert.deepEqual(parseTcti('device'), { kind: 'device', path: '/dev/tpmrm0' });
  assert.deepEqual(parseTcti('swtpm:host=127.0.0.1,port=2321'), { kind: 'swtpm', host: '127.0.0.1', port: 2321 });
  assert.deepEqual(parseTcti('swtpm:port=4000'), { kind: 'swtpm', host: 'localhost', port: 4000 });
  assert.deepEqual(parseTcti('swtpm'), { kind: 'swtpm', host: 'localhost', port: 2321 });
  assert.equal(formatTcti(parseTcti('swtpm:port=4000,host=::1')), 'swtpm:host=::1,port=4000');
});

test('unsupported or malformed TCTI strings are refused with the supported forms named', () => {
  for (const bad of ['mssim:host=localhost', 'tabrmd', '', 'swtpm:port=0', 'swtpm:port=70000', 'swtpm:port=abc', 'swtpm:user=x']) {
    assert.throws(() => parseTcti(bad), TctiError, bad);
  }
  assert.throws(() => parseTcti('mssim:'), /device:\/dev\/tpmrm0 or swtpm:/);
});

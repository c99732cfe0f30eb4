import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isValidCertName, wantedSans } from './names.js';

test('certificate names: DNS names (wildcards too) and IPv4/IPv6 addresses; nothing else', () => {
  for (const ok of ['mesh.example.com', '*.example.com', 'MESH.Example.com', 'host-1', '10.1.2.3', '::1', 'fd00::7', '2001:db8::ffff:10.0.0.1']) {
    assert.equal(isValidCertName(ok), true, ok);
  }
  for (const bad of ['', 'a..b', '-a.example', 'bücher.example', 'a b', 'fe80::1%eth0', '1.2.3.4:443', 'under_score.example', 'x'.repeat(254)]) {
    assert.equal(isValidCertName(bad), false, bad);
  }
});

test('wanted SANs: the defaults first, IPs as IP entries, DNS names lowercased, no duplicates', () => {
  assert.deepEqual(wantedSans(['Mesh.Example.com', '10.1.2.3', 'fd00::7', 'localhost', '127.0.0.1']), [
    { type: 'dns', value: 'localhost' },
    { type: 'ip', value: '127.0.0.1' },
    { type: 'ip', value: '::1' },
    { type: 'dns', value: 'mesh.example.com' },
    { type: 'ip', value: '10.1.2.3' },
    { type: 'ip', value: 'fd00::7' },
  ]);
});

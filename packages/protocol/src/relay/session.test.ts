import { test } from 'node:test';
import assert from 'node:assert/strict';
import { can, GROUP_RIGHTS } from '../rights.js';
import { CreateRelaySession, RELAY_CAPABILITY, RelayHost, relayOptionsFor, ServerRelayOpen } from './session.js';
import { isRelayableCloseCode } from './close-codes.js';

test('relay: CreateRelaySession ties options to the protocol', () => {
  assert.ok(CreateRelaySession.safeParse({ protocol: 'terminal', cols: 80, rows: 24 }).success);
  assert.ok(CreateRelaySession.safeParse({ protocol: 'files' }).success);
  assert.ok(CreateRelaySession.safeParse({ protocol: 'tcp', host: '127.0.0.1', port: 22 }).success);
  assert.equal(CreateRelaySession.safeParse({ protocol: 'tcp', host: 'x' }).success, false, 'tcp needs a port');
  assert.equal(CreateRelaySession.safeParse({ protocol: 'files', host: 'x', port: 1 }).success, false);
  assert.equal(CreateRelaySession.safeParse({ protocol: 'terminal', port: 1 }).success, false);
  assert.equal(CreateRelaySession.safeParse({ protocol: 'ssh' }).success, false);
  assert.equal(CreateRelaySession.safeParse({ protocol: 'terminal', term: 'xterm; rm -rf /' }).success, false);
});

test('relay: hosts are names or IP literals, nothing else', () => {
  for (const ok of ['localhost', '127.0.0.1', '::1', 'db-1.internal', 'fe80::1']) assert.ok(RelayHost.safeParse(ok).success, ok);
  for (const bad of ['', '-x', 'a b', 'host:22', '[::1]', 'a/b', 'x\n']) assert.equal(RelayHost.safeParse(bad).success, false, bad);
});

test('relay: protocol capabilities come from the one rights definition', () => {
  const rc = GROUP_RIGHTS.remoteControl;
  assert.ok(can(rc, RELAY_CAPABILITY.terminal));
  assert.equal(can(rc | GROUP_RIGHTS.noTerminal, RELAY_CAPABILITY.terminal), false);
  assert.equal(can(rc | GROUP_RIGHTS.noFiles, RELAY_CAPABILITY.files), false);
  assert.equal(can(rc, RELAY_CAPABILITY.tcp), false);
  assert.ok(can(GROUP_RIGHTS.relay, RELAY_CAPABILITY.tcp));
});

test('relay: relayOpen and options', () => {
  const open = { type: 'relayOpen', relayId: '0123456789abcdef', token: 'A'.repeat(43), protocol: 'tcp', userId: 'u1', userName: 'alice', rights: 0xffffffff, options: { host: 'localhost', port: 80 } };
  assert.ok(ServerRelayOpen.safeParse(open).success);
  assert.equal(ServerRelayOpen.safeParse({ ...open, token: 'short' }).success, false);
  assert.deepEqual(relayOptionsFor('tcp', { host: 'localhost', port: 80 }), { host: 'localhost', port: 80 });
  assert.equal(relayOptionsFor('terminal', { host: 'localhost', port: 80 }), null);
  assert.equal(relayOptionsFor('files', { host: 'localhost', port: 80 }), null);
  assert.deepEqual(relayOptionsFor('files', {}), {});
  assert.ok(isRelayableCloseCode(4003) && isRelayableCloseCode(1000) && !isRelayableCloseCode(1006) && !isRelayableCloseCode(1011));
});

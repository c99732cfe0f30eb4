import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GROUP_RIGHTS, RELAY_CLOSE_CODES, type RelayProtocol, type ServerRelayOpen } from '@meshwork/protocol';
import type WebSocket from 'ws';
import { Inbox, wsPair, type WsPair } from './testing/ws-pair.js';
import { RelayManager, type RelayHandlers } from './manager.js';
import { relayUrl } from './dial.js';

const frame = (protocol: RelayProtocol, rights: number, options: ServerRelayOpen['options'] = {}): ServerRelayOpen => ({
  type: 'relayOpen', relayId: '0123456789abcdef', token: 'A'.repeat(43), protocol, userId: 'u', userName: 'alice', rights, options,
});
const ctx = { url: 'wss://127.0.0.1:1/agent', tlsCertHash: 'a'.repeat(96) };

function setup(handlers: Partial<RelayHandlers> = {}, maxSessions = 4): { manager: RelayManager; pairs: WsPair[]; ran: RelayProtocol[]; dialled: () => Promise<Inbox> } {
  const pairs: WsPair[] = [];
  const ran: RelayProtocol[] = [];
  const waiting: ((i: Inbox) => void)[] = [];
  const inboxes: Inbox[] = [];
  const idle = { run: async (s: { ws: WebSocket }) => void (await new Promise((r) => s.ws.once('close', r))) };
  const manager = new RelayManager({
    maxSessions,
    handlers: {
      terminal: { run: async (s) => (ran.push('terminal'), idle.run(s)) },
      files: { run: async (s) => (ran.push('files'), idle.run(s)) },
      tcp: { run: async (s) => (ran.push('tcp'), idle.run(s)) },
      ...handlers,
    },
    dial: async () => {
      const p = await wsPair();
      pairs.push(p);
      const inbox = new Inbox(p.user);
      const w = waiting.shift();
      if (w) w(inbox);
      else inboxes.push(inbox);
      return p.agent;
    },
  });
  const dialled = (): Promise<Inbox> => {
    const i = inboxes.shift();
    return i ? Promise.resolve(i) : new Promise((r) => waiting.push(r));
  };
  return { manager, pairs, ran, dialled };
}

test('relay manager: the agent re-checks the rights it was sent', async () => {
  const { manager, pairs, ran, dialled } = setup();
  manager.open(frame('terminal', GROUP_RIGHTS.remoteControl | GROUP_RIGHTS.noTerminal), ctx);
  const refused = await dialled();
  await refused.until('close', () => refused.closeCode !== null);
  assert.equal(refused.closeCode, RELAY_CLOSE_CODES.forbidden);
  manager.open(frame('tcp', GROUP_RIGHTS.remoteControl, { host: 'localhost', port: 22 }), ctx);
  const noRelay = await dialled();
  await noRelay.until('close', () => noRelay.closeCode !== null);
  assert.equal(noRelay.closeCode, RELAY_CLOSE_CODES.forbidden);
  manager.open(frame('files', GROUP_RIGHTS.remoteControl, { host: 'localhost', port: 22 }), ctx);
  const badOptions = await dialled();
  await badOptions.until('close', () => badOptions.closeCode !== null);
  assert.equal(badOptions.closeCode, RELAY_CLOSE_CODES.badRequest);
  assert.deepEqual(ran, []);
  manager.open(frame('files', GROUP_RIGHTS.remoteControl), ctx);
  const accepted = await dialled();
  while (ran.length === 0) await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(ran, ['files']);
  manager.stop();
  await accepted.until('close', () => accepted.closeCode !== null);
  assert.equal(accepted.closeCode, RELAY_CLOSE_CODES.goingAway);
  for (const p of pairs) await p.close();
});

test('relay manager: a session cap, and a failed prepare becomes agentError', async () => {
  const { manager, pairs, dialled } = setup({ tcp: { prepare: async () => Promise.reject(new Error('cannot connect to x:1: ECONNREFUSED')), run: async () => undefined } }, 1);
  manager.open(frame('files', GROUP_RIGHTS.remoteControl), ctx);
  await dialled();
  manager.open(frame('files', GROUP_RIGHTS.remoteControl), ctx);
  const busy = await dialled();
  await busy.until('close', () => busy.closeCode !== null);
  assert.equal(busy.closeCode, RELAY_CLOSE_CODES.busy);
  manager.stop();
  const m2 = setup({ tcp: { prepare: async () => Promise.reject(new Error('cannot connect to x:1: ECONNREFUSED')), run: async () => undefined } });
  m2.manager.open(frame('tcp', GROUP_RIGHTS.relay, { host: 'x', port: 1 }), ctx);
  const failed = await m2.dialled();
  await failed.until('close', () => failed.closeCode !== null);
  assert.equal(failed.closeCode, RELAY_CLOSE_CODES.agentError);
  assert.match(failed.closeReason, /ECONNREFUSED/);
  for (const p of [...pairs, ...m2.pairs]) await p.close();
});

test('relay url: next to the control url, prefix kept', () => {
  assert.equal(relayUrl('wss://h:8443/agent', 'T'), 'wss://h:8443/agent/relay?session=T');
  assert.equal(relayUrl('wss://h/mesh/agent', 'T'), 'wss://h/mesh/agent/relay?session=T');
});

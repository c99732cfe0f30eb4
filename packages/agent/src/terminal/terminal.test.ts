import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerRelayOpen, TerminalOptions } from '@meshwork/protocol';
import { silentLogger } from '../connection/log.js';
import { Inbox, wsPair, type WsPair } from '../relay/testing/ws-pair.js';
import { loginShell, terminalHandler, type ShellSpec } from './terminal.js';

const open = (): ServerRelayOpen => ({
  type: 'relayOpen', relayId: '0123456789abcdef', token: 'A'.repeat(43), protocol: 'terminal', userId: 'u', userName: 'alice', rights: 0xffffffff, options: {},
});
const sh = (term: string): ShellSpec => ({ ...loginShell(term), file: '/bin/sh', args: [] });

describe('terminal sessions', () => {
  let pair: WsPair;
  let inbox: Inbox;
  let running: Promise<void>;
  const options: TerminalOptions = { cols: 100, rows: 30, term: 'xterm-256color' };
  before(async () => {
    pair = await wsPair();
    inbox = new Inbox(pair.user);
    running = terminalHandler({ shell: sh }).run({ ws: pair.agent, open: open(), options, log: silentLogger }, undefined);
  });
  after(() => pair.close());

  test('a real pty: size, TERM, clean environment, UTF-8 bytes, resize, exit status', async () => {
    pair.user.send(Buffer.from('stty size; echo "T=$TERM M=${MESHWORK_X:-none}"; printf "\\342\\202\\254\\n"\n'), { binary: true });
    await inbox.until('stty output', () => /30 100/.test(inbox.bytes.toString('utf8')) && inbox.bytes.includes(Buffer.from('€')));
    assert.match(inbox.bytes.toString('utf8'), /T=xterm-256color M=none/);
    pair.user.send(JSON.stringify({ type: 'resize', cols: 120, rows: 40 }));
    pair.user.send(Buffer.from('sleep 0.1; stty size\n'), { binary: true });
    await inbox.until('new size', () => /40 120/.test(inbox.bytes.toString('utf8')));
    pair.user.send(Buffer.from('exit 7\n'), { binary: true });
    await inbox.until('exit frame and close', () => inbox.closeCode !== null);
    assert.deepEqual(inbox.last('exit'), { type: 'exit', code: 7, signal: null });
    assert.equal(inbox.closeCode, 1000);
    await running;
  });
});

test('terminal: output written just before the shell exits arrives before the exit frame', async () => {
  for (let i = 0; i < 8; i++) {
    const pair = await wsPair();
    try {
      const inbox = new Inbox(pair.user);
      const running = terminalHandler({ shell: sh }).run({ ws: pair.agent, open: open(), options: { cols: 80, rows: 24, term: 'xterm' }, log: silentLogger }, undefined);
      // Typed ahead in one write, as `meshwork shell` does with piped input.
      pair.user.send(Buffer.from(`echo marker-$((${i}*7)); exit 3\n`), { binary: true });
      await inbox.until('exit frame and close', () => inbox.closeCode !== null);
      assert.match(inbox.bytes.toString('utf8'), new RegExp(`marker-${i * 7}\\r?\\n`), `run ${i}`);
      assert.deepEqual(inbox.last('exit'), { type: 'exit', code: 3, signal: null });
      await running;
    } finally {
      pair.close();
    }
  }
});

test('terminal: closing the relay kills the shell', async () => {
  const pair = await wsPair();
  const inbox = new Inbox(pair.user);
  const running = terminalHandler({ shell: sh }).run({ ws: pair.agent, open: open(), options: { cols: 80, rows: 24, term: 'xterm' }, log: silentLogger }, undefined);
  pair.user.send(Buffer.from('echo pid=$$\n'), { binary: true });
  await inbox.until('the pid', () => /pid=(\d+)/.test(inbox.bytes.toString('utf8')));
  const pid = Number(/pid=(\d+)/.exec(inbox.bytes.toString('utf8'))?.[1]);
  pair.user.close();
  await running;
  const deadline = Date.now() + 5000;
  let alive = true;
  while (alive && Date.now() < deadline) {
    try {
      process.kill(pid, 0);
      await new Promise((r) => setTimeout(r, 20));
    } catch {
      alive = false;
    }
  }
  assert.equal(alive, false, 'the shell is gone');
  await pair.close();
});

test('terminal: a bad control frame closes the session with 1002', async () => {
  const pair = await wsPair();
  const inbox = new Inbox(pair.user);
  const running = terminalHandler({ shell: sh }).run({ ws: pair.agent, open: open(), options: { cols: 80, rows: 24, term: 'xterm' }, log: silentLogger }, undefined);
  pair.user.send(JSON.stringify({ type: 'resize', cols: 0, rows: 5 }));
  await inbox.until('close', () => inbox.closeCode !== null);
  assert.equal(inbox.closeCode, 1002);
  await running;
  await pair.close();
});

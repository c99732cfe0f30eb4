import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, mkdirSync, existsSync, lstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { FILES_BLOCK, FILES_WINDOW } from '@meshwork/protocol';
import { silentLogger } from '../connection/log.js';
import { Inbox, wsPair, type WsPair } from '../relay/testing/ws-pair.js';
import { FilesSession } from './session.js';
import { list, makeDir, remove, renamePath } from './ops.js';
import { FileOpError } from './errors.js';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const code = (c: string) => (e: unknown) => e instanceof FileOpError && e.code === c;

describe('files: operations and the symlink policy', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mw-files-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('list uses lstat: links are shown as links with their target', async () => {
    writeFileSync(join(dir, 'a.txt'), 'hello');
    symlinkSync('/etc/passwd', join(dir, 'link'));
    mkdirSync(join(dir, 'd'));
    const pages = [];
    for await (const p of list(dir)) pages.push(...p);
    const byName = new Map(pages.map((e) => [e.name, e]));
    assert.equal(byName.get('a.txt')?.type, 'file');
    assert.equal(byName.get('a.txt')?.size, 5);
    assert.equal(byName.get('link')?.type, 'symlink');
    assert.equal(byName.get('link')?.target, '/etc/passwd');
    assert.equal(byName.get('d')?.type, 'dir');
    await assert.rejects(async () => {
      for await (const _ of list(join(dir, 'nope'))) void _;
    }, code('not_found'));
    await assert.rejects(async () => {
      for await (const _ of list(`${dir}/../x`)) void _;
    }, code('bad_path'));
  });

  test('mkdir, rename (never over an existing name), delete (recursive only when asked)', async () => {
    await makeDir(join(dir, 'm'));
    await assert.rejects(makeDir(join(dir, 'm')), code('exists'));
    await assert.rejects(makeDir(join(dir, 'no', 'parent')), code('not_found'));
    writeFileSync(join(dir, 'm', 'f'), 'x');
    await assert.rejects(renamePath(join(dir, 'm'), join(dir, 'a.txt')), code('exists'));
    await assert.rejects(renamePath(join(dir, 'm'), join(dir, 'm', 'inside')), code('bad_path'));
    await renamePath(join(dir, 'm'), join(dir, 'm2'));
    await assert.rejects(remove(join(dir, 'm2'), false), code('not_empty'));
    await remove(join(dir, 'm2'), true);
    assert.equal(existsSync(join(dir, 'm2')), false);
    await assert.rejects(remove('/', true), code('bad_path'));
  });

  test('deleting a link removes the link, never what it points to; recursive delete does not follow links', async () => {
    const outside = join(dir, 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'keep'), 'precious');
    const tree = join(dir, 'tree');
    mkdirSync(tree);
    symlinkSync(outside, join(tree, 'to-outside'));
    symlinkSync(outside, join(dir, 'dirlink'));
    await remove(join(dir, 'dirlink'), true);
    assert.equal(existsSync(join(dir, 'dirlink')), false);
    await remove(tree, true);
    assert.equal(readFileSync(join(outside, 'keep'), 'utf8'), 'precious');
  });
});

describe('files: the session protocol over a socket', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mw-files-session-'));
  let pair: WsPair;
  let inbox: Inbox;
  let session: Promise<void>;
  before(async () => {
    pair = await wsPair();
    inbox = new Inbox(pair.user);
    session = new FilesSession(pair.agent, silentLogger).run();
  });
  after(async () => {
    await pair.close();
    await session;
    rmSync(dir, { recursive: true, force: true });
  });

  const send = (m: unknown): void => pair.user.send(JSON.stringify(m));

  test('download streams with windowed acks, and the hash matches', async () => {
    const content = randomBytes(FILES_BLOCK * (FILES_WINDOW * 2) + 777);
    writeFileSync(join(dir, 'big.bin'), content);
    send({ type: 'download', id: 1, path: join(dir, 'big.bin') });
    await inbox.until('meta', () => inbox.last('meta') !== undefined);
    // Without acks the agent stops at the window.
    await inbox.until('a full window', () => inbox.bytes.length >= FILES_WINDOW * FILES_BLOCK);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(inbox.bytes.length, FILES_WINDOW * FILES_BLOCK, 'no more than the window is unacknowledged');
    let acked = 0;
    while (!inbox.last('done')) {
      if (inbox.bytes.length > acked) {
        acked = inbox.bytes.length;
        send({ type: 'ack', id: 1, bytes: acked });
      }
      await inbox.until('more data', () => inbox.bytes.length > acked || inbox.last('done') !== undefined);
    }
    const done = inbox.last('done');
    assert.equal(done?.size, content.length);
    assert.equal(done?.sha256, sha(content));
    assert.ok(inbox.bytes.equals(content));
  });

  test('download refuses directories and FIFOs', async () => {
    send({ type: 'download', id: 2, path: dir });
    await inbox.until('error', () => inbox.last('error')?.id === 2);
    assert.equal(inbox.last('error')?.code, 'is_a_directory');
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    send({ type: 'download', id: 3, path: join(dir, 'fifo') });
    await inbox.until('error', () => inbox.last('error')?.id === 3);
    assert.equal(inbox.last('error')?.code, 'not_regular');
  });

  const upload = async (id: number, path: string, content: Buffer, overwrite: boolean, claimed = sha(content)): Promise<Record<string, unknown>> => {
    send({ type: 'upload', id, path, size: content.length, overwrite });
    await inbox.until('ready or error', () => inbox.json.some((j) => (j as { id?: number }).id === id && ['ready', 'error'].includes((j as { type: string }).type)));
    const err = inbox.json.find((j) => (j as { id?: number; type?: string }).id === id && (j as { type?: string }).type === 'error');
    if (err) return err as Record<string, unknown>;
    for (let off = 0; off < content.length; off += FILES_BLOCK) {
      await inbox.until('window room', () => off - Number(inbox.json.filter((j) => (j as { type?: string; id?: number }).type === 'ack' && (j as { id?: number }).id === id).map((j) => (j as { bytes: number }).bytes).pop() ?? 0) < FILES_WINDOW * FILES_BLOCK);
      pair.user.send(content.subarray(off, off + FILES_BLOCK), { binary: true });
    }
    send({ type: 'end', id, sha256: claimed });
    await inbox.until('saved or error', () => inbox.json.some((j) => (j as { id?: number }).id === id && ['saved', 'error'].includes((j as { type: string }).type)));
    return inbox.json.find((j) => (j as { id?: number }).id === id && ['saved', 'error'].includes((j as { type: string }).type)) as Record<string, unknown>;
  };

  test('upload writes a temporary file, checks the hash, then puts it in place', async () => {
    const content = randomBytes(FILES_BLOCK * 20 + 5);
    const r = await upload(10, join(dir, 'up.bin'), content, false);
    assert.equal(r.type, 'saved', JSON.stringify(r));
    assert.ok(readFileSync(join(dir, 'up.bin')).equals(content));
    assert.equal(readdirSync(dir).filter((n) => n.endsWith('.part')).length, 0);
    const exists = await upload(11, join(dir, 'up.bin'), content, false);
    assert.equal(exists.code, 'exists');
    const replaced = await upload(12, join(dir, 'up.bin'), Buffer.from('new'), true);
    assert.equal(replaced.type, 'saved');
    assert.equal(readFileSync(join(dir, 'up.bin'), 'utf8'), 'new');
  });

  test('a wrong hash or size leaves nothing behind', async () => {
    const bad = await upload(20, join(dir, 'bad.bin'), randomBytes(1000), false, 'a'.repeat(64));
    assert.equal(bad.code, 'hash_mismatch');
    assert.equal(existsSync(join(dir, 'bad.bin')), false);
    assert.equal(readdirSync(dir).filter((n) => n.endsWith('.part')).length, 0);
  });

  test('uploads never write through a symlink', async () => {
    writeFileSync(join(dir, 'target'), 'original');
    symlinkSync(join(dir, 'target'), join(dir, 'trap'));
    const r = await upload(30, join(dir, 'trap'), Buffer.from('evil'), true);
    assert.equal(r.code, 'symlink');
    assert.equal(readFileSync(join(dir, 'target'), 'utf8'), 'original');
    assert.ok(lstatSync(join(dir, 'trap')).isSymbolicLink());
  });

  test('a closed relay removes a half-done upload', async () => {
    const p2 = await wsPair();
    const box = new Inbox(p2.user);
    const s2 = new FilesSession(p2.agent, silentLogger).run();
    const quarter = FILES_WINDOW / 4; // the agent acks every quarter window
    p2.user.send(JSON.stringify({ type: 'upload', id: 1, path: join(dir, 'half.bin'), size: (quarter + 2) * FILES_BLOCK, overwrite: false }));
    await box.until('ready', () => box.last('ready') !== undefined);
    for (let i = 0; i < quarter; i++) p2.user.send(randomBytes(FILES_BLOCK), { binary: true });
    await box.until('ack', () => box.last('ack') !== undefined);
    assert.equal(readdirSync(dir).filter((n) => n.startsWith('.half.bin.')).length, 1);
    p2.user.close();
    await s2;
    assert.equal(readdirSync(dir).filter((n) => n.startsWith('.half.bin.')).length, 0);
    assert.equal(existsSync(join(dir, 'half.bin')), false);
    await p2.close();
  });

  test('one request at a time; garbage closes the session', async () => {
    const p3 = await wsPair();
    const box = new Inbox(p3.user);
    const s3 = new FilesSession(p3.agent, silentLogger).run();
    p3.user.send(JSON.stringify({ type: 'download', id: 1, path: join(dir, 'big.bin') }));
    p3.user.send(JSON.stringify({ type: 'list', id: 2, path: dir }));
    await box.until('busy error', () => box.last('error')?.id === 2);
    assert.equal(box.last('error')?.code, 'bad_request');
    p3.user.send('{"type":"format","id":3,"path":"/"}');
    await box.until('close', () => box.closeCode !== null);
    assert.equal(box.closeCode, 1002);
    await s3;
    await p3.close();
  });
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PipeEnd } from './end.js';
import { connectSplice, Decoder, listenSplice, splicePath, type SpliceHello } from './splice.js';
import { newSpliceKey, SpliceDirError, type SpliceConfig } from './splice-auth.js';

/** A local end that records what it is sent and can be driven by the test. */
function fakeEnd(): PipeEnd & { got: string[]; closed: { code: number; reason: string } | null; emit(s: string): void; hangUp(code: number): void } {
  let onMsg: ((d: Buffer, b: boolean) => void) | null = null;
  let onClose: ((c: number, r: string) => void) | null = null;
  const e = {
    got: [] as string[],
    closed: null as { code: number; reason: string } | null,
    get isOpen() {
      return e.closed === null;
    },
    send: (d: Buffer, _b: boolean, done: () => void) => {
      e.got.push(d.toString());
      done();
    },
    pause: () => undefined,
    resume: () => undefined,
    onMessage: (fn: typeof onMsg) => void (onMsg = fn),
    onClose: (fn: typeof onClose) => void (onClose = fn),
    close: (code: number, reason: string) => void (e.closed ??= { code, reason }),
    ping: () => undefined,
    emit: (s: string) => onMsg?.(Buffer.from(s), false),
    hangUp: (code: number) => onClose?.(code, 'bye'),
  };
  return e;
}

const until = async (ok: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(ok(), 'condition not reached');
};

/** A raw connection to a splice socket: what it sends, everything it receives, and when it closes. */
async function raw(path: string): Promise<{ socket: Socket; got: () => Buffer; closed: Promise<void> }> {
  const socket = createConnection(path);
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  socket.on('error', () => undefined);
  const closed = new Promise<void>((r) => socket.once('close', () => r()));
  await new Promise<void>((r) => socket.once('connect', () => r()));
  return { socket, got: () => Buffer.concat(chunks), closed };
}

const frameOf = (type: number, p: Buffer): Buffer => {
  const head = Buffer.from([type, 0, 0, 0, 0]);
  head.writeUInt32BE(p.length, 1);
  return Buffer.concat([head, p]);
};

describe('relay splice between workers', () => {
  const root = mkdtempSync(join(tmpdir(), 'mw-splice-'));
  const dir = join(root, 'run');
  mkdirSync(dir, { mode: 0o700 });
  const splice: SpliceConfig = { dir, key: newSpliceKey() };
  let server: Server;
  const owned: { hello: SpliceHello; end: PipeEnd }[] = [];
  const admitted: string[] = [];
  const refused: string[] = [];

  before(async () => {
    server = await listenSplice(
      splice,
      3,
      async (h) => {
        admitted.push(h.secret);
        return h.secret === 'good' ? { ok: true } : { ok: false, code: 'not_found' };
      },
      (hello, end) => owned.push({ hello, end }),
      (why) => refused.push(why),
    );
  });
  after(() => {
    server.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('refuses a socket directory that is open to others, a link, or not the server user’s', async () => {
    const open = join(root, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    const link = join(root, 'link');
    symlinkSync(dir, link);
    for (const d of [open, link, join(root, 'missing')]) {
      await assert.rejects(listenSplice({ dir: d, key: splice.key }, 1, async () => ({ ok: true }), () => undefined), SpliceDirError, d);
    }
    const { assertPrivateDir } = await import('./splice-auth.js');
    assert.throws(() => assertPrivateDir(dir, (process.getuid?.() ?? 0) + 1), /owned by uid/);
    assert.doesNotThrow(() => assertPrivateDir(dir));
  });

  it('a connection that does not prove the cluster key gets no answer and no relay bytes, and is dropped', async () => {
    const before = admitted.length;
    // The old protocol: a hello with a valid secret straight away.
    const old = await raw(splicePath(dir, 3));
    old.socket.write(frameOf(0x01, Buffer.from(JSON.stringify({ end: 'agent', secret: 'good' }))));
    await old.closed;
    assert.equal(old.got().length, 0, 'nothing sent back');
    // A challenge, then a made-up proof and a hello.
    const guess = await raw(splicePath(dir, 3));
    guess.socket.write(frameOf(0x03, Buffer.alloc(32, 1)));
    await until(() => guess.got().length === 5 + 64);
    assert.equal(guess.got()[0], 0x04, 'only the owner’s proof comes back');
    guess.socket.write(Buffer.concat([frameOf(0x05, Buffer.alloc(32, 2)), frameOf(0x01, Buffer.from(JSON.stringify({ end: 'agent', secret: 'good' })))]));
    await guess.closed;
    assert.equal(guess.got().length, 5 + 64, 'no answer');
    // The real client with another cluster's key.
    const other = await connectSplice({ dir, key: newSpliceKey() }, 3, { end: 'agent', secret: 'good' });
    assert.deepEqual([other.answer.ok, other.link], [false, null]);
    assert.equal(admitted.length, before, 'the owner never looked at their secrets');
    // (The real client gives up on the owner's proof, so the owner only sees it leave.)
    assert.ok(refused.length >= 2, `refusals reported: ${refused.join(', ')}`);
  });

  it('a listener that does not hold the key (a swapped-in socket) never gets the hello or relay bytes', async () => {
    const fake = join(root, 'fake');
    mkdirSync(fake, { mode: 0o700 });
    const heard: Buffer[] = [];
    const impostor = createServer((s) => {
      s.on('data', (c: Buffer) => {
        heard.push(c);
        // Answers like an owner would, with a proof it cannot make, then "ok".
        s.write(Buffer.concat([frameOf(0x04, Buffer.alloc(64, 9)), frameOf(0x02, Buffer.from('{"ok":true}'))]));
      });
      s.on('error', () => undefined);
    });
    await new Promise<void>((r) => impostor.listen(splicePath(fake, 1), r));
    try {
      const r = await connectSplice({ dir: fake, key: splice.key }, 1, { end: 'user', secret: 'session-secret-xyz', userId: 'u1', via: 'token', tokenId: 't1' });
      assert.deepEqual([r.answer.ok, r.link], [false, null]);
      const all = Buffer.concat(heard);
      assert.equal(all.length, 5 + 32, 'the impostor heard only the challenge');
      assert.ok(!all.includes('session-secret-xyz'));
    } finally {
      impostor.close();
    }
  });

  it('an unknown secret is answered with the owner’s refusal; a missing owner is unavailable', async () => {
    assert.deepEqual((await connectSplice(splice, 3, { end: 'agent', secret: 'bad' })).answer, { ok: false, code: 'not_found' });
    assert.equal((await connectSplice(splice, 9, { end: 'agent', secret: 'good' })).answer.ok, false);
  });

  it('frames and the close code cross in both directions, in order', async () => {
    const { answer, link } = await connectSplice(splice, 3, { end: 'user', secret: 'good', userId: 'u1', via: 'token', tokenId: 't1' });
    assert.deepEqual(answer, { ok: true });
    const local = fakeEnd();
    link!.bridge(local, { highWaterBytes: 1 << 20, lowWaterBytes: 1 << 18 });
    await until(() => owned.length === 1);
    const remote = owned[0]!;
    assert.equal(remote.hello.userId, 'u1');
    const atOwner: string[] = [];
    let ownerClosed: number | null = null;
    remote.end.onMessage((d) => atOwner.push(d.toString()));
    remote.end.onClose((c) => (ownerClosed = c));
    for (let i = 0; i < 50; i++) local.emit(`up-${i}`);
    for (let i = 0; i < 50; i++) remote.end.send(Buffer.from(`down-${i}`), true, () => undefined);
    await until(() => atOwner.length === 50 && local.got.length === 50);
    assert.deepEqual(atOwner, Array.from({ length: 50 }, (_, i) => `up-${i}`));
    assert.deepEqual(local.got, Array.from({ length: 50 }, (_, i) => `down-${i}`));
    local.hangUp(4321);
    await until(() => ownerClosed !== null);
    assert.equal(ownerClosed, 4321);
  });

  it('garbage or an oversized frame on the socket is dropped without affecting the owner', async () => {
    for (const bytes of [Buffer.from('hello there, not a frame'), Buffer.from([0x01, 0xff, 0xff, 0xff, 0xff])]) {
      const s = createConnection(splicePath(dir, 3));
      await new Promise<void>((r) => s.once('connect', () => r()));
      s.write(bytes);
      await new Promise<void>((r) => s.once('close', () => r()));
    }
    assert.deepEqual((await connectSplice(splice, 3, { end: 'agent', secret: 'bad' })).answer, { ok: false, code: 'not_found' }, 'still answering');
  });

  it('frames split anywhere across reads come out whole and in order', () => {
    const payloads = [Buffer.alloc(0), Buffer.from('a'), Buffer.alloc(200_000, 7), Buffer.from('tail')];
    const frame = (type: number, p: Buffer): Buffer => {
      const head = Buffer.from([type, 0, 0, 0, 0]);
      head.writeUInt32BE(p.length, 1);
      return Buffer.concat([head, p]);
    };
    const wire = Buffer.concat(payloads.map((p, i) => frame(0x10 + (i % 2), p)));
    for (const step of [1, 3, 5, 4096, 65_536, wire.length]) {
      const d = new Decoder();
      const out: { type: number; payload: Buffer }[] = [];
      for (let off = 0; off < wire.length; off += step) out.push(...(d.push(wire.subarray(off, off + step)) ?? []));
      assert.deepEqual(out.map((f) => f.type), [0x10, 0x11, 0x10, 0x11], `step ${step}`);
      assert.ok(out.every((f, i) => f.payload.equals(payloads[i]!)), `step ${step}`);
    }
  });
});

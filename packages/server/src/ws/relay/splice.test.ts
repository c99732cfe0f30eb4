import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createConnection, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PipeEnd } from './end.js';
import { connectSplice, Decoder, listenSplice, splicePath, type SpliceHello } from './splice.js';

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

describe('relay splice between workers', () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'mw-splice-')), 'run');
  let server: Server;
  const owned: { hello: SpliceHello; end: PipeEnd }[] = [];

  before(async () => {
    server = await listenSplice(
      dir,
      3,
      async (h) => (h.secret === 'good' ? { ok: true } : { ok: false, code: 'not_found' }),
      (hello, end) => owned.push({ hello, end }),
    );
  });
  after(() => {
    server.close();
    rmSync(join(dir, '..'), { recursive: true, force: true });
  });

  it('the socket directory is private to the server user', () => {
    assert.equal(statSync(dir).mode & 0o777, 0o700);
  });

  it('an unknown secret is answered with the owner’s refusal; a missing owner is unavailable', async () => {
    assert.deepEqual((await connectSplice(dir, 3, { end: 'agent', secret: 'bad' })).answer, { ok: false, code: 'not_found' });
    assert.equal((await connectSplice(dir, 9, { end: 'agent', secret: 'good' })).answer.ok, false);
  });

  it('frames and the close code cross in both directions, in order', async () => {
    const { answer, link } = await connectSplice(dir, 3, { end: 'user', secret: 'good', userId: 'u1', via: 'token', tokenId: 't1' });
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
    assert.deepEqual((await connectSplice(dir, 3, { end: 'agent', secret: 'bad' })).answer.ok, false, 'still answering');
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

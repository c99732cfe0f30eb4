/**
 * One files session over a relay socket: requests one at a time (a second request while one runs
 * is answered `bad_request`), `ack`/`end`/`cancel` for the running transfer, binary frames only
 * during an upload. Everything the client sends is parsed with the protocol's schemas; a frame
 * that does not parse closes the session (1002). A closed relay cancels the running transfer
 * (an upload's temporary file is removed).
 */
import { WebSocket, type RawData } from '../connection/ws.js';
import { FilesRequest, RELAY_CLOSE_CODES, type FilesReply } from '@meshwork/protocol/relay/index';
import type { ProtocolHandler, RelaySession } from '../relay/manager.js';
import { closed, parseText, rawToBuffer } from '../relay/paced-sender.js';
import { Download } from './download.js';
import { asFileError, FileOpError } from './errors.js';
import { list, makeDir, remove, renamePath } from './ops.js';
import { Upload } from './upload.js';

type Current = { kind: 'simple'; id: number } | { kind: 'download'; op: Download } | { kind: 'upload'; op: Upload; ready: boolean; ending: boolean };

export function filesHandler(): ProtocolHandler<Record<string, never>, undefined> {
  return { run: (s) => new FilesSession(s.ws, s.log).run() };
}

export class FilesSession {
  private current: Current | null = null;

  constructor(
    private readonly ws: WebSocket,
    private readonly log: RelaySession<unknown>['log'],
  ) {}

  async run(): Promise<void> {
    this.ws.on('message', (data, isBinary) => {
      try {
        this.onFrame(data, isBinary);
      } catch (e) {
        this.log.warn('files frame failed', { error: (e as Error).message });
        this.ws.close(RELAY_CLOSE_CODES.protocolError, 'bad files frame');
      }
    });
    await closed(this.ws);
    const c = this.current;
    this.current = null;
    if (c?.kind === 'download') c.op.cancel();
    if (c?.kind === 'upload') await c.op.abort();
  }

  private reply(r: FilesReply): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(r));
  }

  private error(id: number, e: unknown): void {
    const err = e instanceof FileOpError ? e : asFileError(e, '');
    this.reply({ type: 'error', id, code: err.code, message: err.message });
  }

  private onFrame(data: RawData, isBinary: boolean): void {
    const c = this.current;
    if (isBinary) {
      if (c?.kind !== 'upload' || !c.ready || c.ending) return this.protocolError('binary data outside an upload');
      c.op.data(rawToBuffer(data));
      const failed = c.op.failed;
      if (failed) this.finishUpload(c, failed);
      return;
    }
    const parsed = FilesRequest.safeParse(parseText(data));
    if (!parsed.success) return this.protocolError('not a files request');
    const req = parsed.data;
    if (req.type === 'ack' || req.type === 'end' || req.type === 'cancel') return this.onTransferFrame(req);
    if (c) return this.reply({ type: 'error', id: req.id, code: 'bad_request', message: 'one request at a time' });
    switch (req.type) {
      case 'list':
        return this.simple(req.id, async () => {
          let sent = false;
          let prev: FilesReply | null = null;
          for await (const page of list(req.path)) {
            if (prev) await this.sendAndWait(prev);
            prev = { type: 'entries', id: req.id, entries: page, done: false };
            sent = true;
          }
          this.reply(sent && prev?.type === 'entries' ? { ...prev, done: true } : { type: 'entries', id: req.id, entries: [], done: true });
        });
      case 'mkdir':
        return this.simple(req.id, async () => this.ok(req.id, await makeDir(req.path)));
      case 'rename':
        return this.simple(req.id, async () => this.ok(req.id, await renamePath(req.from, req.to)));
      case 'delete':
        return this.simple(req.id, async () => this.ok(req.id, await remove(req.path, req.recursive)));
      case 'download': {
        const op = new Download(this.ws, req.id, req.path);
        this.current = { kind: 'download', op };
        op.run().then(
          () => this.done(op),
          (e: unknown) => {
            this.done(op);
            this.error(op.id, e);
          },
        );
        return;
      }
      case 'upload': {
        const op = new Upload(req.id, req.path, req.size, req.overwrite, (ack) => this.reply(ack));
        const cur: Current = { kind: 'upload', op, ready: false, ending: false };
        this.current = cur;
        op.start().then(
          () => {
            if (this.current !== cur) return void op.abort();
            cur.ready = true;
            this.reply({ type: 'ready', id: req.id });
          },
          (e: unknown) => this.finishUpload(cur, e),
        );
        return;
      }
    }
  }

  private onTransferFrame(req: Extract<FilesRequest, { type: 'ack' | 'end' | 'cancel' }>): void {
    const c = this.current;
    const id = c?.kind === 'download' || c?.kind === 'upload' ? c.op.id : -1;
    if (!c || id !== req.id) {
      if (req.type === 'ack' || req.type === 'cancel') return; // late frames of a finished transfer
      return this.reply({ type: 'error', id: req.id, code: 'bad_request', message: 'no such transfer' });
    }
    if (req.type === 'cancel') {
      if (c.kind === 'download') c.op.cancel();
      if (c.kind === 'upload') this.finishUpload(c, new FileOpError('cancelled', 'upload cancelled'));
      return;
    }
    if (req.type === 'ack') {
      if (c.kind !== 'download') return this.protocolError('ack for an upload');
      c.op.ack(req.bytes);
      return;
    }
    if (c.kind !== 'upload' || !c.ready || c.ending) return this.protocolError('end outside an upload');
    c.ending = true;
    c.op.end(req.sha256).then(
      (r) => {
        if (this.current === c) this.current = null;
        this.reply({ type: 'saved', id: c.op.id, size: r.size, sha256: r.sha256 });
      },
      (e: unknown) => this.finishUpload(c, e),
    );
  }

  private finishUpload(c: Extract<Current, { kind: 'upload' }>, e: unknown): void {
    if (this.current !== c) return;
    this.current = null;
    // The error goes out only after the temporary file is gone.
    void c.op.abort().finally(() => this.error(c.op.id, e));
  }

  private done(op: Download): void {
    if (this.current?.kind === 'download' && this.current.op === op) this.current = null;
  }

  private ok(id: number, _: void): void {
    this.reply({ type: 'ok', id });
  }

  private simple(id: number, fn: () => Promise<void>): void {
    const cur: Current = { kind: 'simple', id };
    this.current = cur;
    fn().then(
      () => {
        if (this.current === cur) this.current = null;
      },
      (e: unknown) => {
        if (this.current === cur) this.current = null;
        this.error(id, e);
      },
    );
  }

  private sendAndWait(r: FilesReply): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.ws.readyState !== WebSocket.OPEN) return reject(new FileOpError('cancelled', 'the relay closed'));
      this.ws.send(JSON.stringify(r), (err) => (err ? reject(new FileOpError('cancelled', 'the relay closed')) : resolve()));
    });
  }

  private protocolError(message: string): void {
    this.log.warn('files protocol error', { error: message });
    this.ws.close(RELAY_CLOSE_CODES.protocolError, message);
  }
}

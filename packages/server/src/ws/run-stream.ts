/**
 * The live output of a run at RUN_STREAM_PATH?id=RUN_ID[&after=SEQ] (protocol/commands/stream.ts).
 * Credentials are checked before upgrading, as for the event stream (stream-auth.ts); the run must
 * be one the caller started (or the caller a site admin), else `404` like a missing run.
 *
 * Each socket is a cursor into the run's log in this worker's registry: it replays what is there,
 * then follows new entries, and sends only while less than HIGH_WATER bytes wait in the socket —
 * so a slow reader costs no memory beyond the run itself. After `done` it closes with 1000.
 */
import type { IncomingMessage } from 'node:http';
import type { Server } from 'node:https';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import { CommandId, RUN_STREAM_PATH, type RunStreamFrame } from '@meshwork/protocol';
import { mayReadRun } from '../authz/runs.js';
import type { Run } from '../domain/commands/registry.js';
import type { System } from '../system.js';
import { authenticateStream } from './stream-auth.js';
import { refuseUpgrade, requestUrl, upgradeRouter } from './upgrade.js';

const HIGH_WATER = 256 * 1024;
const PING_MS = 30_000;
const MAX_STREAMS = 1000;

export interface RunStream {
  readonly size: number;
  close(): Promise<void>;
}

/** One socket following one run. */
class RunFollower {
  private cursor: number;
  private waiting = 0;
  private finished = false;
  private readonly unsubscribe: () => void;

  constructor(
    readonly ws: WebSocket,
    private readonly run: Run,
    after: number,
  ) {
    this.cursor = Math.min(after, run.log.length);
    this.unsubscribe = run.onChange(() => this.pump());
    this.send({ type: 'hello', runId: run.id, devices: [...run.devices.values()].map((d) => ({ deviceId: d.deviceId, name: d.name, state: d.state })) });
    this.pump();
  }

  stop(): void {
    this.unsubscribe();
  }

  private pump(): void {
    if (this.finished) return;
    while (this.waiting < HIGH_WATER && this.cursor < this.run.log.length) {
      if (this.ws.readyState !== WebSocket.OPEN) return;
      const entry = this.run.log[this.cursor++];
      if (!entry) break;
      const seq = this.cursor;
      this.send(
        entry.kind === 'output'
          ? { type: 'output', seq, deviceId: entry.deviceId, stream: entry.stream, data: entry.data.toString('base64') }
          : { type: 'exit', seq, deviceId: entry.deviceId, state: entry.state, ...entry.outcome },
      );
    }
    if (this.cursor >= this.run.log.length && this.run.done && this.waiting === 0) {
      this.finished = true;
      this.send({ type: 'done', seq: this.cursor });
      this.ws.close(1000, 'done');
    }
  }

  private send(frame: RunStreamFrame): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    const text = JSON.stringify(frame);
    this.waiting += text.length;
    this.ws.send(text, () => {
      this.waiting -= text.length;
      this.pump();
    });
  }
}

export function attachRunStream(sys: System, server: Server): RunStream {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024, perMessageDeflate: false, clientTracking: false });
  const followers = new Set<RunFollower>();

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    authenticateStream(sys, req)
      .then((auth) => {
        if (!auth.ok) return refuseUpgrade(socket, auth.code);
        const q = requestUrl(req)?.searchParams;
        const id = CommandId.safeParse(q?.get('id') ?? '');
        const afterText = q?.get('after') ?? '0';
        if (!id.success || !/^\d{1,9}$/.test(afterText)) return refuseUpgrade(socket, 'validation_failed', 'Give id=RUN_ID and optionally after=SEQ.');
        const run = sys.commands.runs.get(id.data);
        const p = auth.principal;
        if (!run || !mayReadRun(sys, p, run)) return refuseUpgrade(socket, 'not_found');
        if (followers.size >= MAX_STREAMS) return refuseUpgrade(socket, 'rate_limited', 'Too many run streams are open.');
        if (socket.destroyed) return;
        wss.handleUpgrade(req, socket, head, (ws) => {
          const f = new RunFollower(ws, run, Number(afterText));
          followers.add(f);
          ws.on('error', (err) => sys.log.debug({ err, runId: run.id }, 'run stream socket error'));
          ws.on('close', () => {
            f.stop();
            followers.delete(f);
          });
        });
      })
      .catch((err: unknown) => {
        sys.log.error({ err }, 'run stream upgrade failed');
        refuseUpgrade(socket, 'internal');
      });
  };
  const removeRoute = upgradeRouter(server).add(RUN_STREAM_PATH, onUpgrade);

  // Long runs may be silent for a long time: pings keep proxies from dropping the socket.
  const keepalive = setInterval(() => {
    for (const f of followers) if (f.ws.readyState === WebSocket.OPEN) f.ws.ping();
  }, PING_MS);
  keepalive.unref();

  return {
    get size() {
      return followers.size;
    },
    async close() {
      clearInterval(keepalive);
      removeRoute();
      for (const f of followers) {
        f.stop();
        f.ws.close(1001, 'server shutting down');
      }
      followers.clear();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

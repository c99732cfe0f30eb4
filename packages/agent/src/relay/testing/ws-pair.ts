/** Test support: two connected WebSockets over loopback (plain ws), for driving one relay end. */
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';

export interface WsPair {
  /** The end a handler under test gets (the agent's side). */
  agent: WebSocket;
  /** The end the test drives (the user's side). */
  user: WebSocket;
  close(): Promise<void>;
}

export async function wsPair(): Promise<WsPair> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const port = (wss.address() as AddressInfo).port;
  const accepted = new Promise<WebSocket>((r) => wss.once('connection', (ws) => r(ws)));
  const agent = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false });
  await new Promise<void>((r, j) => {
    agent.once('open', () => r());
    agent.once('error', j);
  });
  const user = await accepted;
  return {
    agent,
    user,
    async close() {
      agent.terminate();
      user.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
    },
  };
}

/** Collects what one end receives: text frames parsed as JSON, binary bytes concatenated. */
export class Inbox {
  readonly json: unknown[] = [];
  bytes = Buffer.alloc(0);
  closeCode: number | null = null;
  closeReason = '';
  private waiters: (() => void)[] = [];

  constructor(ws: WebSocket) {
    ws.on('message', (d: Buffer, isBinary: boolean) => {
      if (isBinary) this.bytes = Buffer.concat([this.bytes, d]);
      else this.json.push(JSON.parse(d.toString('utf8')) as unknown);
      this.poke();
    });
    ws.on('close', (code: number, reason: Buffer) => {
      this.closeCode = code;
      this.closeReason = reason.toString('utf8');
      this.poke();
    });
  }

  private poke(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Resolves when `ok()` holds (checked after every frame), or rejects after 10 s. */
  async until(what: string, ok: () => boolean): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!ok()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.json).slice(0, 500)} close=${this.closeCode}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 200).unref();
      });
    }
  }

  /** The last JSON frame with this type. */
  last(type: string): Record<string, unknown> | undefined {
    return [...this.json].reverse().find((j) => (j as { type?: unknown }).type === type) as Record<string, unknown> | undefined;
  }
}

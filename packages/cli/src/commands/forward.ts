/**
 * `meshwork forward DEVICE LOCALPORT:HOST:PORT`: listens on 127.0.0.1:LOCALPORT and relays each
 * accepted connection through its own relay session (protocol tcp) to HOST:PORT as the device
 * sees it. Backpressure both ways: the local socket pauses while the relay socket has more than
 * 1 MiB unsent, and the relay socket pauses while the local socket's buffer is full. Half-closes
 * travel as `{type:'end'}`. Runs until SIGINT/SIGTERM.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { messageBytes, type RelaySocket } from '@meshwork/client';
import { RelayHost, RELAY_CHUNK, TcpFrame } from '@meshwork/protocol';
import { UsageError } from '../errors.js';
import { printable } from '../output/printable.js';
import { connectRelay, deviceIdOf } from '../relay.js';
import { pos, type CommandSpec, type Ctx } from '../spec.js';

export interface ForwardSpec {
  localPort: number;
  host: string;
  port: number;
}

/** `LOCALPORT:HOST:PORT` (an IPv6 host in brackets: `8080:[::1]:80`). */
export function parseForwardSpec(s: string): ForwardSpec {
  const m = /^(\d{1,5}):(\[[0-9A-Fa-f:.]+\]|[^:]+):(\d{1,5})$/.exec(s);
  const bad = (): UsageError => new UsageError(`expected LOCALPORT:HOST:PORT, got "${s}"`, 'forward');
  if (!m) throw bad();
  const localPort = Number(m[1]);
  const port = Number(m[3]);
  const host = (m[2] ?? '').replace(/^\[|\]$/g, '');
  if (localPort < 0 || localPort > 65535 || port < 1 || port > 65535 || !RelayHost.safeParse(host).success) throw bad();
  return { localPort, host, port };
}

/** Pipes one accepted local connection through a relay socket. */
export function pipeLocal(local: Socket, socket: RelaySocket, high = 1024 * 1024): void {
  let localEnded = false;
  let remoteEnded = false;
  const done = (): void => {
    if (localEnded && remoteEnded) socket.close(1000, 'done');
  };
  socket.addEventListener('message', (ev) => {
    if (typeof ev.data === 'string') {
      let json: unknown;
      try {
        json = JSON.parse(ev.data);
      } catch {
        json = undefined;
      }
      if (!TcpFrame.safeParse(json).success) return socket.close(1002, 'not a tcp control frame');
      remoteEnded = true;
      local.end();
      return done();
    }
    const bytes = messageBytes(ev.data);
    if (bytes && !local.write(bytes)) socket.pause?.();
  });
  socket.addEventListener('close', () => local.destroy());
  local.on('drain', () => socket.resume?.());
  local.on('data', (chunk: Buffer) => {
    for (let off = 0; off < chunk.length; off += RELAY_CHUNK) socket.send(chunk.subarray(off, off + RELAY_CHUNK));
    if (socket.bufferedAmount > high) {
      local.pause();
      const wait = setInterval(() => {
        if (socket.bufferedAmount <= high / 4 || socket.readyState > 1) {
          clearInterval(wait);
          local.resume();
        }
      }, 5);
    }
  });
  local.on('end', () => {
    localEnded = true;
    socket.send(JSON.stringify({ type: 'end' }));
    done();
  });
  local.on('error', () => socket.close(1000, 'local connection failed'));
  local.on('close', () => {
    if (socket.readyState <= 1) socket.close(1000, 'local connection closed');
  });
  socket.resume?.();
  local.resume();
}

export async function startForward(ctx: Ctx, deviceId: string, spec: ForwardSpec, onError: (line: string) => void): Promise<Server> {
  const server = createServer({ allowHalfOpen: true, pauseOnConnect: true }, (local) => {
    connectRelay(ctx, deviceId, { protocol: 'tcp', host: spec.host, port: spec.port }).then(
      ({ socket }) => pipeLocal(local, socket),
      (e: unknown) => {
        onError(`forward: ${printable(e instanceof Error ? e.message : String(e))}`);
        local.destroy();
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(spec.localPort, '127.0.0.1', () => resolve());
  });
  return server;
}

export const forwardCommands: CommandSpec[] = [
  {
    name: 'forward',
    args: ['DEVICE', 'LOCALPORT:HOST:PORT'],
    summary: 'Forward 127.0.0.1:LOCALPORT to HOST:PORT as seen from the device (needs --server)',
    details: 'One relay session per connection. LOCALPORT 0 picks a free port (printed). Stops on Ctrl-C.',
    options: {},
    async run(ctx, input) {
      const spec = parseForwardSpec(pos(input, 1));
      const deviceId = await deviceIdOf(ctx, pos(input, 0));
      if (!ctx.relaySocket) await connectRelay(ctx, deviceId, { protocol: 'tcp', host: spec.host, port: spec.port }); // throws the mode error
      const server = await startForward(ctx, deviceId, spec, ctx.note);
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : spec.localPort;
      ctx.print({ localPort: port, host: spec.host, port: spec.port }, () => `forwarding 127.0.0.1:${port} -> ${spec.host}:${spec.port} on the device (Ctrl-C stops)`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          server.close(() => resolve());
          server.unref();
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      return 0;
    },
  },
];

/**
 * TCP forwarding: before dialling the relay the agent connects to HOST:PORT (as seen from the
 * device; 10 s timeout) — a refusal or timeout becomes close 4011 with the error as reason. Then
 * bytes are piped both ways with backpressure (socket → relay paced by PacedSender; relay →
 * socket pauses the relay while the socket's buffer is full) and `{type:'end'}` frames carry
 * half-closes. Whoever may use `relay` on the device can reach whatever the device can reach;
 * the agent adds no host policy of its own (docs/design.md §9).
 */
import { connect, type Socket } from 'node:net';
import { WebSocket } from '../connection/ws.js';
import { RELAY_CLOSE_CODES, TcpFrame, type TcpOptions } from '@meshwork/protocol/relay/index';
import type { ProtocolHandler, RelaySession } from '../relay/manager.js';
import { closed, PacedSender, parseText, rawToBuffer } from '../relay/paced-sender.js';

export const TCP_CONNECT_TIMEOUT_MS = 10_000;

export function connectTarget(o: TcpOptions, timeoutMs = TCP_CONNECT_TIMEOUT_MS): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: o.host, port: o.port, allowHalfOpen: true });
    socket.pause();
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`connecting to ${o.host}:${o.port} timed out`));
    }, timeoutMs);
    socket.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new Error(`cannot connect to ${o.host}:${o.port}: ${e.code ?? e.message}`));
    });
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
  });
}

export function tcpHandler(): ProtocolHandler<TcpOptions, Socket> {
  return {
    prepare: (_open, options) => connectTarget(options),
    abandon: (socket) => socket.destroy(),
    run: (s, socket) => pipeTcp(s, socket),
  };
}

/** Pipes an open TCP socket and a relay socket until both directions ended or either side failed. */
export async function pipeTcp(s: RelaySession<unknown>, socket: Socket): Promise<void> {
  const { ws } = s;
  let localEnded = false;
  let remoteEnded = false;
  const out = new PacedSender(ws, { pause: () => socket.pause(), resume: () => socket.resume() });
  const finishIfDone = (): void => {
    if (localEnded && remoteEnded && ws.readyState === WebSocket.OPEN) ws.close(RELAY_CLOSE_CODES.normal, 'done');
  };
  socket.on('data', (chunk: Buffer) => out.send(chunk));
  socket.on('end', () => {
    localEnded = true;
    out.control({ type: 'end' });
    finishIfDone();
  });
  socket.on('error', (e: NodeJS.ErrnoException) => {
    if (ws.readyState === WebSocket.OPEN) ws.close(RELAY_CLOSE_CODES.agentError, `connection to the target failed: ${e.code ?? 'error'}`);
  });
  socket.on('close', () => {
    if (ws.readyState === WebSocket.OPEN) ws.close(RELAY_CLOSE_CODES.normal, 'the target closed the connection');
  });
  socket.on('drain', () => ws.resume());
  ws.on('message', (data, isBinary) => {
    if (isBinary) {
      if (remoteEnded) return;
      if (!socket.write(rawToBuffer(data))) ws.pause();
      return;
    }
    const frame = TcpFrame.safeParse(parseText(data));
    if (!frame.success) {
      ws.close(RELAY_CLOSE_CODES.protocolError, 'not a tcp control frame');
      return;
    }
    remoteEnded = true;
    socket.end();
    finishIfDone();
  });
  socket.resume();
  await closed(ws);
  socket.destroy();
}

/**
 * Byte pipes to a TPM: one command in, one response out. swtpm's TCP server and /dev/tpm* carry the
 * same raw TPM 2.0 command stream. A transport is opened per operation and closed after it.
 */
import { connect, type Socket } from 'node:net';
import { open } from 'node:fs/promises';
import type { Tcti } from './tcti.js';

export interface TpmTransport {
  transmit(command: Uint8Array): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** TPM responses are at most a few KB; anything claiming more is a broken peer. */
const MAX_RESPONSE = 64 * 1024;

export class TpmTransportError extends Error {
  override name = 'TpmTransportError';
}

export function openTransport(tcti: Tcti, timeoutMs: number): Promise<TpmTransport> {
  return tcti.kind === 'swtpm' ? openSocket(tcti.host, tcti.port, timeoutMs) : openDevice(tcti.path, timeoutMs);
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string, onTimeout: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new TpmTransportError(`${what} timed out after ${ms} ms`));
    }, ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

async function openSocket(host: string, port: number, timeoutMs: number): Promise<TpmTransport> {
  const sock: Socket = connect({ host, port });
  sock.setNoDelay(true);
  await withTimeout(
    new Promise<void>((resolve, reject) => {
      sock.once('connect', resolve);
      sock.once('error', (e) => reject(new TpmTransportError(`cannot reach TPM at ${host}:${port}: ${e.message}`)));
    }),
    timeoutMs,
    `connecting to TPM at ${host}:${port}`,
    () => sock.destroy(),
  );
  return {
    transmit: (command) =>
      withTimeout(
        new Promise<Uint8Array>((resolve, reject) => {
          const chunks: Buffer[] = [];
          let have = 0;
          const done = (err?: Error, value?: Uint8Array) => {
            sock.off('data', onData).off('error', onError).off('close', onClose);
            if (err) reject(err);
            else if (value) resolve(value);
          };
          const onData = (d: Buffer) => {
            chunks.push(d);
            have += d.length;
            if (have < 10) return;
            const all = Buffer.concat(chunks);
            const size = all.readUInt32BE(2);
            if (size < 10 || size > MAX_RESPONSE) return done(new TpmTransportError(`TPM sent a ${size}-byte response header`));
            if (have >= size) done(undefined, new Uint8Array(all.subarray(0, size)));
          };
          const onError = (e: Error) => done(new TpmTransportError(`TPM socket error: ${e.message}`));
          const onClose = () => done(new TpmTransportError('TPM closed the connection mid-command'));
          sock.on('data', onData).on('error', onError).on('close', onClose);
          sock.write(command);
        }),
        timeoutMs,
        'TPM command',
        () => sock.destroy(),
      ),
    close: () =>
      new Promise<void>((resolve) => {
        if (sock.destroyed) return resolve();
        sock.once('close', () => resolve());
        sock.end();
      }),
  };
}

async function openDevice(path: string, timeoutMs: number): Promise<TpmTransport> {
  const fh = await open(path, 'r+').catch((e: NodeJS.ErrnoException) => {
    throw new TpmTransportError(`cannot open TPM device ${path}: ${e.code ?? e.message}`);
  });
  const buf = Buffer.alloc(MAX_RESPONSE);
  return {
    transmit: (command) =>
      withTimeout(
        (async () => {
          await fh.write(command, 0, command.length, null);
          // A TPM character device returns the whole response to one read.
          const { bytesRead } = await fh.read(buf, 0, buf.length, null);
          return new Uint8Array(buf.subarray(0, bytesRead));
        })(),
        timeoutMs,
        `TPM command on ${path}`,
        () => undefined,
      ),
    close: () => fh.close(),
  };
}

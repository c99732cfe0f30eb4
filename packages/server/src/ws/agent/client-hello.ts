/**
 * The first bytes of a connection accepted paused (tls-admission.ts): a TLS client starts with a
 * handshake record (0x16, then version major 0x03). The bytes read are put back (`unshift`), and
 * Node's TLS socket reads them from the socket's buffer when it wraps it (`initRead`), so the
 * handshake sees the stream unchanged. A peer that sends nothing within `timeoutMs` never got
 * anything: it held no slot and is closed by the caller.
 */
import type { Socket } from 'node:net';

export type FirstBytes = 'tls' | 'not_tls' | 'silent' | 'closed';

const ignore = (): void => undefined;

/**
 * `pause()` does not stop a plain socket's handle: it reads on into the stream's buffer up to the
 * high-water mark. Stop it, as `pauseOnConnect` does, so a queued connection holds no more than its
 * first bytes; TLS starts the handle reading again when it takes the socket.
 */
function stopReading(raw: Socket): void {
  const handle = (raw as unknown as { _handle?: { reading?: boolean; readStop?: () => number } | null })._handle;
  if (handle?.reading && handle.readStop) {
    handle.reading = false;
    handle.readStop();
  }
}

export function awaitClientHello(raw: Socket, timeoutMs: number, done: (r: FirstBytes) => void): void {
  let settled = false;
  const finish = (r: FirstBytes): void => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    raw.off('data', onData);
    raw.off('close', onClose);
    done(r);
  };
  const onData = (chunk: Buffer): void => {
    raw.pause();
    stopReading(raw);
    raw.unshift(chunk);
    finish(chunk[0] === 0x16 && (chunk.length < 2 || chunk[1] === 0x03) ? 'tls' : 'not_tls');
  };
  const onClose = (): void => finish('closed');
  // After the poll phase that follows: bytes that came while the event loop was busy are read first.
  const timer = setTimeout(() => setImmediate(() => finish('silent')), timeoutMs);
  timer.unref();
  // A reset before TLS takes the socket must not become an uncaught 'error' (the socket closes itself).
  raw.on('error', ignore);
  raw.on('data', onData);
  raw.once('close', onClose);
  raw.resume();
}

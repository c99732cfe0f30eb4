/**
 * Downloads an offered executable from the server the agent is connected to, over HTTPS without
 * web PKI: the signed size and SHA-256 decide what is accepted, not the certificate. The body goes
 * into a new file (O_EXCL, O_NOFOLLOW, 0700) while it is hashed; more bytes than offered, a
 * non-200 answer, silence for IDLE_MS or a wrong hash fail the download and remove the file.
 */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { open, unlink } from 'node:fs/promises';
import { get } from 'node:https';
import { AGENT_WS_PATH } from '@meshwork/protocol/session/index';
import { UpdateRefusal } from './verify.js';

const IDLE_MS = 60_000;
const TOTAL_MS = 15 * 60_000;

/** The https URL of `path` on the server behind a session URL (`wss://host:port[/prefix]/agent`). */
export function downloadUrl(sessionUrl: string, path: string): URL {
  const u = new URL(sessionUrl);
  const prefix = u.pathname.endsWith(AGENT_WS_PATH) ? u.pathname.slice(0, -AGENT_WS_PATH.length) : '';
  return new URL(`https://${u.host}${prefix}${path}`);
}

export async function downloadTo(url: URL, dest: string, size: number, sha256: string): Promise<void> {
  const fh = await open(dest, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o700);
  const hash = createHash('sha256');
  let received = 0;
  let ok = false;
  try {
    await new Promise<void>((resolve, reject) => {
      let chain = Promise.resolve();
      const req = get(url, { rejectUnauthorized: false, timeout: IDLE_MS, headers: { accept: 'application/octet-stream' } }, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          return reject(new UpdateRefusal(`the download answered HTTP ${res.statusCode ?? '?'}`));
        }
        res.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (received > size) {
            req.destroy();
            return reject(new UpdateRefusal(`the download is larger than the offered ${size} bytes`));
          }
          hash.update(chunk);
          res.pause();
          chain = chain.then(() => fh.write(chunk)).then(
            () => void res.resume(),
            (e: Error) => void req.destroy(e),
          );
        });
        res.on('end', () => void chain.then(resolve, reject));
        res.on('error', reject);
        res.on('close', () => {
          if (!res.complete) reject(new UpdateRefusal('the download was cut short'));
        });
      });
      const total = setTimeout(() => req.destroy(new UpdateRefusal('the download took too long')), TOTAL_MS);
      req.on('timeout', () => req.destroy(new UpdateRefusal('the download stalled')));
      req.on('error', (e) => reject(e instanceof UpdateRefusal ? e : new UpdateRefusal(`the download failed: ${e.message}`)));
      req.on('close', () => clearTimeout(total));
    });
    if (received !== size) throw new UpdateRefusal(`the download has ${received} bytes, the offer says ${size}`);
    if (hash.digest('hex') !== sha256) throw new UpdateRefusal('the download does not match the offered SHA-256');
    await fh.sync();
    ok = true;
  } finally {
    await fh.close();
    if (!ok) await unlink(dest).catch(() => undefined);
  }
}

// Simulated agent identities: a P-256 key and the agent's own self-signed certificate (built by
// packages/agent's certificate code) per agent, cached in a file under the temp dir so repeated
// runs reuse the same device ids. The cache grows when a run asks for more agents than it holds.
import { createHash, createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSelfSignedCertificate } from '@meshwork/agent/identity/certificate';

export const CACHE = process.env.MW_LOAD_IDENTITIES ?? join(tmpdir(), 'meshwork-agent-load', 'identities.jsonl');

function readLines() {
  try {
    return readFileSync(CACHE, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

/** Makes sure the cache holds at least `n` identities; returns how many were generated now. */
export async function ensureIdentities(n) {
  const have = readLines().length;
  if (have >= n) return 0;
  mkdirSync(join(CACHE, '..'), { recursive: true, mode: 0o700 });
  let batch = [];
  for (let i = have; i < n; i++) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const spki = publicKey.export({ type: 'spki', format: 'der' });
    const cert = await createSelfSignedCertificate({ spki, sign: async (tbs) => sign('sha256', tbs, { key: privateKey, dsaEncoding: 'der' }) });
    batch.push(JSON.stringify({
      d: privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64'),
      s: spki.toString('base64'),
      c: cert.toString('base64'),
      id: createHash('sha384').update(spki).digest('hex'),
    }));
    if (batch.length === 1000 || i === n - 1) {
      appendFileSync(CACHE, batch.join('\n') + '\n', { mode: 0o600 });
      batch = [];
    }
  }
  return n - have;
}

/** Identities [from, to) with parsed private keys. */
export function loadIdentities(from, to) {
  return readLines().slice(from, to).map((line) => {
    const r = JSON.parse(line);
    return { key: createPrivateKey({ key: Buffer.from(r.d, 'base64'), format: 'der', type: 'pkcs8' }), spki: r.s, cert: r.c, deviceId: r.id };
  });
}

/**
 * A real `meshwork server start` for browser tests (temporary data dir, any free port on
 * 127.0.0.1), with what a browser needs to reach it: the URL under the name `localhost` (WebAuthn
 * refuses IP addresses as relying-party ids; the generated certificate covers localhost), the
 * setup link, and the SHA-256 SPKI hashes of its certificate chain for Chromium to trust. Plus real
 * agent processes enrolled with an install file.
 */
import { X509Certificate, createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startAgent, waitConnected } from './agent.js';
import type { Proc, ProcessSet } from './processes.js';
import { startServer } from './processes.js';

export interface WebServer {
  proc: Proc;
  port: number;
  /** `https://localhost:PORT` — the origin the browser uses. */
  url: string;
  /** The one-time setup link as printed at first start, moved to `url`'s origin; null when users exist. */
  setupLink: string | null;
  /** The setup link exactly as the server printed it. */
  printedSetupLink: string | null;
  dataDir: string;
  /** PEM of the server's root CA (DATA/tls/ca.crt). */
  caPem: string;
  /** base64 SHA-256 of the SubjectPublicKeyInfo of each certificate the server presents. */
  spki: string[];
}

/** SHA-256 SPKI hashes (base64) of every certificate in a PEM bundle. */
export function spkiHashes(pem: string): string[] {
  return pem
    .split(/(?=-----BEGIN CERTIFICATE-----)/)
    .filter((p) => p.includes('BEGIN CERTIFICATE'))
    .map((p) => createHash('sha256').update(new X509Certificate(p).publicKey.export({ type: 'spki', format: 'der' })).digest('base64'));
}

export async function startWebServer(procs: ProcessSet, dataDir: string): Promise<WebServer> {
  const s = await startServer(procs, dataDir);
  const printed = /^Setup: (\S+)$/m.exec(s.proc.stdout)?.[1] ?? null;
  const url = `https://localhost:${s.port}`;
  let setupLink: string | null = null;
  if (printed !== null) {
    const u = new URL(printed);
    setupLink = `${url}${u.pathname}${u.hash}`;
  }
  return {
    proc: s.proc,
    port: s.port,
    url,
    setupLink,
    printedSetupLink: printed,
    dataDir,
    caPem: readFileSync(join(dataDir, 'tls', 'ca.crt'), 'utf8'),
    spki: spkiHashes(readFileSync(join(dataDir, 'tls', 'https.crt'), 'utf8')),
  };
}

/** Starts a real `meshwork-agent run` (file key) with an install file and waits until it is connected. */
export async function enrolAgent(procs: ProcessSet, installFile: string | undefined, stateDir: string): Promise<{ agent: Proc; deviceId: string }> {
  const agent = startAgent(procs, stateDir, { ...(installFile !== undefined ? { install: installFile } : {}), keyProvider: 'file' });
  const status = await waitConnected(agent, stateDir);
  if (!status.deviceId) throw new Error(`the agent connected without a device id\n${agent.tail()}`);
  return { agent, deviceId: status.deviceId };
}

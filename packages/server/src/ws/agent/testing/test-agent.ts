/**
 * Test support: a minimal agent written with node:crypto and the protocol's transcript functions
 * (what packages/agent does, without its CLI, TPM or reconnect logic) — keys, frames, a socket.
 */
import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import WebSocket from 'ws';
import {
  AGENT_WS_PATH,
  agentTranscript,
  bytesToBase64,
  bytesToBase64url,
  challengeBytes,
  PROTOCOL_VERSION,
  ServerChallenge,
  type AgentAuth,
  type AgentHello,
  type AgentInfo,
} from '@meshwork/protocol';
import { createCertificate } from '@meshwork/protocol/x509/index';

export interface AgentKey {
  privateKey: KeyObject;
  spki: Buffer;
  deviceId: string;
  /** Self-signed certificate for the key (DER). */
  certificate: Buffer;
}

/** A fresh P-256 identity with its self-signed certificate, like the agent's first run. */
export async function newAgentKey(): Promise<AgentKey> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const cert = await createCertificate(
    {
      serialNumber: Buffer.concat([Buffer.from([1]), randomBytes(15)]),
      subject: [['CN', 'meshwork-agent']],
      notBefore: new Date(Date.now() - 3600_000),
      notAfter: new Date(Date.UTC(9999, 11, 31)),
      subjectPublicKeyInfo: spki,
    },
    async (tbs) => sign('sha256', tbs, { key: privateKey, dsaEncoding: 'der' }),
  );
  return { privateKey, spki, deviceId: createHash('sha384').update(spki).digest('hex'), certificate: Buffer.from(cert) };
}

export const testInfo = (extra: Partial<AgentInfo> = {}): AgentInfo => ({ agentVersion: '0.1.0-test', platform: 'linux', arch: 'x64', hostname: 'test-host', ...extra });

export interface Closed {
  code: number;
  reason: string;
}

export interface AgentSocket {
  ws: WebSocket;
  /** DER of the TLS leaf certificate this socket saw. */
  tlsCertDer: Buffer;
  /** The next server frame (JSON), or null once the socket closed with no frame left. */
  next(): Promise<unknown>;
  /** Every frame received so far. */
  frames: unknown[];
  closed: Promise<Closed>;
  send(v: unknown): void;
}

export interface OpenOptions {
  headers?: Record<string, string>;
  /** Source address (127.0.0.0/8 has many: "other sources" for the per-source limits). */
  localAddress?: string;
}

/** Opens wss://…/agent. Resolves once open; rejects on an HTTP refusal (status in the error) or a close before open. */
export function openAgentSocket(base: string, o: OpenOptions = {}): Promise<AgentSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${base}${AGENT_WS_PATH}`, { rejectUnauthorized: false, perMessageDeflate: false, ...(o.headers ? { headers: o.headers } : {}), ...(o.localAddress ? { localAddress: o.localAddress } : {}) });
    let tlsCertDer = Buffer.alloc(0);
    const frames: unknown[] = [];
    const queue: unknown[] = [];
    const waiters: Array<(v: unknown) => void> = [];
    let ended = false;
    ws.on('upgrade', (res: IncomingMessage) => {
      tlsCertDer = (res.socket as TLSSocket).getPeerX509Certificate()?.raw ?? Buffer.alloc(0);
    });
    ws.on('message', (data, isBinary) => {
      let v: unknown;
      try {
        v = isBinary ? { binary: true } : JSON.parse(String(data));
      } catch {
        v = { unparsable: String(data) };
      }
      frames.push(v);
      const w = waiters.shift();
      if (w) w(v);
      else queue.push(v);
    });
    const closed = new Promise<Closed>((r) =>
      ws.on('close', (code, reason) => {
        // Closed before it opened (e.g. at TCP accept): ws reports the error in CLOSING state.
        reject(new Error(`closed before it opened (${code})`));
        ended = true;
        for (const w of waiters.splice(0)) w(null);
        r({ code, reason: String(reason) });
      }),
    );
    ws.on('unexpected-response', (_req, res) => {
      reject(Object.assign(new Error(`HTTP ${res.statusCode ?? 0}`), { status: res.statusCode ?? 0 }));
      ws.terminate();
    });
    ws.on('error', (err) => {
      if (ws.readyState === WebSocket.CONNECTING) reject(err);
    });
    ws.on('open', () =>
      resolve({
        ws,
        get tlsCertDer() {
          return tlsCertDer;
        },
        frames,
        closed,
        next: () => new Promise((r) => (queue.length > 0 ? r(queue.shift()) : ended ? r(null) : waiters.push(r))),
        send: (v) => ws.send(typeof v === 'string' || Buffer.isBuffer(v) ? v : JSON.stringify(v)),
      }),
    );
  });
}

export interface HelloContext {
  agentNonce: Buffer;
  tlsCertHash: Buffer;
}

export function helloFor(tlsCertDer: Buffer, o: { protocolVersion?: number; tlsCertHash?: Buffer } = {}): { hello: AgentHello; ctx: HelloContext } {
  const agentNonce = randomBytes(48);
  const tlsCertHash = o.tlsCertHash ?? createHash('sha384').update(tlsCertDer).digest();
  return {
    hello: { type: 'hello', protocolVersion: o.protocolVersion ?? PROTOCOL_VERSION, agentNonce: agentNonce.toString('base64url'), tlsCertHash: tlsCertHash.toString('hex') },
    ctx: { agentNonce, tlsCertHash },
  };
}

/** Signs the agent transcript for a challenge (no ServerID check: tests check that separately). */
export function authFor(key: AgentKey, ctx: HelloContext, challenge: unknown, info?: AgentInfo, o: { certificate?: Buffer | null } = {}): AgentAuth {
  const c = ServerChallenge.parse(challenge);
  const { serverNonce, serverPublicKey } = challengeBytes(c);
  const transcript = agentTranscript(ctx.tlsCertHash, serverNonce, ctx.agentNonce, serverPublicKey);
  const signature = sign('sha256', transcript, { key: key.privateKey, dsaEncoding: 'der' });
  const certificate = o.certificate === undefined ? key.certificate : o.certificate;
  return {
    type: 'auth',
    agentPublicKey: bytesToBase64(key.spki),
    agentSignature: bytesToBase64(signature),
    ...(certificate ? { agentCertificate: bytesToBase64(certificate) } : {}),
    ...(info ? { info } : {}),
  };
}

export interface Handshake {
  sock: AgentSocket;
  ctx: HelloContext;
  challenge: unknown;
  /** The frame after auth: welcome or refused (or null when the socket closed). */
  result: unknown;
}

/** hello → challenge → auth → result, on a new socket. */
export async function handshake(base: string, key: AgentKey, info?: AgentInfo): Promise<Handshake> {
  const sock = await openAgentSocket(base);
  const { hello, ctx } = helloFor(sock.tlsCertDer);
  sock.send(hello);
  const challenge = await sock.next();
  if ((challenge as { type?: unknown } | null)?.type !== 'challenge') return { sock, ctx, challenge, result: challenge };
  sock.send(authFor(key, ctx, challenge, info));
  return { sock, ctx, challenge, result: await sock.next() };
}

export const nonce = (): string => bytesToBase64url(randomBytes(48));

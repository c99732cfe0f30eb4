/**
 * Test support: a test double of the server's agent endpoint — real TLS (a self-signed P-256
 * certificate) and a real WebSocket on 127.0.0.1 at AGENT_WS_PATH, running the reference handshake
 * of identity/handshake.test.ts (the server's half, written with node:crypto against the protocol's
 * schemas and transcripts), then `known` and the reports — whole, or in acknowledged parts
 * reassembled by the protocol's ReportAssembler, as the real server does. Each connection follows a
 * Behaviour, so tests can make it a rogue server, a garbage sender, an overloaded one, a silent one,
 * or one that never acknowledges a report part.
 */
import { after } from 'node:test';
import { createHash, createPublicKey, generateKeyPairSync, randomBytes, sign, verify, X509Certificate, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  AGENT_HANDSHAKE_MAX_FRAME,
  AGENT_SESSION_MAX_FRAME,
  AGENT_WS_PATH,
  AgentHandshakeFrame,
  AgentReportPart,
  AgentSessionFrame,
  agentTranscript,
  authBytes,
  bytesToBase64,
  bytesToBase64url,
  canonicalJson,
  helloBytes,
  REPORT_PART_BYTES,
  REPORT_PARTS_CAPABILITY,
  ReportAssembler,
  serverTranscript,
  AgentUpdateStatus,
  updateOfferTranscript,
  type AgentInfo,
  type ServerUpdate,
  type UpdateOffer,
  type AgentRefusalCode,
  type InstallFile,
  type ServerHandshakeFrame,
  type ServerSessionFrame,
} from '@meshwork/protocol';
import { createSelfSignedCertificate } from '../../identity/certificate.js';
import { deviceIdOf } from '../../identity/device-id.js';

export type Behaviour =
  | { kind: 'normal' }
  /** Signs the challenge with a key that is not the pinned ServerID's. */
  | { kind: 'rogue' }
  /** Sends `frame` (text, or bytes as a binary frame) instead of the message due at `at`. */
  | { kind: 'garbage'; at: 'challenge' | 'welcome' | 'session'; frame: string | Buffer }
  /** After welcome (and known): `later`. */
  | { kind: 'later'; retryAfterMs: number }
  /** `refused` instead of the challenge, or instead of the welcome. */
  | { kind: 'refuse'; at: 'challenge' | 'welcome'; code: AgentRefusalCode; retryAfterMs?: number }
  /** Accepts the socket and never says anything. */
  | { kind: 'silent' }
  /** Takes report parts but never acknowledges one. */
  | { kind: 'noAck' };

export interface ConnRecord {
  index: number;
  /** performance.now() when the upgrade completed. */
  at: number;
  deviceId?: string;
  info?: AgentInfo;
  frames: string[];
  reports: AgentSessionFrame[];
  /** Report parts received (without their data), in order. */
  parts: Array<{ id: number; seq: number; parts: number; bytes: number }>;
  closed: boolean;
  closeCode?: number;
  /** Pongs received (answers to the server's pings). */
  pongs: number;
  /** Self-update statuses received. */
  updates: AgentUpdateStatus[];
  /** Sends a frame on this connection (self-update tests). */
  send(frame: ServerSessionFrame): void;
}

export interface TestServer {
  readonly url: string;
  readonly serverId: string;
  readonly tlsCertDer: Buffer;
  readonly connections: ConnRecord[];
  /** What the server holds per device id, sent in `known`. */
  readonly held: Map<string, { inventoryHash: string | null; softwareHash: string | null }>;
  behaviour: (index: number) => Behaviour;
  installFile(extra?: Partial<InstallFile>): InstallFile;
  /** Signs an update offer with the server key (what the real server does with its ServerID key). */
  signOffer(offer: UpdateOffer): ServerUpdate;
  /** Files served over HTTPS by path (with query), e.g. agent packages for self-update tests. */
  readonly files: Map<string, Buffer>;
  /** Paths requested over HTTPS, in order. */
  readonly downloads: string[];
  /** Closes every agent socket (a server restart, seen from the agent). */
  dropAll(): void;
  close(): Promise<void>;
}

const GROUP_ID = createHash('sha384').update('test-group').digest('hex');

function tlsMaterial(): Promise<{ key: string; cert: string; der: Buffer }> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  return createSelfSignedCertificate({ spki, sign: async (tbs) => sign('sha256', tbs, { key: privateKey, dsaEncoding: 'der' }) }).then((der) => ({
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    cert: new X509Certificate(der).toString(),
    der,
  }));
}

export interface TestServerOptions {
  behaviour?: (index: number) => Behaviour;
  /** Pings every socket this often (the real server pings every 30 s). */
  pingIntervalMs?: number;
  /** The group `welcome` reports (default: the one the agent claimed). */
  welcomeGroupId?: string;
  /**
   * What `known.reportPartBytes` says to agents that announced `report-parts` (default: what the
   * real server says). null: a server from before parts — it says nothing and refuses a part.
   */
  reportPartBytes?: number | null;
}

export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const tls = await tlsMaterial();
  const serverKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const rogueKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const spkiOf = (k: { publicKey: KeyObject }) => k.publicKey.export({ type: 'spki', format: 'der' });
  const serverSpki = spkiOf(serverKey);
  const tlsHash = createHash('sha384').update(tls.der).digest('hex');
  const files = new Map<string, Buffer>();
  const downloads: string[] = [];
  const https: Server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    downloads.push(req.url ?? '');
    const body = files.get(req.url ?? '');
    if (req.method !== 'GET' || body === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length }).end(body);
  });
  const wss = new WebSocketServer({ server: https, path: AGENT_WS_PATH, maxPayload: AGENT_SESSION_MAX_FRAME });
  await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
  const port = (https.address() as AddressInfo).port;

  const connections: ConnRecord[] = [];
  const held = new Map<string, { inventoryHash: string | null; softwareHash: string | null }>();
  const sockets = new Set<WebSocket>();
  const server: TestServer = {
    url: `https://127.0.0.1:${port}`,
    serverId: deviceIdOf(serverSpki),
    tlsCertDer: tls.der,
    connections,
    held,
    behaviour: opts.behaviour ?? (() => ({ kind: 'normal' })),
    files,
    downloads,
    signOffer: (offer) => ({ type: 'update', offer, signature: bytesToBase64(sign('sha256', updateOfferTranscript(offer), { key: serverKey.privateKey, dsaEncoding: 'der' })) }),
    installFile: (extra = {}) => ({ serverUrls: [`https://127.0.0.1:${port}`], serverId: deviceIdOf(serverSpki), groupId: GROUP_ID, groupName: 'Test', ...extra }),
    dropAll: () => {
      for (const s of sockets) s.terminate();
    },
    close: async () => {
      for (const s of sockets) s.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      https.closeAllConnections();
      await new Promise<void>((resolve) => https.close(() => resolve()));
    },
  };

  let pinger: NodeJS.Timeout | undefined;
  if (opts.pingIntervalMs) {
    pinger = setInterval(() => sockets.forEach((s) => s.ping()), opts.pingIntervalMs);
    https.once('close', () => clearInterval(pinger));
  }

  wss.on('connection', (ws) => {
    sockets.add(ws);
    const rec: ConnRecord = {
      index: connections.length,
      at: performance.now(),
      frames: [],
      reports: [],
      parts: [],
      closed: false,
      pongs: 0,
      updates: [],
      send: (frame) => ws.send(JSON.stringify(frame)),
    };
    connections.push(rec);
    const behaviour = server.behaviour(rec.index);
    let phase: 'hello' | 'auth' | 'session' | 'done' = 'hello';
    let conn: { tlsCertHash: Uint8Array; agentNonce: Uint8Array; serverNonce: Uint8Array } | undefined;
    const partBytes = opts.reportPartBytes === undefined ? REPORT_PART_BYTES : opts.reportPartBytes;
    const assembler = new ReportAssembler(AGENT_SESSION_MAX_FRAME);
    const send = (m: ServerHandshakeFrame | ServerSessionFrame) => ws.send(JSON.stringify(m));
    const refuse = (code: AgentRefusalCode, retryAfterMs?: number) => {
      send({ type: 'refused', code, message: code, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
      phase = 'done';
      ws.close(1008, code);
    };
    const garbageAt = (at: 'challenge' | 'welcome' | 'session'): boolean => {
      if (behaviour.kind !== 'garbage' || behaviour.at !== at) return false;
      ws.send(behaviour.frame, { binary: typeof behaviour.frame !== 'string' });
      phase = 'done';
      return true;
    };
    ws.on('close', (code) => {
      rec.closed = true;
      rec.closeCode = code;
      sockets.delete(ws);
    });
    ws.on('error', () => undefined);
    ws.on('pong', () => void rec.pongs++);
    /** A whole report (or one reassembled from parts): hash checked, then held. */
    const report = (json: unknown): void => {
      const r = AgentSessionFrame.safeParse(json);
      if (!r.success || !rec.deviceId) return refuse('bad_message');
      const body = r.data.type === 'inventory' ? r.data.inventory : r.data.software;
      if (createHash('sha256').update(canonicalJson(body)).digest('hex') !== r.data.hash) return refuse('bad_message');
      rec.reports.push(r.data);
      const h = held.get(rec.deviceId) ?? { inventoryHash: null, softwareHash: null };
      held.set(rec.deviceId, r.data.type === 'inventory' ? { ...h, inventoryHash: r.data.hash } : { ...h, softwareHash: r.data.hash });
    };
    ws.on('message', (data, isBinary) => {
      const raw = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
      if (isBinary || behaviour.kind === 'silent' || phase === 'done') return;
      rec.frames.push(raw.toString('utf8').slice(0, 200));
      if (phase !== 'session' && raw.length > AGENT_HANDSHAKE_MAX_FRAME) return refuse('bad_message');
      let json: unknown;
      try {
        json = JSON.parse(raw.toString('utf8'));
      } catch {
        return refuse('bad_message');
      }
      if (phase === 'session') {
        if ((json as { type?: unknown } | null)?.type === 'updateStatus') {
          const u = AgentUpdateStatus.safeParse(json);
          if (!u.success) return refuse('bad_message');
          rec.updates.push(u.data);
          return;
        }
        if ((json as { type?: unknown } | null)?.type !== 'reportPart') return assembler.inProgress ? refuse('bad_message') : report(json);
        const p = AgentReportPart.safeParse(json);
        if (partBytes === null || !p.success) return refuse('bad_message');
        rec.parts.push({ id: p.data.id, seq: p.data.seq, parts: p.data.parts, bytes: Buffer.byteLength(p.data.data) });
        const added = assembler.add(p.data);
        if (!added.ok) return refuse('bad_message');
        if (behaviour.kind !== 'noAck') send({ type: 'reportAck', id: p.data.id, seq: p.data.seq });
        if (added.text === null) return;
        try {
          return report(JSON.parse(added.text));
        } catch {
          return refuse('bad_message');
        }
      }
      const f = AgentHandshakeFrame.safeParse(json);
      if (!f.success) return refuse('bad_message');
      if (phase === 'hello' && f.data.type === 'hello') {
        if (f.data.tlsCertHash !== tlsHash) return refuse('tls_cert_mismatch');
        if (behaviour.kind === 'refuse' && behaviour.at === 'challenge') return refuse(behaviour.code, behaviour.retryAfterMs);
        if (garbageAt('challenge')) return;
        const { agentNonce, tlsCertHash } = helloBytes(f.data);
        const serverNonce = new Uint8Array(randomBytes(32));
        const key = behaviour.kind === 'rogue' ? rogueKey : serverKey;
        const sig = sign('sha256', serverTranscript(tlsCertHash, agentNonce, serverNonce), { key: key.privateKey, dsaEncoding: 'der' });
        send({ type: 'challenge', serverNonce: bytesToBase64url(serverNonce), serverSignature: bytesToBase64(sig), serverPublicKey: bytesToBase64(spkiOf(key)) });
        conn = { tlsCertHash, agentNonce, serverNonce };
        phase = 'auth';
        return;
      }
      if (phase === 'auth' && f.data.type === 'auth' && conn) {
        const { agentPublicKey, agentSignature } = authBytes(f.data);
        const agentKey = createPublicKey({ key: Buffer.from(agentPublicKey), format: 'der', type: 'spki' });
        const transcript = agentTranscript(conn.tlsCertHash, conn.serverNonce, conn.agentNonce, serverSpki);
        if (!verify('sha256', transcript, { key: agentKey, dsaEncoding: 'der' }, agentSignature)) return refuse('bad_signature');
        if (behaviour.kind === 'refuse' && behaviour.at === 'welcome') return refuse(behaviour.code, behaviour.retryAfterMs);
        if (garbageAt('welcome')) return;
        const deviceId = deviceIdOf(agentPublicKey);
        rec.deviceId = deviceId;
        if (f.data.info) rec.info = f.data.info;
        send({ type: 'welcome', deviceId, groupId: opts.welcomeGroupId ?? f.data.info?.groupId ?? GROUP_ID });
        phase = 'session';
        if (garbageAt('session')) return;
        const h = held.get(deviceId) ?? { inventoryHash: null, softwareHash: null };
        const parts = partBytes !== null && f.data.info?.capabilities?.includes(REPORT_PARTS_CAPABILITY) === true;
        send({ type: 'known', ...h, ...(parts ? { reportPartBytes: partBytes } : {}) });
        if (behaviour.kind === 'later') {
          send({ type: 'later', retryAfterMs: behaviour.retryAfterMs, reason: 'busy' });
          phase = 'done';
        }
        return;
      }
      refuse('bad_message');
    });
  });
  return server;
}

/** Polls `cond` every 10 ms until true; fails with `what` after `timeoutMs`. */
/** startTestServer for one test file: every server it starts is closed after the file's tests. */
export function testServers(): (opts?: TestServerOptions) => Promise<TestServer> {
  const servers: TestServer[] = [];
  after(async () => {
    for (const s of servers) await s.close();
  });
  return async (opts) => {
    const s = await startTestServer(opts);
    servers.push(s);
    return s;
  };
}

export async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

// One load-generator process (forked by run.mjs): a slice of the simulated agents, every socket
// bound to this process's own source address (127.0.0.x). Each agent does what the real agent does
// on the wire: TLS (server certificate not trusted by PKI, the ServerID is pinned instead), hello
// with the hash of the certificate it saw, checks the challenge (server key hashes to the pinned
// ServerID, server signature over serverTranscript), signs agentTranscript with its own P-256 key,
// sends its certificate and info (group id from the install file), and waits for `welcome`.
// Reconnects like the real agent: `later` / `refused.retryAfterMs` are honoured (Backoff.serverDelay),
// otherwise jittered exponential backoff (packages/agent's Backoff, delays × --backoff-scale).
// Inventory reports are not sent (the handshake is what is measured).
//
// Parent → gen: {cmd:'connect'} {cmd:'epoch'} {cmd:'stop'};  gen → parent: {type:'ready'|'progress'|'epoch'}.
import { createHash, createPublicKey, randomBytes, sign, verify } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import WebSocket from 'ws';
import { AGENT_WS_PATH, agentTranscript, PROTOCOL_VERSION, serverTranscript } from '@meshwork/protocol';
import { Backoff } from '@meshwork/agent/connection/backoff';
import { loadIdentities } from './identities.mjs';

const cfg = JSON.parse(process.env.MW_LOAD_GEN ?? '{}');
const { url, serverId, groupId, localAddress, from, to, window, backoffScale, maxMinutes } = cfg;
const MAX_ATTEMPTS = 200;
const HANDSHAKE_LIMIT_MS = 30_000;
const timing = { backoffFirstMinMs: 1_000 * backoffScale, backoffFirstMaxMs: 3_000 * backoffScale, backoffCapMs: 300_000 * backoffScale };
const STABLE_MS = 60_000 * backoffScale;
// What packages/agent announces (AGENT_CAPABILITIES in its run/agent.ts), so the server records the same.
const CAPABILITIES = ['inventory', 'software', 'terminal', 'files', 'tcp', 'commands', 'power', 'wake'];

// Bounded in time whatever happens to the parent.
setTimeout(() => process.exit(3), maxMinutes * 60_000).unref();
process.on('disconnect', () => process.exit(0));

const stats = { online: 0, back: 0, attempts: 0, welcomes: 0, later: 0, refused: {}, errors: 0, errorCodes: {}, closes: {}, firstDone: 0 };
let epoch = false;
let stopped = false;
const sockets = new Set();

// One TLS context for all sockets of this process (as one agent process reuses its own), and the
// pinned server key parsed once (it is still checked against the ServerID and verified per connection).
const secureContext = createSecureContext({});
const serverKeys = new Map();
const serverKey = (der, b64text) => {
  let k = serverKeys.get(b64text);
  if (!k) serverKeys.set(b64text, (k = createPublicKey({ key: der, format: 'der', type: 'spki' })));
  return k;
};

const b64 = (b) => Buffer.from(b).toString('base64');
const b64url = (b) => Buffer.from(b).toString('base64url');
const sha384 = (b) => createHash('sha384').update(b).digest();

class SimAgent {
  constructor(ident, n) {
    this.ident = ident;
    this.n = n;
    this.backoff = new Backoff(timing, Math.random);
    this.back = false;
    this.first = true;
    this.timer = undefined;
  }

  connect(onFirstDone) {
    if (stopped || stats.attempts >= MAX_ATTEMPTS * (to - from)) return;
    stats.attempts++;
    const ws = new WebSocket(`${url}${AGENT_WS_PATH}`, { localAddress, secureContext, rejectUnauthorized: false, perMessageDeflate: false, handshakeTimeout: HANDSHAKE_LIMIT_MS });
    sockets.add(ws);
    let ctx = null;
    let welcomedAt = null;
    let retryAfterMs;
    let ended = false;
    const limit = setTimeout(() => welcomedAt === null && ws.terminate(), HANDSHAKE_LIMIT_MS);
    const firstDone = () => {
      if (!this.first) return;
      this.first = false;
      stats.firstDone++;
      onFirstDone?.();
    };
    ws.on('upgrade', (res) => {
      const der = res.socket.getPeerX509Certificate()?.raw;
      if (der) ctx = { agentNonce: randomBytes(48), tlsCertHash: sha384(der) };
    });
    ws.on('open', () => {
      if (!ctx) return ws.terminate();
      ws.send(JSON.stringify({ type: 'hello', protocolVersion: PROTOCOL_VERSION, agentNonce: b64url(ctx.agentNonce), tlsCertHash: ctx.tlsCertHash.toString('hex') }));
    });
    ws.on('message', (data) => {
      let m;
      try {
        m = JSON.parse(String(data));
      } catch {
        return ws.terminate();
      }
      if (m.type === 'challenge') return this.answer(ws, ctx, m);
      if (m.type === 'welcome') {
        welcomedAt = Date.now();
        clearTimeout(limit);
        stats.online++;
        stats.welcomes++;
        if (epoch && !this.back) {
          this.back = true;
          stats.back++;
        }
        return firstDone();
      }
      if (m.type === 'later') {
        stats.later++;
        retryAfterMs = m.retryAfterMs;
      } else if (m.type === 'refused') {
        stats.refused[m.code] = (stats.refused[m.code] ?? 0) + 1;
        retryAfterMs = m.retryAfterMs;
      }
    });
    ws.on('error', (err) => {
      stats.errors++;
      const status = /Unexpected server response: (\d+)/.exec(err.message)?.[1];
      const code = err.code ?? (status ? `HTTP ${status}` : err.message.slice(0, 40));
      stats.errorCodes[code] = (stats.errorCodes[code] ?? 0) + 1;
    });
    ws.on('close', (code) => {
      if (welcomedAt !== null) stats.closes[code] = (stats.closes[code] ?? 0) + 1;
      if (ended) return;
      ended = true;
      clearTimeout(limit);
      sockets.delete(ws);
      if (welcomedAt !== null) stats.online--;
      firstDone();
      if (stopped) return;
      if (welcomedAt !== null && Date.now() - welcomedAt >= STABLE_MS) this.backoff.reset();
      const delay = retryAfterMs !== undefined ? this.backoff.serverDelay(retryAfterMs) : this.backoff.next();
      this.timer = setTimeout(() => this.connect(), delay);
    });
  }

  /** The agent's checks of the challenge, then auth (as packages/agent/src/identity/proof.ts). */
  answer(ws, ctx, m) {
    const serverNonce = Buffer.from(m.serverNonce, 'base64url');
    const serverPublicKey = Buffer.from(m.serverPublicKey, 'base64');
    if (sha384(serverPublicKey).toString('hex') !== serverId) return ws.terminate();
    const key = serverKey(serverPublicKey, m.serverPublicKey);
    const ok = verify('sha256', serverTranscript(ctx.tlsCertHash, ctx.agentNonce, serverNonce), { key, dsaEncoding: 'der' }, Buffer.from(m.serverSignature, 'base64'));
    if (!ok) return ws.terminate();
    const transcript = agentTranscript(ctx.tlsCertHash, serverNonce, ctx.agentNonce, serverPublicKey);
    ws.send(JSON.stringify({
      type: 'auth',
      agentPublicKey: this.ident.spki,
      agentSignature: b64(sign('sha256', transcript, { key: this.ident.key, dsaEncoding: 'der' })),
      agentCertificate: this.ident.cert,
      info: { agentVersion: '0.1.0-load', platform: 'linux', arch: 'x64', hostname: `load-${this.n}`, groupId, capabilities: CAPABILITIES },
    }));
  }
}

const agents = loadIdentities(from, to).map((ident, i) => new SimAgent(ident, from + i));

/** First connections: at most `window` handshakes in flight from this process. */
function connectAll() {
  let next = 0;
  const more = () => {
    if (next < agents.length) agents[next++].connect(more);
  };
  for (let i = 0; i < Math.min(window, agents.length); i++) more();
}

const progress = setInterval(() => process.send?.({ type: 'progress', stats }), 100);
process.on('message', (m) => {
  if (m.cmd === 'connect') connectAll();
  else if (m.cmd === 'epoch') {
    epoch = true;
    stats.back = 0;
    for (const a of agents) a.back = false;
    process.send?.({ type: 'epoch' });
  } else if (m.cmd === 'stop') {
    stopped = true;
    clearInterval(progress);
    for (const a of agents) clearTimeout(a.timer);
    for (const ws of sockets) ws.terminate();
    process.send?.({ type: 'progress', stats }, () => process.exit(0));
  }
});
process.send?.({ type: 'ready', agents: agents.length });

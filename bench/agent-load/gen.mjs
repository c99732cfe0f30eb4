// One load-generator process (forked by run.mjs): a slice of the simulated agents, every socket
// bound to this process's own source address (127.0.0.x). Each agent does what the real agent does
// on the wire: TLS (server certificate not trusted by PKI, the ServerID is pinned instead), hello
// with the hash of the certificate it saw, checks the challenge (server key hashes to the pinned
// ServerID, server signature over serverTranscript), signs agentTranscript with its own P-256 key,
// sends its certificate and info (group id from the install file), and waits for `welcome`.
// Reconnects like the real agent: `later` / `refused.retryAfterMs` are honoured (Backoff.serverDelay),
// otherwise jittered exponential backoff (packages/agent's Backoff, delays × --backoff-scale).
// Inventory reports are not sent (the handshake is what is measured), except with --report-kb K:
// then each agent sends, right after its first `welcome` (and the `known` after it, if the server does
// not hold it yet), one valid `software` report of about K KB — a deterministic dpkg-like package
// list with its canonical hash — in acknowledged parts as packages/agent does when `known` offers
// them (each part after the ack of the one before), or as one frame with --report-whole.
//
// Parent → gen: {cmd:'connect'} {cmd:'epoch'} {cmd:'stop'};  gen → parent: {type:'ready'|'progress'|'epoch'}.
import { createHash, createPublicKey, randomBytes, sign, verify } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import WebSocket from 'ws';
import { AGENT_WS_PATH, agentTranscript, canonicalJson, PROTOCOL_VERSION, REPORT_PART_BYTES, serverTranscript, splitReport } from '@meshwork/protocol';
import { Backoff } from '@meshwork/agent/connection/backoff';
import { loadIdentities } from './identities.mjs';

const cfg = JSON.parse(process.env.MW_LOAD_GEN ?? '{}');
const { url, serverId, enrolmentKey, localAddress, from, to, window, backoffScale, maxMinutes, reportKb = 0, reportWhole = false } = cfg;
const MAX_ATTEMPTS = 200;
const HANDSHAKE_LIMIT_MS = 30_000;
const timing = { backoffFirstMinMs: 1_000 * backoffScale, backoffFirstMaxMs: 3_000 * backoffScale, backoffCapMs: 300_000 * backoffScale };
const STABLE_MS = 60_000 * backoffScale;
// What packages/agent announces (AGENT_CAPABILITIES in its run/agent.ts), so the server records the same.
const CAPABILITIES = ['inventory', 'software', 'terminal', 'files', 'tcp', 'commands', 'power', 'wake', 'report-parts'];

// Bounded in time whatever happens to the parent.
setTimeout(() => process.exit(3), maxMinutes * 60_000).unref();
process.on('disconnect', () => process.exit(0));

const stats = { online: 0, back: 0, attempts: 0, welcomes: 0, later: 0, refused: {}, errors: 0, errorCodes: {}, closes: {}, firstDone: 0, reported: 0, reportFrames: 0 };
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

/** A seeded PRNG (mulberry32): the same K gives the same package list in every process and run. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A dpkg-like `software` report of about `kb` KB of JSON: { hash (canonical, as the agent's), text of the frame }. */
function softwareReport(kb) {
  const r = prng(0x50f7 + kb);
  const pick = (xs) => xs[Math.floor(r() * xs.length)];
  const prefixes = ['lib', 'lib', 'lib', 'python3-', 'fonts-', 'node-', 'ruby-', 'golang-', 'libperl-', 'gir1.2-', '', '', ''];
  const stems = ['ssl', 'gtk', 'x11', 'glib2.0', 'curl', 'xml2', 'sqlite3', 'pam', 'systemd', 'udev', 'dbus', 'nss', 'gnutls', 'krb5',
    'ldap', 'png', 'jpeg', 'tiff', 'freetype', 'fontconfig', 'cairo', 'pango', 'harfbuzz', 'icu', 'boost', 'qt5', 'wayland', 'drm', 'mesa',
    'pulse', 'alsa', 'avahi', 'cups', 'sane', 'gstreamer1.0', 'poppler', 'apt', 'dpkg', 'coreutils', 'openssh', 'bash', 'perl', 'zlib',
    'bz2', 'lzma', 'zstd', 'ncurses', 'readline', 'selinux', 'apparmor', 'seccomp', 'cap', 'acl', 'attr', 'uuid', 'blkid', 'mount', 'fdisk',
    'requests', 'urllib3', 'yaml', 'jinja2', 'six', 'dejavu', 'liberation', 'noto', 'linux-modules', 'firmware', 'grub', 'snapd', 'vim'];
  const suffixes = ['', '', '-dev', '-common', '-data', '-bin', '-doc', '1', '2', '6', '-0', '-3-0', '-utils', '-tools', '-core', 't64', '-plugins'];
  const version = () => {
    const base = `${Math.floor(r() * 12)}.${Math.floor(r() * 30)}${r() < 0.7 ? `.${Math.floor(r() * 40)}` : ''}`;
    const epoch = r() < 0.1 ? `${1 + Math.floor(r() * 2)}:` : '';
    const rev = r() < 0.5 ? `-${1 + Math.floor(r() * 5)}ubuntu${Math.floor(r() * 4)}${r() < 0.4 ? `.${Math.floor(r() * 5)}` : ''}` : `+dfsg-${1 + Math.floor(r() * 3)}build${1 + Math.floor(r() * 3)}`;
    return `${epoch}${base}${rev}`;
  };
  const names = new Set();
  const packages = [];
  for (let size = 60; size < kb * 1024; ) {
    let name = `${pick(prefixes)}${pick(stems)}${pick(suffixes)}`;
    for (let n = 2; names.has(name); n++) name = `${name.replace(/-\d+$/, '')}-${n}`;
    names.add(name);
    const p = { name, version: version() };
    packages.push(p);
    size += JSON.stringify(p).length + 1;
  }
  packages.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const software = { source: 'dpkg', packages };
  const hash = createHash('sha256').update(canonicalJson(software)).digest('hex');
  return { hash, text: JSON.stringify({ type: 'software', hash, software }) };
}
const report = reportKb > 0 ? softwareReport(reportKb) : null;
/** The report's part frames (one id: ids are per connection), for the part size `known` offered. */
const partFrames = new Map();
const partsFor = (bytes) => {
  let frames = partFrames.get(bytes);
  if (!frames) {
    const parts = splitReport(report.text, bytes);
    frames = parts.map((data, seq) => JSON.stringify({ type: 'reportPart', id: 1, seq, parts: parts.length, data }));
    partFrames.set(bytes, frames);
  }
  return frames;
};

/**
 * Each agent's source address: AGENTS_PER_ADDRESS agents share one 127.x.y.z, so no address has
 * many ports in use. bind() to an address with port 0 searches that address's ports in use; with
 * ~10,000 of them (one address per generator, as before) the kernel's search took ~80 % of each
 * generator's CPU in a 50,000-agent restart (perf: inet_bind2_bucket_find, inet_bhash2_conflict),
 * and the generators, not the server, became the bottleneck. A fleet is spread over many
 * networks, and the server caps what one source has pending (64 per address, 256 per /24:
 * docs/design.md §6B): 50 agents to an address, each address in its own /24 up to 256 of them,
 * then a second address in each (≤ 200 per /24 for 12,800 agents per generator). `localAddress`
 * (run.mjs) is this process's 127.0.0.x and names its block: 127.<x>.<a % 256>.<1 + a / 256>.
 */
const AGENTS_PER_ADDRESS = 50;
const block = Number(localAddress.split('.')[3]);
function sourceAddress(n) {
  const a = Math.floor((n - from) / AGENTS_PER_ADDRESS);
  return `127.${block}.${a % 256}.${1 + Math.floor(a / 256)}`;
}

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
    this.localAddress = sourceAddress(n);
    /** The server holds our report (we sent it in full, or its `known` said so). */
    this.reported = false;
  }

  /** After `known`: sends the report unless the server holds it; whole, or part 0 (the rest on each `reportAck`). */
  report(ws, known, upload) {
    if (!report || this.reported) return;
    const done = () => {
      if (this.reported) return;
      this.reported = true;
      stats.reported++;
    };
    if (known.softwareHash === report.hash) return done();
    if (reportWhole || known.reportPartBytes === undefined) {
      stats.reportFrames = 1;
      return ws.send(report.text, (err) => !err && done());
    }
    upload.frames = partsFor(Math.min(REPORT_PART_BYTES, known.reportPartBytes));
    upload.seq = 0;
    upload.done = done;
    stats.reportFrames = upload.frames.length;
    ws.send(upload.frames[0]);
  }

  connect(onFirstDone) {
    if (stopped || stats.attempts >= MAX_ATTEMPTS * (to - from)) return;
    stats.attempts++;
    const ws = new WebSocket(`${url}${AGENT_WS_PATH}`, { localAddress: this.localAddress, secureContext, rejectUnauthorized: false, perMessageDeflate: false, handshakeTimeout: HANDSHAKE_LIMIT_MS });
    sockets.add(ws);
    let ctx = null;
    let welcomedAt = null;
    let retryAfterMs;
    let ended = false;
    const upload = { frames: null, seq: 0, done: null };
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
      if (m.type === 'known') return this.report(ws, m, upload);
      if (m.type === 'reportAck') {
        if (!upload.frames || m.seq !== upload.seq) return ws.terminate();
        if (++upload.seq < upload.frames.length) return ws.send(upload.frames[upload.seq]);
        upload.frames = null;
        return upload.done();
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
      info: { agentVersion: '0.1.0-load', platform: 'linux', arch: 'x64', hostname: `load-${this.n}`, enrolmentKey, capabilities: CAPABILITIES },
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

// The agent socket (/agent): hostile frames at three states — before hello (the handshake's first
// frame), after hello (the auth frame, signed by a real key), after welcome (session frames of an
// enrolled device: inventory, software, report parts). Each connection gets 1–3 mutated frames,
// then a binary terminator (always refused with 1003), so a connection never waits on a timeout.
import { AGENT_HANDSHAKE_MAX_FRAME, AGENT_SESSION_MAX_FRAME, PROTOCOL_VERSION, canonicalJson, splitReport } from '@meshwork/protocol';
import { createHash } from 'node:crypto';
import { agentHandshake, agentSocket, authFor, helloFor, newAgentKey, nonce, testInfo } from '../harness.mjs';
import { mutate, rng } from '../mutate.mjs';

const reportHash = (v) => createHash('sha256').update(canonicalJson(v)).digest('hex');
const TERMINATOR = Buffer.from([0xff]);
const CONCURRENCY = 8;

const inventory = (n) => ({
  hostname: `fuzz-${n}`, os: { name: 'Linux', version: String(n), kernel: '6.1', platform: 'linux' }, arch: 'x64',
  cpu: { model: 'cpu', cores: 2 }, memory: { totalBytes: 1, freeBytes: 1 }, disks: [], network: [{ name: 'lo', mac: null, addresses: ['127.0.0.1/8'] }],
  users: [], bootTime: null, agentVersion: '0.1.0',
});

/** Frames that are valid somewhere, sent where they are not (protocol-state violations). */
const OUT_OF_STATE = [
  { type: 'hello', protocolVersion: PROTOCOL_VERSION, agentNonce: nonce(), tlsCertHash: 'a'.repeat(96) },
  { type: 'auth', agentPublicKey: 'AAAA', agentSignature: 'AAAA' },
  { type: 'welcome', deviceId: 'a'.repeat(96) },
  { type: 'challenge', serverNonce: 'x', serverSignature: 'y', serverPublicKey: 'z' },
  { type: 'inventory', hash: '0'.repeat(64), inventory: inventory(0) },
  { type: 'software', hash: '0'.repeat(64), software: { source: 'none', packages: [] } },
  { type: 'reportPart', id: 1, seq: 0, parts: 2, data: '{"type":"inventory",' },
  { type: 'reportPart', id: 1, seq: 5, parts: 2, data: '}' },
  { type: 'reportAck', id: 1, seq: 0 },
  { type: 'known', inventoryHash: null, softwareHash: null },
  { type: 'ping' }, { type: 'pong' }, { type: 'relayOpen' }, { type: 'run' },
];
const STATE_EXTRA = [['out of state', (r) => ({ data: JSON.stringify(r.pick(OUT_OF_STATE)), binary: false })]];

export async function run({ ctx, r, record, ending, anomaly, error, shouldStop, conn }) {
  const keys = [];
  for (let i = 0; i < CONCURRENCY; i++) keys.push(await newAgentKey());
  let reportN = 0;
  const info = testInfo({ enrolmentKey: ctx.enrolmentKey, hostname: 'fuzz-agent', capabilities: ['report-parts'] });

  async function one(key, r) {
    const x = r();
    const state = x < 0.25 ? 'before-hello' : x < 0.5 ? 'after-hello' : 'after-welcome';
    let sock;
    let valid;
    let limit = AGENT_HANDSHAKE_MAX_FRAME;
    if (state === 'after-welcome') {
      const h = await agentHandshake(ctx.wsUrl, key, info);
      sock = h.sock;
      limit = AGENT_SESSION_MAX_FRAME;
      const n = reportN++;
      const inv = inventory(n);
      const which = n % 3;
      if (which === 0) valid = { type: 'inventory', hash: reportHash(inv), inventory: inv };
      else if (which === 1) valid = { type: 'software', hash: reportHash({ source: 'none', packages: [] }), software: { source: 'none', packages: [] } };
      else {
        const whole = JSON.stringify({ type: 'inventory', hash: reportHash(inv), inventory: inv });
        const parts = splitReport(whole, Math.ceil(whole.length / 3));
        sock.send({ type: 'reportPart', id: n, seq: 0, parts: parts.length, data: parts[0] });
        valid = { type: 'reportPart', id: n, seq: 1, parts: parts.length, data: parts[1] };
      }
    } else {
      sock = await agentSocket(ctx.wsUrl);
      const { hello, ctx: hctx } = helloFor(sock.tlsCertDer);
      valid = hello;
      if (state === 'after-hello') {
        sock.send(hello);
        const challenge = await sock.next();
        if (challenge?.type !== 'challenge') { sock.ws.terminate(); return ending(`no challenge: ${challenge?.type ?? 'closed'}`); }
        valid = authFor(key, hctx, challenge, info);
      }
    }
    conn();
    const received = sock.frames.length;
    const n = r.int(1, 3);
    for (let i = 0; i < n; i++) {
      // Oversized frames are 4 MiB after welcome: keep them rare there.
      const f = mutate(r, valid, state === 'after-welcome' && r() < 0.9 ? AGENT_HANDSHAKE_MAX_FRAME : limit, STATE_EXTRA);
      f.meta = { state };
      record(f, state);
      sock.ws.send(f.data, { binary: f.binary });
    }
    sock.ws.send(TERMINATOR, { binary: true });
    let timer;
    const closed = await Promise.race([sock.closed, new Promise((res) => (timer = setTimeout(() => res(null), 30_000)))]);
    clearTimeout(timer);
    if (!closed) {
      anomaly(`${state}: no close within 30 s after the terminator`, null);
      sock.ws.terminate();
      return ending('no close');
    }
    const after = sock.frames.slice(received);
    const refused = after.find((f) => f?.type === 'refused');
    if (refused?.code === 'internal' || closed.code === 1011) anomaly(`${state}: refused internal / 1011 (${closed.code} ${refused?.message ?? ''})`, null);
    ending(`${state} ${closed.code} ${refused ? refused.code : after.at(-1)?.type ?? '-'}`);
  }

  await Promise.all(keys.map(async (key, i) => {
    const r = rng(ctx.seed + 1000 * (i + 1));
    while (!shouldStop()) {
      try { await one(key, r); } catch (e) { error(e); await new Promise((res) => setTimeout(res, 200)); }
    }
  }));
}

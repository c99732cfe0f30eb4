// The relay (/api/v1/relay user end, /agent/relay agent end) of real sessions: an enrolled agent
// holds a control connection announcing terminal/files/tcp; the relay user (API token) opens a
// session through the REST API, the agent end connects with the token from `relayOpen`, and both
// ends then send mutated frames (text and binary, valid terminal frames mutated, oversized ones)
// to each other. The server only pipes: every frame that fits must arrive, in order, at the other
// end (checked by count). Each session ends with a random close code from a random end (or an
// abrupt reset); one hostile upgrade per session (unknown, reused or swapped secrets, no auth).
import { isUtf8 } from 'node:buffer';
import { RELAY_AGENT_PATH, RELAY_MAX_FRAME, RELAY_USER_PATH } from '@meshwork/protocol';
import { agentHandshake, agentSocket, newAgentKey, request, sleep, testInfo } from '../harness.mjs';
import { mutate, rng } from '../mutate.mjs';

const CONCURRENCY = 4;
const CLOSE_CODES = [1000, 1001, 3000, 4000, 4003, 4004, 4008, 4009, 4011, 4013, 4999];
const EXTRA = [
  ['terminal exit from the user', (r) => ({ data: JSON.stringify({ type: 'exit', code: r.int(-5, 300), signal: null }), binary: false })],
  ['agent frame shapes', (r) => ({ data: JSON.stringify(r.pick([{ type: 'relayOpen' }, { type: 'hello' }, { type: 'welcome' }, { type: 'close', code: 1011 }])), binary: false })],
];

export async function run({ ctx, r, record, ending, anomaly, error, shouldStop, conn }) {
  const key = await newAgentKey();
  const opens = new Map();
  let control;
  const connectControl = async () => {
    const h = await agentHandshake(ctx.wsUrl, key, testInfo({ enrolmentKey: ctx.enrolmentKey, hostname: 'fuzz-relay', capabilities: ['terminal', 'files', 'tcp', 'report-parts'] }));
    h.sock.ws.on('message', (d) => {
      try {
        const m = JSON.parse(String(d));
        if (m.type === 'relayOpen') { const w = opens.get(m.relayId); if (w) w(m); else opens.set(m.relayId, m); }
      } catch { /* not ours */ }
    });
    void h.sock.closed.then(() => (control = null));
    control = h;
  };
  await connectControl();
  const deviceId = key.deviceId;
  const auth = { authorization: `Bearer ${ctx.relay.token}` };

  const relayOpen = (relayId) => new Promise((resolve, reject) => {
    const have = opens.get(relayId);
    if (have) { opens.delete(relayId); return resolve(have); }
    const t = setTimeout(() => { opens.delete(relayId); reject(new Error('no relayOpen within 10 s')); }, 10_000);
    opens.set(relayId, (m) => { clearTimeout(t); opens.delete(relayId); resolve(m); });
  });

  let used = null;
  async function hostileUpgrade(session, open, r) {
    const choices = [
      () => ({ path: `${RELAY_USER_PATH}?session=${'A'.repeat(43)}`, headers: auth }),
      () => ({ path: `${RELAY_AGENT_PATH}?session=${'B'.repeat(43)}` }),
      () => ({ path: `${RELAY_USER_PATH}?session=${session.sessionId}` }),
      () => ({ path: `${RELAY_AGENT_PATH}?session=${session.sessionId}` }),
      () => ({ path: `${RELAY_USER_PATH}?session=${open.token}`, headers: auth }),
      () => ({ path: `${RELAY_USER_PATH}?session=${used ?? 'x'}`, headers: auth }),
      () => ({ path: `${RELAY_USER_PATH}?session=${encodeURIComponent(String.fromCharCode(...Array.from({ length: r.int(0, 300) }, () => r.int(1, 0xffff))).toWellFormed())}`, headers: auth }),
      () => ({ path: `${RELAY_USER_PATH}?session=${session.sessionId}&session=x`, headers: { ...auth, origin: 'https://evil.example' } }),
    ];
    const t = r.pick(choices)();
    try {
      const s = await agentSocket(ctx.wsUrl, t);
      anomaly(`hostile relay upgrade accepted: ${t.path.slice(0, 120)}`, null);
      s.ws.terminate();
    } catch (e) {
      if (e.status >= 500) anomaly(`hostile relay upgrade answered ${e.status}`, null);
      ending(`hostile upgrade ${e.status ?? 'error'}`);
    }
  }

  async function one(r) {
    if (!control) await connectControl();
    const protocol = r.pick(['terminal', 'files', 'tcp']);
    const body = protocol === 'terminal' ? { protocol, cols: 80, rows: 24, term: 'xterm' } : protocol === 'tcp' ? { protocol, host: '127.0.0.1', port: 22 } : { protocol };
    const res = await request(ctx.port, 'POST', `/api/v1/devices/${deviceId}/sessions`, { body, headers: auth });
    if (res.status !== 200) throw new Error(`open session: ${res.status} ${res.text}`);
    const session = res.json;
    const open = await relayOpen(session.relayId);
    const [user, agent] = await Promise.all([
      agentSocket(ctx.wsUrl, { path: session.url, headers: auth }),
      agentSocket(ctx.wsUrl, { path: `${RELAY_AGENT_PATH}?session=${open.token}` }),
    ]);
    conn();
    await hostileUpgrade(session, open, r);
    used = session.sessionId;
    const ends = [user, agent];
    const got = [0, 0];
    const expected = [0, 0];
    user.ws.on('message', () => got[0]++);
    agent.ws.on('message', () => got[1]++);
    // Frames the server (ws) must refuse end the session: text that is not UTF-8 (1007) and frames
    // over RELAY_MAX_FRAME (1009). They are kept for the end, so sessions stay long.
    let ender = null;
    const trail = [];
    const n = r.int(500, 4000);
    const valid = [{ type: 'resize', cols: 80, rows: 24 }, { type: 'exit', code: 0, signal: null }];
    for (let i = 0; i < n && !shouldStop(); i++) {
      const from = r.int(0, 1);
      const f = mutate(r, r.pick(valid), RELAY_MAX_FRAME, EXTRA);
      const bytes = Buffer.isBuffer(f.data) ? f.data : Buffer.from(f.data);
      if (bytes.length > RELAY_MAX_FRAME || (!f.binary && !isUtf8(bytes))) {
        ender ??= { f, from };
        continue;
      }
      f.meta = { from: from ? 'agent' : 'user' };
      record(f, 'relay');
      trail.push([from, f.kind, bytes.length, f.binary ? 'b' : 't']);
      const s = ends[from];
      if (s.ws.readyState !== 1) break;
      s.ws.send(f.data, { binary: f.binary });
      expected[1 - from]++;
      if (s.ws.bufferedAmount > 1 << 20) while (s.ws.bufferedAmount > 1 << 18 && s.ws.readyState === 1) await sleep(2);
      // Yield often: the receiving ends live in this process too (and must answer the server's pings).
      if (i % 8 === 7) await new Promise((res) => setImmediate(res));
    }
    const t0 = Date.now();
    const arrived = () => got[0] >= expected[0] && got[1] >= expected[1];
    const bothOpen = () => user.ws.readyState === 1 && agent.ws.readyState === 1;
    while (!arrived() && Date.now() - t0 < 60_000 && bothOpen()) await sleep(5);
    if (!arrived()) {
      const codes = await Promise.all([user.closed, agent.closed].map((c) => Promise.race([c, sleep(100).then(() => null)])));
      anomaly(`relay: to user / to agent: sent ${expected}, arrived after ${((Date.now() - t0) / 1000).toFixed(0)} s ${got}; socket states ${user.ws.readyState}/${agent.ws.readyState}; close ${JSON.stringify(codes)}`,
        { kind: 'session trail [from 0=user 1=agent, kind, bytes, text/binary]', data: JSON.stringify(trail) });
    }
    const oversized = ender && r() < 0.3;
    if (oversized) {
      ender.f.meta = { from: ender.from ? 'agent' : 'user', last: true };
      record(ender.f, 'relay');
      ends[ender.from].ws.send(ender.f.data, { binary: ender.f.binary });
    }
    const closer = r.int(0, 1);
    if (oversized) { /* the server ends it */ } else if (r() < 0.15) ends[closer].ws.terminate();
    else ends[closer].ws.close(r.pick(CLOSE_CODES), r.pick(['', 'bye', 'x'.repeat(r.int(0, 120)), '\u001b[2J']));
    const timeout = (ms) => new Promise((res) => setTimeout(() => res(null), ms));
    const c = await Promise.race([Promise.all([user.closed, agent.closed]), timeout(20_000)]);
    if (!c) {
      anomaly('relay: the other end was not closed within 20 s', null);
      user.ws.terminate();
      agent.ws.terminate();
      return ending('no close');
    }
    if (c.some((x) => x.code === 1011)) anomaly(`relay closed 1011: ${JSON.stringify(c)}`, null);
    ending(oversized ? `refused last frame (${ender.f.kind}) ${c.map((x) => x.code)}` : `closed by ${closer ? 'agent' : 'user'} → ${c[1 - closer].code}`);
  }

  await Promise.all(Array.from({ length: CONCURRENCY }, async (_, i) => {
    const r = rng(ctx.seed + 1000 * (i + 1));
    while (!shouldStop()) {
      try { await one(r); } catch (e) { error(e); await sleep(300); }
    }
  }));
  control?.sock.ws.close();
}

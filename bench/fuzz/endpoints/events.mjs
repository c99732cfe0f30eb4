// The browser event stream (/api/v1/events/stream) of a logged-in browser session (cookie, own
// Origin, csrf): mutated `ping` frames and out-of-place server frames, up to 12 a connection (the
// server closes after 3 invalid ones: 1008), then a binary terminator (1003). One connection in ten
// is a hostile upgrade instead (no/other Origin, wrong csrf, no cookie, bad bearer token, odd query).
import { EVENT_STREAM_PATH, STREAM_MAX_FRAME } from '@meshwork/protocol';
import { agentSocket } from '../harness.mjs';
import { mutate, rng } from '../mutate.mjs';

const CONCURRENCY = 8;
const SERVER_FRAMES = [
  { type: 'hello', userId: 'x', protocolVersion: 1 }, { type: 'pong', id: 1 }, { type: 'error', code: 'internal', message: 'x' },
  { type: 'event', event: {} }, { type: 'device', device: {} }, { type: 'deviceRemoved', deviceId: 'x' }, { type: 'subscribe', channel: '*' },
];
const EXTRA = [['server frame from the browser', (r) => ({ data: JSON.stringify(r.pick(SERVER_FRAMES)), binary: false })]];

export async function run({ ctx, r, record, ending, anomaly, error, shouldStop, conn }) {
  const good = () => ({ path: `${EVENT_STREAM_PATH}?csrf=${encodeURIComponent(ctx.events.csrf)}`, headers: { cookie: ctx.events.cookie, origin: ctx.url } });
  const HOSTILE = [
    () => ({ path: EVENT_STREAM_PATH, headers: { cookie: ctx.events.cookie, origin: ctx.url } }),
    () => ({ path: `${EVENT_STREAM_PATH}?csrf=${'A'.repeat(43)}`, headers: { cookie: ctx.events.cookie, origin: ctx.url } }),
    () => ({ ...good(), headers: { cookie: ctx.events.cookie } }),
    () => ({ ...good(), headers: { cookie: ctx.events.cookie, origin: 'https://evil.example' } }),
    () => ({ ...good(), headers: { cookie: ctx.events.cookie, origin: 'null' } }),
    () => ({ ...good(), headers: { origin: ctx.url } }),
    () => ({ ...good(), headers: { cookie: 'mw_session=' + 'x'.repeat(r.int(0, 4000)), origin: ctx.url } }),
    () => ({ ...good(), headers: { authorization: r.pick(['Bearer ', 'Bearer mwt_x', 'Basic abc', 'Bearer ' + 'x'.repeat(300), `Bearer ${ctx.token}x`]) } }),
    () => ({ path: `${EVENT_STREAM_PATH}?csrf=${encodeURIComponent(ctx.events.csrf)}&csrf=x&%zz=%%&${'a=b&'.repeat(r.int(1, 500))}`, headers: { cookie: ctx.events.cookie, origin: ctx.url } }),
  ];

  let relogging = false;
  async function one(r) {
    const hostile = r() < 0.1;
    const target = hostile ? r.pick(HOSTILE)() : good();
    let sock;
    try {
      sock = await agentSocket(ctx.wsUrl, target);
    } catch (e) {
      if (!hostile && e.status === 401 && !relogging) {
        relogging = true;
        process.send({ type: 'relogin' });
        const m = await new Promise((res) => process.once('message', res));
        if (m.type === 'session' && m.session) ctx.events = m.session;
        relogging = false;
      }
      if (e.status >= 500) anomaly(`upgrade answered ${e.status}`, { kind: 'upgrade', data: JSON.stringify(target) });
      return ending(hostile ? `hostile upgrade ${e.status ?? e.message}` : `upgrade refused ${e.status ?? e.message}`);
    }
    conn();
    if (hostile) ending('hostile upgrade accepted');
    const hello = await sock.next(10_000).catch(() => null);
    if (hello?.type !== 'hello') anomaly(`no hello: ${JSON.stringify(hello)}`, null);
    const n = r.int(1, 12);
    for (let i = 0; i < n; i++) {
      const f = mutate(r, { type: 'ping', id: r.int(0, 2 ** 31) }, STREAM_MAX_FRAME, EXTRA);
      record(f, 'events');
      sock.ws.send(f.data, { binary: f.binary });
    }
    sock.ws.send(Buffer.from([0]), { binary: true });
    let timer;
    const closed = await Promise.race([sock.closed, new Promise((res) => (timer = setTimeout(() => res(null), 30_000)))]);
    clearTimeout(timer);
    if (!closed) {
      anomaly('no close within 30 s after the terminator', null);
      sock.ws.terminate();
      return ending('no close');
    }
    if (closed.code === 1011) anomaly('closed 1011', null);
    const errs = sock.frames.filter((f) => f?.type === 'error');
    if (errs.some((e) => e.code === 'internal')) anomaly('error frame internal', null);
    ending(`${closed.code}`);
  }

  await Promise.all(Array.from({ length: CONCURRENCY }, async (_, i) => {
    const r = rng(ctx.seed + 1000 * (i + 1));
    while (!shouldStop()) {
      try { await one(r); } catch (e) { error(e); await new Promise((res) => setTimeout(res, 200)); }
    }
  }));
}

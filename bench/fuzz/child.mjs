// One endpoint's fuzzer, forked by run.mjs. Gets its context over IPC, reports progress every
// second, keeps the last frames it sent (written out when run.mjs asks, e.g. after a crash).
import { writeFileSync } from 'node:fs';
import { rng } from './mutate.mjs';

const ENDPOINTS = {
  agent: () => import('./endpoints/agent.mjs'),
  events: () => import('./endpoints/events.mjs'),
  relay: () => import('./endpoints/relay.mjs'),
  rest: () => import('./endpoints/rest.mjs'),
};

const stats = { sent: 0, conns: 0, kinds: {}, endings: {}, anomalies: [], anomalyCount: 0, errors: 0, lastError: null, done: false };
const ring = [];
let ringAt = 0;

/** Every fuzzer calls this for each frame it puts on the wire. */
function record(frame, where) {
  stats.sent++;
  stats.kinds[frame.kind] = (stats.kinds[frame.kind] ?? 0) + 1;
  const entry = { n: stats.sent, where, kind: frame.kind, binary: !!frame.binary, ...(frame.meta ?? {}), data: Buffer.isBuffer(frame.data) ? { base64: frame.data.subarray(0, 65536).toString('base64'), length: frame.data.length } : { text: String(frame.data).slice(0, 65536), length: String(frame.data).length } };
  if (ring.length < 200) ring.push(entry); else ring[ringAt++ % 200] = entry;
}
const ending = (e) => (stats.endings[e] = (stats.endings[e] ?? 0) + 1);
/** Something the server should not do (an internal error, a 5xx, a lost relay frame): kept with its frame. */
function anomaly(what, frame) {
  stats.anomalyCount++;
  if (stats.anomalies.length < 50) stats.anomalies.push({ what, frame: frame && { kind: frame.kind, ...(frame.meta ?? {}), data: Buffer.isBuffer(frame.data) ? frame.data.subarray(0, 2000).toString("base64") : String(frame.data).slice(0, 200_000) } });
}
function error(e) {
  stats.errors++;
  stats.lastError = String(e?.stack ?? e).slice(0, 500);
}

process.on('message', async (m) => {
  if (m.type === 'dump') {
    writeFileSync(m.file, ring.slice().sort((a, b) => a.n - b.n).map((e) => JSON.stringify(e)).join('\n') + '\n');
    process.send({ type: 'dumped' });
    return;
  }
  if (m.type === 'stop') { stats.stop = true; return; }
  if (m.type !== 'start') return;
  const ctx = m.ctx;
  const mod = await ENDPOINTS[ctx.endpoint]();
  const timer = setInterval(() => process.send({ type: 'stats', stats: { ...stats, anomalies: undefined } }), 1000);
  const deadline = Date.now() + ctx.minutes * 60_000;
  const shouldStop = () => stats.stop || stats.sent >= ctx.frames || Date.now() > deadline;
  try {
    await mod.run({ ctx, r: rng(ctx.seed), record, ending, anomaly, error, stats, shouldStop, conn: () => stats.conns++ });
  } catch (e) {
    error(e);
  }
  clearInterval(timer);
  stats.done = true;
  process.send({ type: 'stats', stats });
  process.send({ type: 'done' });
});

// In-process top-up: the same first steps the server's handlers take with a frame — decodeFrame
// (ws/agent/frames.ts) then the state's schema (agent); JSON.parse then StreamClientFrame (event
// stream); JSON.parse then the endpoint's body/query/params schemas (REST) — called directly on
// mutated frames, no sockets, no handlers behind them. Reported apart from the socket figures.
//   node bench/fuzz/inproc.mjs <endpoint> <frames> <seed>   → prints one JSON line
import { AgentAuth, AgentCommandFrame, AgentHello, AgentReportPart, AgentSessionFrame, StreamClientFrame, endpoints, PROTOCOL_VERSION } from '@meshwork/protocol';
import { decodeFrame, issueText } from '../../packages/server/dist/ws/agent/frames.js';
import { mutate, rng } from './mutate.mjs';

const [endpoint, framesArg, seedArg] = process.argv.slice(2);
const frames = Number(framesArg);
const r = rng(Number(seedArg));
const buf = (f) => (Buffer.isBuffer(f.data) ? f.data : Buffer.from(f.data));
let accepted = 0;
let maxMs = 0;
let slowest = null;

const drivers = {
  agent() {
    const valids = [
      [{ type: 'hello', protocolVersion: PROTOCOL_VERSION, agentNonce: 'A'.repeat(64), tlsCertHash: 'a'.repeat(96) }, AgentHello, 16384],
      [{ type: 'auth', agentPublicKey: 'A'.repeat(120), agentSignature: 'A'.repeat(96), info: { agentVersion: '1', platform: 'linux', arch: 'x64', hostname: 'h' } }, AgentAuth, 16384],
      [{ type: 'inventory', hash: '0'.repeat(64), inventory: { hostname: 'h' } }, AgentSessionFrame, 65536],
      [{ type: 'reportPart', id: 1, seq: 0, parts: 2, data: '{"type":' }, AgentReportPart, 65536],
      [{ type: 'result', id: 'A'.repeat(22), exitCode: 0 }, AgentCommandFrame, 65536],
    ];
    return () => {
      const [v, schema, limit] = r.pick(valids);
      const f = mutate(r, v, limit);
      if (f.binary) return f;
      const d = decodeFrame(buf(f));
      if (d.ok) { const p = schema.safeParse(d.json); if (p.success) accepted++; else issueText(p.error.issues); }
      return f;
    };
  },
  events() {
    return () => {
      const f = mutate(r, { type: 'ping', id: r.int(0, 2 ** 31) }, 4096);
      if (f.binary) return f;
      try { if (StreamClientFrame.safeParse(JSON.parse(buf(f).toString('utf8'))).success) accepted++; } catch { /* not JSON */ }
      return f;
    };
  },
  rest() {
    const list = Object.values(endpoints).filter((d) => d.body || d.query || d.params);
    return () => {
      const d = r.pick(list);
      const schema = d.body ?? d.query ?? d.params;
      const f = mutate(r, { name: 'x', description: '', id: 'abcdefgh', protocol: 'terminal', password: 'p'.repeat(12) }, 1024 * 1024);
      try { if (schema.safeParse(JSON.parse(buf(f).toString('utf8'))).success) accepted++; } catch { /* not JSON */ }
      return f;
    };
  },
};

const step = drivers[endpoint]();
const t0 = performance.now();
for (let i = 0; i < frames; i++) {
  const t = performance.now();
  const f = step();
  const ms = performance.now() - t;
  if (ms > maxMs) { maxMs = ms; slowest = { kind: f.kind, length: f.data.length, i }; }
  if ((i + 1) % 10_000 === 0) process.stderr.write(`${new Date().toISOString()} ${endpoint} ${i + 1} frames, ${accepted} accepted, ${((i + 1) / ((performance.now() - t0) / 1000)).toFixed(0)}/s, slowest ${maxMs.toFixed(0)} ms (${slowest?.kind})\n`);
}
const seconds = (performance.now() - t0) / 1000;
process.stdout.write(JSON.stringify({ endpoint, frames, accepted, seconds, perSecond: frames / seconds, maxMs, slowest }) + '\n');

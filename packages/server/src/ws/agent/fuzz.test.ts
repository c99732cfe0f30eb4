/**
 * Fuzz test of the agent endpoint over a real HTTPS server: hundreds of hostile frame sequences —
 * random bytes, binary frames, invalid UTF-8, truncated and mutated valid frames, type confusion,
 * huge frames, deep nesting, bursts, frames out of order — at every state (before hello, after
 * hello, right after auth, after welcome, in the middle of a report sent in parts). Each case ends
 * with a binary "terminator" frame, which
 * the protocol always answers with `refused bad_message` + 1003 unless the connection already
 * ended, so no case depends on a timeout. Asserted for every socket: every server frame matches a
 * server schema, no `refused internal` (a handler threw), and the close code is one of the
 * documented set. Afterwards nothing leaks (no handshake, hold or session left) and a well-behaved
 * agent still completes a handshake and reports its inventory.
 *
 * Reproduce a run with MESHWORK_FUZZ_SEED=<seed printed on failure>.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import {
  AGENT_CLOSE_CODES,
  AGENT_SESSION_MAX_FRAME,
  ServerHandshakeFrame,
  ServerKnown,
  ServerLater,
  ServerReportAck,
  ServerWelcome,
  splitReport,
  type SystemInventory,
} from '@meshwork/protocol';
import type { DeviceGroupRecord } from '@meshwork/store';
import { reportHash } from '../../domain/agents/inventory.js';
import { addGroup, testEnrolmentKey, testSystem, type TestSystem } from '../../domain/testkit/system.js';
import { eventually, startAgentServer, type AgentServer } from './testing/agent-server.js';
import { authFor, handshake, helloFor, newAgentKey, openAgentSocket, testInfo, type AgentKey, type AgentSocket } from './testing/test-agent.js';

const SEED = Number(process.env['MESHWORK_FUZZ_SEED'] ?? 0x5eed_2026);
const CASES_PER_STATE = 120;
const PARALLEL = 6;
/** Close codes a fuzzed socket may end with (1011 would mean a handler threw; 1006 a dropped socket). */
const DOCUMENTED = new Set<number>([
  AGENT_CLOSE_CODES.protocolError, AGENT_CLOSE_CODES.unsupportedData, AGENT_CLOSE_CODES.invalidText,
  AGENT_CLOSE_CODES.policy, AGENT_CLOSE_CODES.tooBig,
]);
const AnyServerFrame = z.union([ServerHandshakeFrame, ServerKnown, ServerLater, ServerReportAck]);

// ── a seeded PRNG and random material ─────────────────────────────────────────────────────────
type Rng = () => number;
function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const int = (r: Rng, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
const pick = <T>(r: Rng, xs: readonly T[]): T => xs[int(r, 0, xs.length - 1)] as T;
const bytes = (r: Rng, n: number): Buffer => Buffer.from(Array.from({ length: n }, () => int(r, 0, 255)));
const STRINGS = ['', 'hello', 'auth', '\u0000', '\u001b[31m', '\u202e', '\ud800', '😀', '<script>alert(1)</script>', '../../etc/passwd', 'a'.repeat(300), '%s%n', 'null'];
function randomString(r: Rng): string {
  if (r() < 0.4) return pick(r, STRINGS);
  return Array.from({ length: int(r, 0, r() < 0.05 ? 5000 : 64) }, () => String.fromCharCode(r() < 0.8 ? int(r, 32, 126) : int(r, 0, 0xffff))).join('');
}
function randomJson(r: Rng, depth = 0): unknown {
  const k = int(r, 0, depth > 3 ? 5 : 8);
  if (k === 0) return null;
  if (k === 1) return r() < 0.5;
  if (k === 2) return pick(r, [0, -1, 1, 1.5, 2 ** 31, 2 ** 53, -(2 ** 53), 1e308, -1e-308, Number.MAX_SAFE_INTEGER + 2]);
  if (k === 3) return int(r, -1000, 1000);
  if (k <= 5) return randomString(r);
  if (k === 6) return Array.from({ length: int(r, 0, 5) }, () => randomJson(r, depth + 1));
  const o: Record<string, unknown> = {};
  for (let i = int(r, 0, 5); i > 0; i--) o[r() < 0.3 ? pick(r, ['type', 'hash', 'inventory', 'code', '__proto__', 'constructor']) : randomString(r).slice(0, 20)] = randomJson(r, depth + 1);
  return o;
}

// ── mutations of the valid frame of a state ───────────────────────────────────────────────────
interface Frame {
  data: string | Buffer;
  binary: boolean;
}
type Obj = Record<string, unknown>;
interface Mutation {
  name: string;
  make(valid: Obj): Frame[];
}
const text = (data: string | Buffer): Frame => ({ data, binary: false });
const json = (v: unknown): Frame => text(JSON.stringify(v) ?? 'null');

/** Paths to every value inside an object (for field mutations). */
function paths(v: unknown, prefix: string[] = []): string[][] {
  if (typeof v !== 'object' || v === null) return [prefix];
  const out: string[][] = prefix.length > 0 ? [prefix] : [];
  for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...prefix, k]));
  return out;
}
function withPath(v: Obj, path: readonly string[], f: (parent: Obj, key: string) => void): Obj {
  const copy = structuredClone(v);
  let parent: Obj = copy;
  for (const k of path.slice(0, -1)) parent = parent[k] as Obj;
  const last = path.at(-1);
  if (last !== undefined) f(parent, last);
  return copy;
}

const OUT_OF_ORDER: unknown[] = [
  { type: 'welcome', deviceId: 'a'.repeat(96) },
  { type: 'challenge', serverNonce: 'x', serverSignature: 'y', serverPublicKey: 'z' },
  { type: 'refused', code: 'internal', message: 'x' },
  { type: 'known', inventoryHash: null, softwareHash: null },
  { type: 'later', retryAfterMs: 0, reason: 'x' },
  { type: 'inventory', hash: '0'.repeat(64), inventory: {} },
  { type: 'software', hash: '0'.repeat(64), software: { source: 'none', packages: [] } },
  { type: 'reportPart', id: 1, seq: 0, parts: 2, data: '{"type":"inventory",' },
  { type: 'reportPart', id: 1, seq: 1, parts: 2, data: '}' },
  { type: 'reportAck', id: 1, seq: 0 },
  { type: 'auth' },
  { type: 'hello' },
  { type: 'ping' },
  { type: null },
  { type: ['hello'] },
  [],
  'hello',
  42,
  null,
];

/** A frame just above the limit of the state (4 MiB after welcome, so only a few of those). */
const huge = (r: Rng, limit: number): Mutation => {
  const n = limit + int(r, 1, 4096);
  return { name: `huge frame ${n} B`, make: () => [text(`{"type":"hello","pad":"${'x'.repeat(n)}"}`)] };
};

const GENERATORS: Array<(r: Rng) => Mutation> = [
  (r) => {
    const b = bytes(r, int(r, 0, 2000));
    return { name: `binary ${b.length} B`, make: () => [{ data: b, binary: true }] };
  },
  (r) => {
    const b = bytes(r, int(r, 1, 2000));
    return { name: `random bytes as text ${b.length} B`, make: () => [text(b)] };
  },
  (r) => {
    const s = randomString(r);
    return { name: `random text ${s.length}`, make: () => [text(s)] };
  },
  (r) => {
    const at = r();
    return { name: `truncated at ${at.toFixed(3)}`, make: (v) => { const s = JSON.stringify(v); return [text(s.slice(0, Math.floor(s.length * at)))]; } };
  },
  (r) => {
    const flips = Array.from({ length: int(r, 1, 3) }, () => [r(), int(r, 0, 255)] as const);
    return {
      name: `${flips.length} byte flips`,
      make: (v) => {
        const b = Buffer.from(JSON.stringify(v));
        for (const [at, byte] of flips) b[Math.floor(at * b.length)] = byte;
        return [text(b)];
      },
    };
  },
  (r) => {
    const at = r();
    const value = randomJson(r);
    return { name: 'field replaced', make: (v) => { const ps = paths(v); const p = ps[Math.floor(at * ps.length)] ?? []; return [json(withPath(v, p, (o, k) => (o[k] = value)))]; } };
  },
  (r) => {
    const at = r();
    return { name: 'field deleted', make: (v) => { const ps = paths(v); const p = ps[Math.floor(at * ps.length)] ?? []; return [json(withPath(v, p, (o, k) => delete o[k]))]; } };
  },
  (r) => {
    const key = randomString(r).slice(0, 20) || 'extra';
    const value = randomJson(r);
    return { name: 'extra field', make: (v) => [json({ ...v, [key]: value })] };
  },
  (r) => {
    const frame = pick(r, OUT_OF_ORDER);
    return { name: `out of order ${JSON.stringify(frame).slice(0, 40)}`, make: () => [json(frame)] };
  },
  (r) => {
    const v = randomJson(r);
    return { name: 'random JSON', make: () => [json(v)] };
  },
  (r) => {
    const n = int(r, 100, 7000);
    return { name: `nesting ${n}`, make: () => [text('['.repeat(n) + ']'.repeat(n))] };
  },
  (r) => {
    const n = int(r, 5, 60);
    const parts = Array.from({ length: n }, () => (r() < 0.5 ? JSON.stringify(randomJson(r, 2)) ?? '' : randomString(r)));
    return { name: `burst of ${n}`, make: () => parts.map((p) => text(p)) };
  },
  (r) => {
    // Well-formed but wrong values: these reach the checks behind the schemas (held refusals).
    const hex = bytes(r, 48).toString('hex');
    const version = int(r, 2, 1_000_000);
    const blob = (n: number): string => bytes(r, n).toString('base64');
    const offCurveKey = Buffer.concat([Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex'), Buffer.from([4]), bytes(r, 64)]).toString('base64');
    const edits: Array<[string, (v: Obj) => Obj]> = [
      ['tlsCertHash', (v) => ({ ...v, tlsCertHash: hex })],
      ['protocolVersion', (v) => ({ ...v, protocolVersion: version })],
      ['agentSignature', (v) => ({ ...v, agentSignature: blob(70) })],
      ['agentCertificate', (v) => ({ ...v, agentCertificate: blob(400) })],
      ['agentPublicKey', (v) => ({ ...v, agentPublicKey: offCurveKey })],
      ['info', (v) => ({ ...v, info: { ...(v['info'] as Obj), groupId: hex, enrolmentToken: `mwe_${hex.slice(0, 16)}_${'A'.repeat(43)}` } })],
      ['hash', (v) => ({ ...v, hash: hex.slice(0, 64) })],
    ];
    const start = int(r, 0, edits.length - 1);
    return {
      name: 'well-formed wrong value',
      make: (v) => {
        for (let i = 0; i < edits.length; i++) {
          const [field, edit] = edits[(start + i) % edits.length] as [string, (v: Obj) => Obj];
          if (field in v) return [json(edit(v))];
        }
        return [json(v)];
      },
    };
  },
  () => ({ name: 'the valid frame twice', make: (v) => [json(v), json(v)] }),
  () => ({ name: 'empty frame', make: () => [text('')] }),
  (r) => {
    const n = int(r, 11, 30);
    return { name: `valid frame ×${n}`, make: (v) => Array.from({ length: n }, () => json(v)) };
  },
];

// ── running cases ─────────────────────────────────────────────────────────────────────────────
type State = 'before-hello' | 'after-hello' | 'after-auth' | 'after-welcome' | 'mid-report';

interface Outcome {
  frames: unknown[];
  code: number;
}

const inventory = (n: number): SystemInventory => ({
  hostname: `fuzz-${n}`,
  os: { name: 'Linux', version: String(n), kernel: '6.1', platform: 'linux' },
  arch: 'x64',
  cpu: { model: 'cpu', cores: 2 },
  memory: { totalBytes: 1, freeBytes: 1 },
  disks: [],
  network: [{ name: 'lo', mac: null, addresses: ['127.0.0.1/8'] }],
  users: [],
  bootTime: null,
  agentVersion: '0.1.0',
});

describe(`agent endpoint fuzz (seed ${SEED})`, () => {
  let t: TestSystem;
  let srv: AgentServer;
  let group: DeviceGroupRecord;
  const keys: AgentKey[] = [];
  let counter = 0;

  before(async () => {
    t = await testSystem();
    group = await addGroup(t.sys, 'Fuzz');
    srv = await startAgentServer(t.sys, { holdMs: 20, maxHeld: 10_000, handshakeTimeoutMs: 5_000, handshakeRate: 1e6, handshakeBurst: 1e6 });
    for (let i = 0; i < PARALLEL; i++) keys.push(await newAgentKey());
  });
  after(async () => {
    await srv.close();
    await t.close();
  });

  /** Opens a socket and drives it to `state`; returns the valid frame the mutations start from. */
  async function reach(state: State, key: AgentKey): Promise<{ sock: AgentSocket; valid: Obj; prefix: Frame[] }> {
    const info = testInfo({ enrolmentKey: testEnrolmentKey(group.id), hostname: 'fuzz' });
    if (state === 'after-welcome' || state === 'mid-report') {
      const h = await handshake(srv.base, key, info);
      ServerWelcome.parse(h.result);
      ServerKnown.parse(await h.sock.next());
      const n = counter++;
      const inv = inventory(n);
      const valid = n % 2 === 0 ? { type: 'inventory', hash: reportHash(inv), inventory: inv } : { type: 'software', hash: reportHash({ source: 'none', packages: [] }), software: { source: 'none', packages: [] } };
      if (state === 'after-welcome') return { sock: h.sock, valid, prefix: [] };
      // Part 0 of the report goes first; the valid frame is the part after it (of 2 or 3).
      const parts = splitReport(JSON.stringify(valid), Math.ceil(JSON.stringify(valid).length / (2 + (n % 2))));
      const frame = (seq: number) => ({ type: 'reportPart', id: n, seq, parts: parts.length, data: parts[seq] });
      return { sock: h.sock, valid: frame(1), prefix: [json(frame(0))] };
    }
    const sock = await openAgentSocket(srv.base);
    const { hello, ctx } = helloFor(sock.tlsCertDer);
    if (state === 'before-hello') return { sock, valid: hello, prefix: [] };
    sock.send(hello);
    const challenge = await sock.next();
    const auth = authFor(key, ctx, challenge, info) as unknown as Obj;
    if (state === 'after-hello') return { sock, valid: auth, prefix: [] };
    return { sock, valid: auth, prefix: [json(auth)] };
  }

  async function runCase(state: State, key: AgentKey, m: Mutation, label: string): Promise<Outcome> {
    const { sock, valid, prefix } = await reach(state, key);
    const received = sock.frames.length;
    for (const f of [...prefix, ...m.make(valid), { data: Buffer.from([0xff]), binary: true }]) sock.ws.send(f.data, { binary: f.binary });
    let timer: NodeJS.Timeout | undefined;
    const closed = await Promise.race([
      sock.closed,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${label}: the socket did not end`)), 20_000))),
    ]);
    clearTimeout(timer);
    return { frames: sock.frames.slice(received), code: closed.code };
  }

  function check(o: Outcome, label: string): void {
    assert.ok(DOCUMENTED.has(o.code), `${label}: closed with ${o.code}`);
    o.frames.forEach((f, i) => {
      const parsed = AnyServerFrame.safeParse(f);
      assert.ok(parsed.success, `${label}: frame ${i} is not a server frame: ${JSON.stringify(f).slice(0, 200)}`);
      if (parsed.data.type === 'refused') {
        assert.notEqual(parsed.data.code, 'internal', `${label}: a handler failed (${parsed.data.message})`);
        assert.equal(i, o.frames.length - 1, `${label}: nothing follows a refusal`);
      }
    });
  }

  const states: State[] = ['before-hello', 'after-hello', 'after-auth', 'after-welcome', 'mid-report'];
  states.forEach((state, si) => {
    it(`survives ${CASES_PER_STATE} hostile cases ${state}`, async (ctx) => {
      const r = mulberry32(SEED + si);
      const hugeLimit = state === 'after-welcome' || state === 'mid-report' ? AGENT_SESSION_MAX_FRAME : 16 * 1024;
      const cases = Array.from({ length: CASES_PER_STATE }, (_, i) => (i % 30 === 7 ? huge(r, hugeLimit) : pick(r, GENERATORS)(r)));
      const seen = new Map<number, number>();
      const refusals = new Map<string, number>();
      let next = 0;
      await Promise.all(
        keys.map(async (key) => {
          while (next < cases.length) {
            const i = next++;
            const m = cases[i] as Mutation;
            const label = `seed ${SEED} state ${state} case ${i} (${m.name})`;
            const o = await runCase(state, key, m, label);
            check(o, label);
            seen.set(o.code, (seen.get(o.code) ?? 0) + 1);
            const last = o.frames.at(-1) as { type?: unknown; code?: unknown } | undefined;
            const ending = last?.type === 'refused' ? String(last.code) : 'no refusal';
            refusals.set(ending, (refusals.get(ending) ?? 0) + 1);
          }
        }),
      );
      ctx.diagnostic(`close codes ${JSON.stringify(Object.fromEntries(seen))}, endings ${JSON.stringify(Object.fromEntries(refusals))}`);
      assert.ok(seen.size >= 2, `several endings were exercised: ${JSON.stringify([...seen])}`);
    });
  });

  it('leaks nothing, counts no internal errors, and still welcomes a well-behaved agent', async () => {
    await eventually(() => srv.endpoint.handshaking === 0 && srv.endpoint.held === 0 && srv.endpoint.connected === 0, 'every fuzzed connection to be released');
    const values = (t.sys.metrics as unknown as { values: Map<string, number> }).values;
    assert.equal(values.get('meshwork_agent_refusals_total{"code":"internal"}'), undefined);
    const key = await newAgentKey();
    const h = await handshake(srv.base, key, testInfo({ enrolmentKey: testEnrolmentKey(group.id), hostname: 'after-fuzz' }));
    assert.equal(ServerWelcome.parse(h.result).deviceId, key.deviceId);
    ServerKnown.parse(await h.sock.next());
    const inv = inventory(-1);
    h.sock.send({ type: 'inventory', hash: reportHash(inv), inventory: inv });
    await eventually(async () => (await t.sys.store.getDevice(key.deviceId))?.infoHash === reportHash(inv), 'the inventory to be stored');
    h.sock.ws.close();
    assert.equal((await h.sock.closed).code, 1005, 'the agent closed without a code');
  });
});

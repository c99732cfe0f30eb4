// Seeded mutations of valid frames: each call returns one hostile frame {data, binary, kind}.
// The kinds are the list: bit flips, truncation, type confusion, huge/negative numbers,
// deep nesting, long strings, unknown fields, duplicated keys, invalid UTF-8, binary vs text,
// oversized frames, random bytes, and (per endpoint) protocol-state violations.

/** mulberry32: small, fast, seedable. */
export function rng(seed) {
  let a = seed >>> 0;
  const r = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  r.int = (lo, hi) => lo + Math.floor(r() * (hi - lo + 1));
  r.pick = (xs) => xs[Math.floor(r() * xs.length)];
  r.bytes = (n) => {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = Math.floor(r() * 256);
    return b;
  };
  return r;
}

const STRINGS = ['', 'hello', 'auth', 'ping', 'inventory', '\u0000', '\u001b[31m', '\u202e', '\ud800', '😀', '<script>alert(1)</script>',
  '../../etc/passwd', '%s%n', 'null', 'undefined', '__proto__', 'constructor', 'toString', '0x', '-0', 'NaN', 'Infinity', '1e999', ' ', '\r\n'];
const NUMBERS = [0, -0, -1, 1, 1.5, -1.5, 2 ** 31, -(2 ** 31), 2 ** 32, 2 ** 53, -(2 ** 53), 2 ** 53 + 2, 1e308, -1e308, 5e-324, 65535, 65536, 1e21];
const KEYS = ['type', 'id', 'hash', 'data', 'seq', 'parts', 'code', '__proto__', 'constructor', 'prototype', 'name', 'password', 'token', 'groupId'];

export function randomString(r) {
  const k = r();
  if (k < 0.4) return r.pick(STRINGS);
  if (k < 0.45) return 'A'.repeat(r.int(1000, 70_000));
  return Array.from({ length: r.int(0, 64) }, () => String.fromCharCode(r() < 0.8 ? r.int(32, 126) : r.int(0, 0xffff))).join('');
}

export function randomJson(r, depth = 0) {
  const k = r.int(0, depth > 3 ? 5 : 8);
  if (k === 0) return null;
  if (k === 1) return r() < 0.5;
  if (k === 2) return r.pick(NUMBERS);
  if (k === 3) return r.int(-1000, 1000);
  if (k <= 5) return randomString(r);
  if (k === 6) return Array.from({ length: r.int(0, 5) }, () => randomJson(r, depth + 1));
  const o = {};
  for (let i = r.int(0, 5); i > 0; i--) o[r() < 0.3 ? r.pick(KEYS) : randomString(r).slice(0, 20)] = randomJson(r, depth + 1);
  return o;
}

function paths(v, prefix = []) {
  if (typeof v !== 'object' || v === null) return [prefix];
  const out = prefix.length > 0 ? [prefix] : [];
  for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...prefix, k]));
  return out;
}
function withPath(v, path, f) {
  const copy = structuredClone(v);
  let parent = copy;
  for (const k of path.slice(0, -1)) parent = parent[k];
  const last = path.at(-1);
  if (last !== undefined && parent !== null && typeof parent === 'object') f(parent, last);
  return copy;
}

const text = (data, kind) => ({ data, binary: false, kind });
const json = (v, kind) => text(JSON.stringify(v) ?? 'null', kind);

/** Type confusion: a value of another JSON type than `x`. */
function confuse(r, x) {
  const options = [null, true, 0, -1, 2 ** 53 + 2, '', '0', [], {}, [x], { value: x }, String(x)];
  return r.pick(options.filter((o) => typeof o !== typeof x || Array.isArray(o) !== Array.isArray(x)));
}

/** Mutators over a valid JSON value `v` (an object); `limit` is the endpoint's frame limit in bytes. */
const MUTATORS = [
  ['bit flips', (r, v) => {
    const b = Buffer.from(JSON.stringify(v));
    for (let i = r.int(1, 4); i > 0; i--) { const at = r.int(0, b.length - 1); b[at] ^= 1 << r.int(0, 7); }
    return text(b);
  }],
  ['byte replaced', (r, v) => {
    const b = Buffer.from(JSON.stringify(v));
    for (let i = r.int(1, 3); i > 0; i--) b[r.int(0, b.length - 1)] = r.int(0, 255);
    return text(b);
  }],
  ['truncated', (r, v) => { const s = JSON.stringify(v); return text(s.slice(0, r.int(0, s.length - 1))); }],
  ['type confusion', (r, v) => { const ps = paths(v); const p = r.pick(ps) ?? []; return json(withPath(v, p, (o, k) => (o[k] = confuse(r, o[k])))); }],
  ['field replaced', (r, v) => { const p = (r.pick(paths(v)) ?? []); const x = randomJson(r); return json(withPath(v, p, (o, k) => (o[k] = x))); }],
  ['number extreme', (r, v) => { const p = (r.pick(paths(v)) ?? []); const x = r.pick(NUMBERS); return json(withPath(v, p, (o, k) => (o[k] = x))); }],
  ['number literal', (r, v) => {
    const s = JSON.stringify(v);
    const lit = r.pick(['1e999', '-1e999', '-0', '1' + '0'.repeat(400), '0.' + '0'.repeat(400) + '1', '9007199254740993', '-9223372036854775809', '1E+2', '0x10', '01', 'NaN', 'Infinity']);
    const m = /:\s*(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|"[^"]*")/.exec(s.slice(r.int(0, s.length - 1))) ?? /:\s*("[^"]*"|[^,}\]]+)/.exec(s);
    return text(m ? s.replace(m[1], lit) : s.replace(/}$/, `,"n":${lit}}`));
  }],
  ['field deleted', (r, v) => { const p = (r.pick(paths(v)) ?? []); return json(withPath(v, p, (o, k) => delete o[k])); }],
  ['unknown field', (r, v) => json({ ...v, [r() < 0.5 ? r.pick(KEYS) : randomString(r).slice(0, 30) || 'x']: randomJson(r) })],
  ['duplicated key', (r, v) => {
    const s = JSON.stringify(v);
    const keys = Object.keys(v);
    const k = keys.length ? r.pick(keys) : 'type';
    const dup = `${JSON.stringify(k)}:${JSON.stringify(randomJson(r)) ?? 'null'}`;
    return text(r() < 0.5 ? s.replace(/^\{/, `{${dup},`) : s.replace(/\}$/, `,${dup}}`));
  }],
  ['__proto__ key', (r, v) => text(JSON.stringify(v).replace(/^\{/, `{"__proto__":${JSON.stringify(r.pick([{ type: 'x', admin: true }, null, [], 'x']))},`))],
  ['long string', (r, v) => { const p = (r.pick(paths(v)) ?? []); const x = r.pick(['a', '\u00e9', '😀', '\u0000', '\\']).repeat(r.int(1000, 200_000)); return json(withPath(v, p, (o, k) => (o[k] = x))); }],
  ['deep nesting', (r, v) => {
    const n = r.int(100, 20_000);
    const open = r() < 0.5 ? '[' : '{"a":';
    const close = open === '[' ? ']' : '}';
    const nested = open.repeat(n) + (open === '[' ? '' : '1') + close.repeat(r() < 0.9 ? n : r.int(0, n));
    const p = (r.pick(paths(v)) ?? []);
    return r() < 0.5 ? text(nested) : text(JSON.stringify(withPath(v, p, (o, k) => (o[k] = '\u0001NEST'))).replace('"\\u0001NEST"', nested));
  }],
  ['nesting to the frame limit', (r, v, limit) => {
    // As deep as the endpoint's frame limit allows: JSON.parse's cost grows faster than the size.
    const n = Math.floor(Math.min(limit, 4 * 1024 * 1024) / 2) - 8;
    return text(r() < 0.5 ? '['.repeat(n) + ']'.repeat(n) : '['.repeat(2 * n));
  }],
  ['invalid UTF-8', (r, v) => {
    const b = Buffer.from(JSON.stringify(v));
    const bad = r.pick([[0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0x80], [0xfe, 0xfe]]);
    const at = r.int(0, b.length);
    return text(Buffer.concat([b.subarray(0, at), Buffer.from(bad), b.subarray(at)]));
  }],
  ['as binary frame', (r, v) => ({ data: Buffer.from(JSON.stringify(v)), binary: true })],
  ['random binary', (r) => ({ data: r.bytes(r.int(0, 2048)), binary: true })],
  ['random bytes as text', (r) => text(r.bytes(r.int(1, 2048)))],
  ['random JSON', (r) => json(randomJson(r))],
  ['random text', (r) => text(randomString(r))],
  ['empty', () => text('')],
  ['whitespace padding', (r, v) => text(' '.repeat(r.int(1, 5000)) + JSON.stringify(v) + '\n'.repeat(r.int(0, 50)))],
  ['wrong root', (r, v) => json(r.pick([[v], JSON.stringify(v), null, 42, [], 'hello', true]))],
  ['oversized', (r, v, limit) => text(JSON.stringify({ ...v, pad: 'x'.repeat(limit + r.int(1, 4096)) }))],
  ['valid', (r, v) => json(v)],
];

export const MUTATION_KINDS = MUTATORS.map(([k]) => k);

/**
 * One hostile frame from `valid`. `limit` is the endpoint's largest frame: oversized frames are
 * rarer (they cost real bandwidth). `extra` adds endpoint-specific generators (state violations).
 */
export function mutate(r, valid, limit, extra = []) {
  if (extra.length && r() < 0.12) {
    const [kind, f] = r.pick(extra);
    return { ...f(r), kind };
  }
  for (;;) {
    const [kind, f] = r.pick(MUTATORS);
    if (kind === 'oversized' && r() > 0.05) continue;
    if (kind === 'long string' && r() > 0.3) continue;
    if (kind === 'nesting to the frame limit' && r() > 0.02) continue;
    const frame = f(r, valid, limit);
    return { ...frame, kind };
  }
}

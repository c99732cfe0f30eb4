import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { endpoints } from './endpoints.js';
import { Label, MultilineText } from './models.js';

const HOSTILE = ['\u001b[2J', 'a\u0007', 'a\u007f', 'a\u009b31m', 'a\u0085', 'gnp.\u202eexe', 'a\u2066b', 'a\u2028b', 'a\nb', 'a\tb', 'a\rb'];

test('labels refuse C0, DEL, C1, line separators and bidi controls; keep other Unicode', () => {
  for (const s of HOSTILE) assert.equal(Label(64).safeParse(s).success, false, JSON.stringify(s));
  assert.equal(Label(64).parse('  Büro 東京 — web-1  '), 'Büro 東京 — web-1');
});

test('multi-line text allows newlines and tabs only', () => {
  assert.equal(MultilineText(100).parse('line 1\n\tline 2'), 'line 1\n\tline 2');
  for (const s of HOSTILE.filter((h) => h !== 'a\nb' && h !== 'a\tb')) assert.equal(MultilineText(100).safeParse(s).success, false, JSON.stringify(s));
});

test('every user-set name in a request body refuses an escape sequence', () => {
  const bad = 'x\u001b[2J';
  const bodies: [keyof typeof endpoints, Record<string, unknown>][] = [
    ['auth.login', { name: bad, password: 'pw' }],
    ['account.passkeyRegisterFinish', { challengeId: 'abcdefgh', name: bad, response: {} }],
    ['tokens.create', { name: bad }],
    ['userGroups.create', { name: bad }],
    ['userGroups.update', { name: bad }],
    ['userGroups.update', { description: bad }],
    ['groups.create', { name: bad }],
    ['groups.update', { name: bad }],
    ['groups.create', { name: 'ok', description: bad }],
    ['devices.update', { name: bad }],
    ['devices.update', { tags: [bad] }],
    ['devices.update', { notes: bad }],
  ];
  for (const [name, body] of bodies) {
    const schema = (endpoints[name] as { body?: z.ZodTypeAny }).body;
    assert.ok(schema, `${name} has a body`);
    assert.equal(schema.safeParse(body).success, false, `${name} ${JSON.stringify(body)}`);
    const fine = JSON.parse(JSON.stringify(body).replaceAll('x\\u001b[2J', 'x [2J')) as Record<string, unknown>;
    assert.equal(schema.safeParse(fine).success, true, `${name} ${JSON.stringify(fine)} is accepted`);
  }
});

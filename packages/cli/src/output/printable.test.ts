import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonText, printable, printableText } from './printable.js';
import { table } from './table.js';

const HOSTILE = 'a\u001b[2J\u001b]0;owned\u0007b\u009b31m\u202ec\u2066d\u2028e\u007f\tf\ng\rh';
// No C0 but \n, no DEL, no C1, no bidi controls, no line/paragraph separators.
// eslint-disable-next-line no-control-regex
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

test('printable shows every control character as a visible escape', () => {
  assert.equal(printable(HOSTILE), 'a\\x1b[2J\\x1b]0;owned\\x07b\\u009b31m\\u202ec\\u2066d\\u2028e\\x7f\\x09f\\x0ag\\x0dh');
  assert.equal(printable('plain name, ünïcödé 名前 \\x1b'), 'plain name, ünïcödé 名前 \\x1b');
});

test('printableText keeps line breaks only', () => {
  const out = printableText(HOSTILE);
  assert.doesNotMatch(out, RAW);
  assert.equal(out.split('\n').length, 2);
});

test('jsonText escapes what JSON.stringify leaves raw, and parses to the same value', () => {
  const value = { name: HOSTILE, tags: ['\u009b', '\u202e'] };
  assert.match(JSON.stringify(value), /\u009b/, 'JSON.stringify alone writes C1 raw');
  const text = jsonText(value);
  assert.doesNotMatch(text.replace(/\n/g, ''), RAW);
  assert.deepEqual(JSON.parse(text), value);
});

test('table cells are filtered: a name cannot add a row or move the cursor', () => {
  const t = table(['NAME', 'ID'], [['web\n1\u001b[1A', 'x']]);
  assert.equal(t, 'NAME             ID\nweb\\x0a1\\x1b[1A  x');
});

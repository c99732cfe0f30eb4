import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsonDepthError, MAX_JSON_DEPTH, parseBoundedJson, withinJsonDepth } from './bounded.js';

const nested = (n: number, open = '[', close = ']'): string => open.repeat(n) + close.repeat(n);

test('nesting up to the limit parses; one level more is refused before the parser runs', () => {
  assert.deepEqual(parseBoundedJson(nested(3)), [[[]]]);
  assert.doesNotThrow(() => parseBoundedJson(nested(MAX_JSON_DEPTH)));
  assert.throws(() => parseBoundedJson(nested(MAX_JSON_DEPTH + 1)), JsonDepthError);
  assert.throws(() => parseBoundedJson(`{"a":${nested(MAX_JSON_DEPTH, '{"b":', '}')}}`), JsonDepthError);
});

test('brackets inside strings, escaped quotes included, do not count', () => {
  const s = JSON.stringify({ text: '['.repeat(1000) + '\\"' + '{'.repeat(1000), list: [1, [2]] });
  assert.equal(withinJsonDepth(s, 3), true);
  assert.deepEqual((parseBoundedJson(s) as { list: unknown }).list, [1, [2]]);
  // An escaped quote does not end the string: the brackets after it are still inside.
  assert.equal(withinJsonDepth(`["\\"${'['.repeat(100)}"]`, 2), true);
});

test('a multi-megabyte nested frame is refused at once (the fuzzer found it stalled the server for seconds)', () => {
  const frame = nested(2_097_144);
  assert.equal(withinJsonDepth(frame), false);
  assert.throws(() => parseBoundedJson(frame), JsonDepthError);
});

test('malformed text is left to the parser, and the reviver is applied', () => {
  assert.throws(() => parseBoundedJson('{"a":'), SyntaxError);
  assert.throws(() => parseBoundedJson(']]]]'.repeat(40)), SyntaxError);
  assert.deepEqual(parseBoundedJson('{"a":1,"b":2}', (k, v) => (k === 'a' ? 5 : v)), { a: 5, b: 2 });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FilesReply, FilesRequest, normalizeRemotePath } from './files.js';

test('files: normalizeRemotePath keeps plain absolute paths and collapses slashes', () => {
  assert.deepEqual(normalizeRemotePath('/'), { ok: true, path: '/' });
  assert.deepEqual(normalizeRemotePath('/tmp//a/b/'), { ok: true, path: '/tmp/a/b' });
  assert.deepEqual(normalizeRemotePath('/a b/ü…/x.txt'), { ok: true, path: '/a b/ü…/x.txt' });
});

test('files: normalizeRemotePath refuses relative paths, NUL, . and .. segments, long segments', () => {
  for (const bad of ['', 'tmp/a', './a', '/a/../etc/passwd', '/a/./b', '/..', '/a\0b', `/${'x'.repeat(256)}`, `/${'a/'.repeat(2100)}`]) {
    assert.equal(normalizeRemotePath(bad).ok, false, JSON.stringify(bad.slice(0, 40)));
  }
  assert.equal(normalizeRemotePath('/a/..b/c..').ok, true, 'dots inside a name are fine');
});

test('files: request and reply schemas are strict', () => {
  assert.ok(FilesRequest.safeParse({ type: 'upload', id: 1, path: '/x', size: 3, overwrite: false }).success);
  assert.equal(FilesRequest.safeParse({ type: 'upload', id: 1, path: '/x', size: 3, overwrite: false, mode: 7 }).success, false);
  assert.equal(FilesRequest.safeParse({ type: 'delete', id: 1, path: '/x' }).success, false, 'recursive is required');
  assert.ok(FilesReply.safeParse({ type: 'error', id: 1, code: 'not_found', message: 'no' }).success);
  assert.equal(FilesReply.safeParse({ type: 'error', id: 1, code: 'whatever', message: 'no' }).success, false);
});

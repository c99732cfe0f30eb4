import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deviceNameFrom, displayText, osText } from './names.js';

describe('display text from agent strings', () => {
  it('removes invisible and layout characters, collapses whitespace, trims', () => {
    assert.equal(displayText('  pi\u202e-1\u200b  box\u2028 ', 100), 'pi-1 box');
    assert.equal(displayText('a\u0007b\u007fc', 100), 'abc');
    assert.equal(displayText('<b>x</b>', 100), '<b>x</b>', 'markup stays as text: it is data, never interpreted');
  });

  it('limits the length without cutting a surrogate pair', () => {
    assert.equal(displayText('ab😀', 3), 'ab');
    assert.equal(displayText('x'.repeat(300), 255).length, 255);
  });

  it('names a device by its hostname, or by its id when nothing visible is left', () => {
    assert.equal(deviceNameFrom('pi-1', 'f'.repeat(96)), 'pi-1');
    assert.equal(deviceNameFrom('\u200b\u202e', 'abcdef0123456789'.repeat(6)), 'device-abcdef012345');
    assert.equal(deviceNameFrom(undefined, 'a'.repeat(96)), `device-${'a'.repeat(12)}`);
  });

  it('os text is name and version within the API limit, or null', () => {
    assert.equal(osText({ name: 'Debian', version: '12' }), 'Debian 12');
    assert.equal(osText({ name: '', version: '' }), null);
    assert.equal(osText({ name: 'n'.repeat(128), version: 'v'.repeat(128) })?.length, 256);
  });
});

// When `run` turns self-update on: only as the installed service, from the install layout, as the
// version it is installed as.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fakeRoots } from '../service/testing/fake-versions.js';
import { serviceUpdates } from './service.js';

const roots = fakeRoots();

test('self-update only with MESHWORK_AGENT_SERVICE=systemd and an executable in versions/<this version>/', () => {
  const r = roots();
  const exe = r.addVersion('1.2.3');
  r.link('1.2.3', '1.2.3');
  const env = { MESHWORK_AGENT_SERVICE: 'systemd' };
  assert.equal(serviceUpdates(env, exe, '1.2.3')?.layout.lib, r.layout.lib);
  assert.equal(serviceUpdates(env, join(r.layout.current, 'meshwork-agent'), '1.2.3')?.layout.lib, r.layout.lib, 'through the current link');
  assert.equal(serviceUpdates({}, exe, '1.2.3'), null, 'not as the service');
  assert.equal(serviceUpdates({ MESHWORK_AGENT_SERVICE: 'other' }, exe, '1.2.3'), null);
  assert.equal(serviceUpdates(env, exe, '1.2.4'), null, 'installed as another version');
  assert.equal(serviceUpdates(env, process.execPath, '1.2.3'), null, 'a checkout (node)');
  const elsewhere = r.script('meshwork-agent', '1.2.3');
  assert.equal(serviceUpdates(env, elsewhere, '1.2.3'), null, 'a copy outside the layout');
  symlinkSync(exe, join(r.root, 'link-to-it'));
  assert.equal(serviceUpdates(env, join(r.root, 'link-to-it'), '1.2.3')?.layout.lib, r.layout.lib, 'links are resolved');
  assert.equal(serviceUpdates({ ...env, MESHWORK_AGENT_UPDATE_TRIAL_S: '30' }, exe, '1.2.3')?.trialMs, 30_000);
  assert.equal(serviceUpdates({ ...env, MESHWORK_AGENT_UPDATE_TRIAL_S: 'x' }, exe, '1.2.3')?.trialMs, undefined);
});

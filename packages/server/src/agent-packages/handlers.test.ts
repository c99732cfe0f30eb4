/** The agent-package endpoints through the handler table (testkit): links expire on the System clock. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { GROUP_RIGHTS } from '@meshwork/protocol';
import { addGroup, addUser, call, errorCode, principalOf, testSystem, type TestSystem } from '../domain/testkit/system.js';
import { writeFakePackages } from './testing.js';

describe('agent-package handlers', () => {
  let t: TestSystem;
  let dir: string;
  before(async () => {
    dir = writeFakePackages([{ platform: 'linux-armv7l', version: '0.4.0', content: 'armv7l agent' }]);
    t = await testSystem({ agentPackagesDir: dir });
  });
  after(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a link from an install command downloads until it expires', async () => {
    const owner = await addUser(t.sys, 'owner');
    const g = await addGroup(t.sys, 'pis', [{ subjectId: owner.id, rights: GROUP_RIGHTS.manageDevices }]);
    const c = await call(t.sys, 'groups.installCommand', principalOf(owner), { params: { id: g.id }, query: {} });
    assert.deepEqual(c.platforms, [t.sys.agentPackages.list().map(({ node: _, ...p }) => p)[0]]);
    assert.ok(!c.command.includes('case "$m"'), 'one platform: no uname choice');
    const link = t.sys.agentPackages.createLink('linux-armv7l', 60_000)?.token ?? '';
    const bytes = await call(t.sys, 'agent.download', null, { params: { platform: 'linux-armv7l' }, query: { link } });
    assert.equal(Buffer.from(bytes).toString(), 'armv7l agent');
    assert.equal(await errorCode(call(t.sys, 'agent.download', null, { params: { platform: 'linux-armv7l' }, query: {} })), 'unauthenticated');
    assert.equal(await errorCode(call(t.sys, 'agent.download', principalOf(owner), { params: { platform: 'linux-x64' }, query: {} })), 'not_found');
    t.advance(60_000);
    assert.equal(await errorCode(call(t.sys, 'agent.download', null, { params: { platform: 'linux-armv7l' }, query: { link } })), 'link_invalid');
    assert.equal(await errorCode(call(t.sys, 'agent.download', principalOf(owner), { params: { platform: 'linux-armv7l' }, query: { link } })), 'link_invalid', 'a bad link is refused even with a login');
  });

  it('a new enrolment token answers its install command, with the token inside', async () => {
    const owner = await addUser(t.sys, 'owner2');
    const g = await addGroup(t.sys, 'pis2', [{ subjectId: owner.id, rights: GROUP_RIGHTS.manageDevices }]);
    const r = await call(t.sys, 'groups.createEnrolmentToken', principalOf(owner), { params: { id: g.id }, body: {} });
    const b64 = /printf %s "([A-Za-z0-9+/=]+)" \| base64 -d >/.exec(r.installCommand?.command ?? '')?.[1] ?? '';
    assert.deepEqual(JSON.parse(Buffer.from(b64, 'base64').toString('utf8')), r.installFile);
    assert.match(r.installFile.enrolmentToken ?? '', /^mwe_/);
  });
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GROUP_FULL, GROUP_RIGHTS, SITE_RIGHTS } from '@meshwork/protocol';
import type { DeviceRecord, UserRecord } from '@meshwork/store';
import { ApiError } from '../../errors.js';
import { addDevice, addGroup, addUser, addUserGroup, principalOf, testSystem, type TestSystem } from '../testkit/system.js';
import { selectDevices, type Selected } from './selection.js';

const codeOf = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
    return 'ok';
  } catch (e) {
    if (e instanceof ApiError) return e.code;
    throw e;
  }
};
const names = (s: Selected): { allowed: string[]; denied: string[] } => ({ allowed: s.allowed.map((d) => d.name).sort(), denied: s.denied.map((d) => d.name).sort() });

describe('run selection with rights', () => {
  let t: TestSystem;
  let admin: UserRecord;
  let operator: UserRecord;
  let viewer: UserRecord;
  let ops: { id: string };
  let lab: { id: string };
  let hidden: { id: string };
  let web1: DeviceRecord;
  let lab1: DeviceRecord;
  let secret: DeviceRecord;

  before(async () => {
    t = await testSystem();
    const { sys } = t;
    admin = await addUser(sys, 'admin', SITE_RIGHTS.admin);
    operator = await addUser(sys, 'operator');
    viewer = await addUser(sys, 'viewer');
    const team = await addUserGroup(sys, 'team', [operator.id]);
    ops = await addGroup(sys, 'ops', [{ subjectId: operator.id, rights: GROUP_RIGHTS.runCommands }, { subjectId: viewer.id, rights: GROUP_RIGHTS.chat }]);
    lab = await addGroup(sys, 'lab', [{ subjectId: team, kind: 'userGroup', rights: GROUP_RIGHTS.deviceDetails }]);
    hidden = await addGroup(sys, 'hidden', [{ subjectId: admin.id, rights: GROUP_FULL }]);
    web1 = await addDevice(sys, ops.id, 'web-1', { tags: ['web'] });
    await addDevice(sys, ops.id, 'db-1', { tags: ['db'] });
    lab1 = await addDevice(sys, lab.id, 'lab-1', { tags: ['web'] });
    secret = await addDevice(sys, hidden.id, 'secret', { tags: ['web'] });
  });
  after(() => t.close());

  it('device ids: visible ones split by the capability; an invisible one is not_found', async () => {
    const p = principalOf(operator);
    assert.deepEqual(names(await selectDevices(t.sys, p, { deviceIds: [web1.id, lab1.id, web1.id] }, 'runCommands')), { allowed: ['web-1'], denied: ['lab-1'] });
    assert.equal(await codeOf(selectDevices(t.sys, p, { deviceIds: [web1.id, secret.id] }, 'runCommands')), 'not_found');
    assert.equal(await codeOf(selectDevices(t.sys, p, { deviceIds: ['f'.repeat(96)] }, 'runCommands')), 'not_found', 'missing looks the same');
  });

  it('a group: invisible is not_found; visible without the capability is forbidden', async () => {
    assert.deepEqual(names(await selectDevices(t.sys, principalOf(operator), { groupId: ops.id }, 'runCommands')), { allowed: ['db-1', 'web-1'], denied: [] });
    assert.equal(await codeOf(selectDevices(t.sys, principalOf(operator), { groupId: hidden.id }, 'runCommands')), 'not_found');
    assert.equal(await codeOf(selectDevices(t.sys, principalOf(operator), { groupId: lab.id }, 'runCommands')), 'forbidden');
    assert.equal(await codeOf(selectDevices(t.sys, principalOf(viewer), { groupId: ops.id }, 'runCommands')), 'forbidden', 'chat only');
    assert.equal(await codeOf(selectDevices(t.sys, principalOf(operator), { groupId: ops.id }, 'power')), 'forbidden', 'another capability');
  });

  it('a tag selects among visible groups only; with a group, within it', async () => {
    assert.deepEqual(names(await selectDevices(t.sys, principalOf(operator), { tag: 'web' }, 'runCommands')), { allowed: ['web-1'], denied: ['lab-1'] });
    assert.deepEqual(names(await selectDevices(t.sys, principalOf(operator), { groupId: ops.id, tag: 'db' }, 'runCommands')), { allowed: ['db-1'], denied: [] });
    assert.deepEqual(names(await selectDevices(t.sys, principalOf(operator), { tag: 'nothing' }, 'runCommands')), { allowed: [], denied: [] });
    assert.deepEqual(names(await selectDevices(t.sys, principalOf(admin), { tag: 'web' }, 'runCommands')), { allowed: ['lab-1', 'secret', 'web-1'], denied: [] }, 'site admin');
  });
});

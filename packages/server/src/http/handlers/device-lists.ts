/**
 * Handlers: the device list (devices.list) and its first screen (devices.listHead). A caller gets
 * the devices of the groups it may view. The whole list of a scope and its head are answered from
 * device-list-cache.ts (kept serialised until a write); lists filtered by tag or text are read
 * afresh.
 */
import { DEVICE_LIST_HEAD } from '@meshwork/protocol';
import { deviceViews } from '../../domain/devices/view.js';
import { listHead } from '../../domain/devices/list-head.js';
import type { Principal, System } from '../../system.js';
import { deviceListCache, scopeKey, type DeviceLists } from '../device-list-cache.js';
import { must, type AreaHandlers } from '../handler.js';
import { PreparedJson } from '../prepared-json.js';

/** The groups whose devices are asked for and visible (undefined: all); `groupId` must be visible. */
async function scopeOf(sys: System, p: Principal, groupId: string | undefined): Promise<string[] | undefined> {
  if (groupId === undefined) return sys.authz.visibleGroupIds(p);
  await sys.authz.requireGroup(p, groupId, 'view');
  return [groupId];
}

const readViews = async (sys: System, groupIds: string[] | undefined) =>
  deviceViews(sys.store, await sys.store.listDeviceSummaries(groupIds !== undefined ? { groupIds } : {}));

/** The scope's whole list and head. The version is read first: a later write makes the next request miss. */
async function keptLists(sys: System, groupIds: string[] | undefined): Promise<DeviceLists> {
  const version = await sys.store.devicesVersion();
  return deviceListCache(sys.store).lists(scopeKey(groupIds), version, async () => {
    const all = await readViews(sys, groupIds);
    return { all: PreparedJson.prepare('devices.list', all), head: PreparedJson.prepare('devices.listHead', listHead(all, DEVICE_LIST_HEAD)) };
  });
}

export const deviceListHandlers: AreaHandlers<'devices.list' | 'devices.listHead'> = {
  async 'devices.list'({ sys, principal, query }) {
    const groupIds = await scopeOf(sys, must(principal), query.groupId);
    if (groupIds?.length === 0) return [];
    const text = query.q === '' ? undefined : query.q;
    if (query.tag === undefined && text === undefined) return (await keptLists(sys, groupIds)).all;
    const devices = await sys.store.listDeviceSummaries({
      ...(groupIds !== undefined ? { groupIds } : {}),
      ...(query.tag !== undefined ? { tag: query.tag } : {}),
      ...(text !== undefined ? { text } : {}),
    });
    return deviceViews(sys.store, devices);
  },

  async 'devices.listHead'({ sys, principal, query }) {
    const groupIds = await scopeOf(sys, must(principal), query.groupId);
    if (groupIds?.length === 0) return { total: 0, devices: [] };
    if (query.limit === DEVICE_LIST_HEAD) return (await keptLists(sys, groupIds)).head;
    return listHead(await readViews(sys, groupIds), query.limit);
  },
};

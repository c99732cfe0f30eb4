/**
 * Which devices a run reaches: the selection (device ids, or a group and/or a tag) narrowed to what
 * the caller may see, split by whether the caller holds the capability on each device's group.
 * Rights come from sys.authz (one definition, protocol/rights.ts).
 *
 * - A device id or group the caller cannot see is `not_found`, exactly like a missing one.
 * - A tag selects only among the groups the caller can see (an unknown tag selects nothing).
 * - Seen devices without the capability come back as `denied`; when nothing at all is allowed, the
 *   whole request is `forbidden` (so a caller cannot mistake a refusal for an empty success).
 */
import { can, RUN_MAX_DEVICES, type Capability } from '@meshwork/protocol';
import type { DeviceRecord } from '@meshwork/store';
import { ApiError, notFound } from '../../errors.js';
import type { Principal, System } from '../../system.js';

export interface Selection {
  deviceIds?: string[] | undefined;
  groupId?: string | undefined;
  tag?: string | undefined;
}

export interface Selected {
  allowed: DeviceRecord[];
  denied: DeviceRecord[];
}

export async function selectDevices(sys: System, p: Principal, sel: Selection, cap: Capability): Promise<Selected> {
  const masks = new Map<string, number>();
  const maskOf = async (groupId: string): Promise<number> => {
    let m = masks.get(groupId);
    if (m === undefined) masks.set(groupId, (m = await sys.authz.groupMask(p, groupId)));
    return m;
  };

  let devices: DeviceRecord[];
  if (sel.deviceIds !== undefined) {
    devices = [];
    for (const id of new Set(sel.deviceIds)) {
      const d = await sys.store.getDevice(id);
      if (!d || (await maskOf(d.groupId)) === 0) throw notFound();
      devices.push(d);
    }
  } else {
    let groupIds: string[] | undefined;
    if (sel.groupId !== undefined) {
      if ((await maskOf(sel.groupId)) === 0) throw notFound();
      groupIds = [sel.groupId];
    } else {
      groupIds = await sys.authz.visibleGroupIds(p);
    }
    devices = await sys.store.listDevices({
      ...(groupIds !== undefined ? { groupIds } : {}),
      ...(sel.tag !== undefined ? { tag: sel.tag } : {}),
      limit: RUN_MAX_DEVICES + 1,
    });
  }
  if (devices.length > RUN_MAX_DEVICES) throw new ApiError('bad_request', `A run may select at most ${RUN_MAX_DEVICES} devices.`);

  const out: Selected = { allowed: [], denied: [] };
  for (const d of devices) {
    const mask = await maskOf(d.groupId);
    if (mask === 0) continue; // moved to an invisible group meanwhile
    (can(mask, cap) ? out.allowed : out.denied).push(d);
  }
  if (out.allowed.length === 0 && out.denied.length > 0) throw new ApiError('forbidden', `You may not do this on ${out.denied.length === 1 ? 'this device' : 'these devices'}.`);
  return out;
}

/**
 * Handlers: a device's inventory, installed software and connection timeline.
 *
 * A device the caller cannot see is `404 not_found`, like a missing one. The inventory and the
 * installed software are "details beyond name and state" — they need the `deviceDetails` right
 * (rights.ts) on the device's group, else `403 forbidden`. The timeline is connection state,
 * which every viewer of the device already sees as `online`/`lastSeen`: `view` suffices.
 */
import { SystemInventory } from '@meshwork/protocol';
import type { AreaHandlers } from '../handler.js';
import { must } from '../handler.js';
import { iso, isoOrNull } from '../../domain/ids.js';

type Names = 'devices.inventory' | 'devices.software' | 'devices.timeline';

/** Default window of `devices.timeline` without `since`. */
export const TIMELINE_DEFAULT_MS = 7 * 24 * 3600_000;

export const deviceDetailsHandlers: AreaHandlers<Names> = {
  async 'devices.inventory'({ sys, principal, params }) {
    const d = await sys.authz.requireDevice(must(principal), params.id, 'deviceDetails');
    // Stored as validated on arrival; parsed again so that a row written by an older schema cannot break the answer.
    const system = SystemInventory.safeParse(d.info['system']);
    const at = d.info['systemAt'];
    return { deviceId: d.id, system: system.success ? system.data : null, updatedAt: system.success && typeof at === 'number' ? iso(at) : null };
  },

  async 'devices.software'({ sys, principal, params }) {
    const d = await sys.authz.requireDevice(must(principal), params.id, 'deviceDetails');
    const s = await sys.store.getDeviceSoftware(d.id);
    if (!s) return { deviceId: d.id, source: 'none', packages: [], updatedAt: null };
    return { deviceId: d.id, source: s.source, packages: s.packages, updatedAt: isoOrNull(s.updatedAt) };
  },

  async 'devices.timeline'({ sys, principal, params, query }) {
    const d = await sys.authz.requireDevice(must(principal), params.id, 'view');
    const since = query.since !== undefined ? Date.parse(query.since) : sys.now() - TIMELINE_DEFAULT_MS;
    const rows = await sys.store.listTimeline(d.id, since);
    return rows.map((r) => ({ time: iso(r.time), state: r.state, detail: r.detail.slice(0, 256) }));
  },
};

/**
 * Handlers: a group's enrolment key (rotate; remove = "tokens only") and device revocations
 * (list, lift). Keys need `manageDevices` on the group, like install files and tokens; revocations
 * are for site administrators only (design.md §6B Enrolment).
 */
import { requireMayEnrol, requireRevocationManager } from '../../authz/site.js';
import { notFound } from '../../errors.js';
import { liftRevocation } from '../../domain/agents/removal.js';
import { installFile } from '../../domain/enrolment/install-file.js';
import { rotateEnrolmentKey } from '../../domain/enrolment/keys.js';
import { EVENT_TYPES } from '../../domain/events/types.js';
import { groupView } from '../../domain/groups/view.js';
import { iso } from '../../domain/ids.js';
import { must, type AreaHandlers } from '../handler.js';

export const enrolmentHandlers: AreaHandlers<'groups.rotateEnrolmentKey' | 'groups.removeEnrolmentKey' | 'devices.listRevoked' | 'devices.liftRevocation'> = {
  async 'groups.rotateEnrolmentKey'({ sys, principal, params }) {
    const p = must(principal);
    await sys.authz.requireGroup(p, params.id, 'manageDevices');
    requireMayEnrol(sys, p);
    const g = await sys.store.getDeviceGroup(params.id);
    if (!g) throw notFound();
    const enrolmentKey = await rotateEnrolmentKey(sys, g.id);
    await sys.events.emit({
      type: EVENT_TYPES.enrolmentKeyRotated, message: `New enrolment key for device group ${g.name}: earlier install files no longer enrol new devices`,
      actorId: p.user.id, groupId: g.id,
    });
    return installFile(sys, g, { enrolmentKey });
  },

  async 'groups.removeEnrolmentKey'({ sys, principal, params }) {
    const p = must(principal);
    await sys.authz.requireGroup(p, params.id, 'manageDevices');
    const g = await sys.store.getDeviceGroup(params.id);
    if (!g) throw notFound();
    if (await sys.store.deleteGroupEnrolmentKey(g.id)) {
      await sys.events.emit({
        type: EVENT_TYPES.enrolmentKeyRemoved, message: `Device group ${g.name} now enrols new devices with enrolment tokens only`,
        actorId: p.user.id, groupId: g.id,
      });
    }
    return groupView(sys.store, g, await sys.authz.groupMask(p, g.id));
  },

  async 'devices.listRevoked'({ sys, principal }) {
    requireRevocationManager(sys, must(principal));
    return (await sys.store.listDeviceRevocations()).map((r) => ({ ...r, revokedAt: iso(r.revokedAt) }));
  },

  async 'devices.liftRevocation'({ sys, principal, params }) {
    const p = must(principal);
    requireRevocationManager(sys, p);
    if (!(await liftRevocation(sys, p, params.id))) throw notFound();
    return { ok: true as const };
  },
};

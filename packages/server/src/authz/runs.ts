/**
 * Rights on commands: who may read a run and who sees its output.
 *
 * A run (its live view, `runs.get` and the run stream) belongs to the user who started it; site
 * admins see every run. Each device's result is also recorded as a `run.result` event carrying the
 * first bytes of the output; that event is visible only to the starter, site admins and holders of
 * `runCommands` on the device's group (who could run the same command themselves) — not to the
 * group's whole audience, nor to holders of the allEvents site right.
 */
import type { Principal, System } from '../system.js';

/** The audience id that makes an event visible to holders of `runCommands` on a device group. */
export const runOutputAudience = (groupId: string): string => `runCommands:${groupId}`;

/** Whether `p` may follow or read a run started by `actorId`. */
export function mayReadRun(sys: Pick<System, 'authz'>, p: Principal, run: { actorId: string }): boolean {
  return run.actorId === p.user.id || sys.authz.isSiteAdmin(p);
}

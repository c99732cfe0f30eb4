/**
 * Power actions through the agent: reboot, shut down, suspend. Needs `power` on the device's
 * group and an online agent; the agent runs the OS command and answers. The request is audited as
 * `device.power` (who, what) before the agent is asked; a confirmed action enters the power timeline.
 */
import type { PowerAction, PowerResult, ServerPower } from '@meshwork/protocol';
import type { TimelineRecord } from '@meshwork/store';
import { ApiError } from '../../errors.js';
import type { Principal, System } from '../../system.js';
import { knownMissing, notSupportedMessage } from '../agents/capabilities.js';
import { newCommandId, reachable } from '../commands/dispatch.js';
import { COMMAND_EVENT_TYPES } from '../commands/events.js';

/** How long the API waits for the agent to confirm. */
export const POWER_ANSWER_MS = 15_000;

export const POWER_TIMELINE_STATE: Record<PowerAction, TimelineRecord['state']> = { reboot: 'reboot', shutdown: 'poweroff', sleep: 'sleep' };

const VERB: Record<PowerAction, string> = { reboot: 'reboot', shutdown: 'shut down', sleep: 'suspend' };

export async function powerDevice(sys: System, p: Principal, deviceId: string, action: PowerAction): Promise<PowerResult> {
  const device = await sys.authz.requireDevice(p, deviceId, 'power');
  const row = await sys.store.getPresence(device.id);
  if (!row) throw new ApiError('device_offline');
  if (!reachable(sys, row)) throw new ApiError('unavailable', 'The agent is connected to a server process this one cannot reach (the CLI with --data works on the data dir only: use --server).');
  const target = { deviceId: device.id, workerId: row.workerId, connectionId: row.connectionId };
  const frame: ServerPower = { type: 'power', requestId: newCommandId(), action };
  const missing = knownMissing(sys, device.id, row.connectionId, frame);
  if (missing !== null) throw new ApiError('not_supported', notSupportedMessage(missing));
  // Audited before it happens: a device that reboots the machine the server runs on must still be on record.
  await sys.events.emit({
    type: COMMAND_EVENT_TYPES.devicePower,
    message: `${p.user.name} asked to ${VERB[action]} ${device.name}`,
    actorId: p.user.id,
    deviceId: device.id,
    groupId: device.groupId,
    data: { action },
  });
  const answer = await sys.commands.request(target, p.user.id, frame, POWER_ANSWER_MS);
  // The holder checks too (it knows every agent it holds; this worker may not).
  if (answer.code === 'not_supported') throw new ApiError('not_supported', answer.message);
  const reply = answer.reply?.type === 'powerResult' ? answer.reply : null;
  const result: PowerResult['result'] = reply === null ? 'no_answer' : reply.ok ? 'ok' : 'failed';
  if (result === 'ok') {
    await sys.store.addTimeline({ deviceId: device.id, time: sys.now(), state: POWER_TIMELINE_STATE[action], detail: `${action} by ${p.user.name}` });
  }
  sys.log.info({ deviceId: device.id, action, result, actorId: p.user.id }, 'power action');
  return { deviceId: device.id, action, result, message: answer.message };
}

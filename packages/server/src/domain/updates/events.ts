/** The event of every self-update step (`agent.update`): part of the API (`events.list?type=`), never renamed. */
import type { System } from '../../system.js';

export const AGENT_UPDATE_EVENT = 'agent.update';

export interface UpdateStep {
  deviceId: string;
  groupId: string;
  /** The offered version the step is about. */
  version: string;
  /** `offered`, `retry`, or a state the agent reported. */
  state: string;
  error?: string | undefined;
  /** The version the agent ran when the step happened. */
  from?: string | null | undefined;
  actorId?: string | undefined;
}

/** Records one step in the event log (visible to the device's group). */
export async function emitUpdateStep(sys: System, step: UpdateStep): Promise<void> {
  const device = await sys.store.getDevice(step.deviceId);
  const name = device?.name ?? step.deviceId.slice(0, 12);
  const what = step.state === 'offered' ? 'offered' : step.state === 'retry' ? 'may be offered again' : step.state;
  await sys.events.emit({
    type: AGENT_UPDATE_EVENT,
    message: `Agent update of ${name} to ${step.version}: ${what}${step.error ? ` (${step.error})` : ''}`,
    actorId: step.actorId ?? null,
    deviceId: step.deviceId,
    groupId: device?.groupId ?? step.groupId,
    data: { version: step.version, state: step.state, ...(step.error ? { error: step.error } : {}), ...(step.from ? { from: step.from } : {}) },
  });
}

/**
 * A device's update state in the store (store.setAgentUpdate / setAgentUpdateOutcome): the
 * version it runs, the latest offer and its state; an outcome per version once one ends.
 */
import type { AgentUpdateStatus } from '@meshwork/protocol';
import type { AgentUpdateRecord } from '@meshwork/store';
import type { System } from '../../system.js';
import type { WriteFn } from '../agents/group-commit.js';
import { emitUpdateStep } from './events.js';

/** States after which the agent no longer downloads from the server (the in-flight slot is free). */
export const DONE_DOWNLOADING: ReadonlySet<string> = new Set(['restarting', 'updated', 'failed', 'rolled-back']);
/** States that end an update, recorded as its outcome. */
export const OUTCOMES: ReadonlySet<string> = new Set(['updated', 'failed', 'rolled-back']);

const blank = (deviceId: string, at: number): AgentUpdateRecord => ({ deviceId, version: null, platform: null, target: null, state: null, error: null, at });

/**
 * Notes the version a device connected with: one read, and a write only when it changed — through
 * `write`, the agent endpoint's group commit, so that an enrolment flood shares commits.
 */
export async function noteRunning(sys: Pick<System, 'store' | 'now'>, write: WriteFn, deviceId: string, version: string, platform: string | null): Promise<void> {
  const row = await sys.store.getAgentUpdate(deviceId);
  if (row && row.version === version && row.platform === platform) return;
  const [result] = await write([{ kind: 'setAgentUpdate', update: { ...(row ?? blank(deviceId, sys.now())), version, platform, at: sys.now() } }]);
  if (result?.status === 'failed' && result.error.code !== 'not_found') throw result.error; // not_found: removed meanwhile
}

/** An offer was sent. */
export async function recordOffered(sys: System, deviceId: string, groupId: string, version: string, running: string): Promise<void> {
  const row = (await sys.store.getAgentUpdate(deviceId)) ?? blank(deviceId, sys.now());
  await sys.store.setAgentUpdate({ ...row, target: version, state: 'offered', error: null, at: sys.now() });
  await emitUpdateStep(sys, { deviceId, groupId, version, state: 'offered', from: running });
}

/** An updateStatus frame from the device's agent (already validated). */
export async function recordStatus(sys: System, deviceId: string, groupId: string, status: AgentUpdateStatus, running: string | null): Promise<void> {
  const now = sys.now();
  const row = (await sys.store.getAgentUpdate(deviceId)) ?? blank(deviceId, now);
  const error = status.error ?? null;
  await sys.store.setAgentUpdate({
    ...row,
    version: status.state === 'updated' ? status.version : row.version,
    target: status.version, state: status.state, error, at: now,
  });
  if (OUTCOMES.has(status.state)) {
    await sys.store.setAgentUpdateOutcome({ deviceId, version: status.version, outcome: status.state as 'updated' | 'failed' | 'rolled-back', error, at: now });
  }
  await emitUpdateStep(sys, { deviceId, groupId, version: status.version, state: status.state, error: status.error, from: running });
}

/** Forgets the versions that failed or rolled back on the device, so they may be offered again. */
export async function forgetFailures(sys: System, deviceId: string, groupId: string, actorId: string | undefined): Promise<number> {
  const outcomes = await sys.store.listAgentUpdateOutcomes(deviceId);
  const n = await sys.store.deleteAgentUpdateOutcomes(deviceId, ['failed', 'rolled-back']);
  const row = await sys.store.getAgentUpdate(deviceId);
  if (row && (row.state === 'failed' || row.state === 'rolled-back')) await sys.store.setAgentUpdate({ ...row, state: null, error: null, at: sys.now() });
  for (const o of outcomes) {
    if (o.outcome !== 'updated') await emitUpdateStep(sys, { deviceId, groupId, version: o.version, state: 'retry', actorId });
  }
  return n;
}

/** `meshwork-agent status` and `meshwork-agent reset-identity`: read (or reset) the state dir, print JSON. */
import { resolve } from 'node:path';
import { access } from 'node:fs/promises';
import { resetIdentity } from '../identity/identity.js';
import { clearEnrolment } from '../run/enrolment.js';
import { AgentRunningError, lockHolder } from '../status/lock.js';
import { NoStateDirError, readAgentStatus } from '../status/report.js';
import { DEFAULT_STATE_DIR, type Values } from './args.js';
import type { CliIo } from './io.js';

const stateDirOf = (values: Values) => resolve(typeof values.state === 'string' ? values.state : DEFAULT_STATE_DIR);
const json = (v: unknown) => JSON.stringify(v, null, 2) + '\n';

export async function statusCommand(values: Values, io: CliIo): Promise<number> {
  io.stdout(json(await readAgentStatus(stateDirOf(values))));
  return 0;
}

export async function resetIdentityCommand(values: Values, io: CliIo): Promise<number> {
  const stateDir = stateDirOf(values);
  try {
    await access(stateDir);
  } catch {
    throw new NoStateDirError(`no agent state in ${stateDir}: nothing to reset`);
  }
  const holder = await lockHolder(stateDir);
  if (holder) throw new AgentRunningError(holder.pid, stateDir);
  const r = await resetIdentity(stateDir);
  const enrolmentCleared = await clearEnrolment(stateDir);
  const message = !r.previous
    ? 'there was no identity to reset'
    : r.deviceIdWillChange
      ? `identity ${r.previous.deviceId.slice(0, 16)}… deleted; the next run generates a new key, so the server sees a new device`
      : `identity record deleted; the key stays in the TPM, so the next run comes back as the same device ${r.previous.deviceId.slice(0, 16)}…`;
  io.stdout(json({ ...r, enrolmentCleared, message }));
  return 0;
}

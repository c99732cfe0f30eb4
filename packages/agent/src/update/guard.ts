/**
 * The rollback guard, `meshwork-agent update-guard`: the unit's ExecStartPre, run by the *good*
 * executable (the last version that reached welcome) before every start of `current`.
 *
 *   no trial in update.json              nothing to do
 *   trial, before its deadline and
 *   fewer than MAX_TRIAL_STARTS starts   count this start, let it run
 *   otherwise                            current := good, record `rolled-back` with the reason
 *                                        (the next run reports it after welcome), delete the
 *                                        failed version
 *
 * It always exits 0 when it could decide: a guard that fails would stop the good version too.
 */
import { rm } from 'node:fs/promises';
import { linkedVersion, replaceSymlink, versionTarget } from '../service/links.js';
import { versionDir, type Layout } from '../service/layout.js';
import { readUpdateRecord, writeUpdateRecord, type UpdateRecord } from './record.js';

/** A trial version gets this many starts to reach welcome. */
export const MAX_TRIAL_STARTS = 3;

export type GuardResult =
  | { action: 'none' }
  | { action: 'trial'; version: string; attempt: number }
  | { action: 'rolled-back'; from: string; to: string; reason: string };

export async function runGuard(layout: Layout, stateDir: string, now = Date.now(), warn?: (m: string) => void): Promise<GuardResult> {
  const record = await readUpdateRecord(stateDir, warn);
  if (record?.state !== 'trial') return { action: 'none' };
  const current = await linkedVersion(layout.current);
  const good = await linkedVersion(layout.good);
  const expired = now > record.deadline;
  if (current === record.to && !expired && record.attempts < MAX_TRIAL_STARTS) {
    await writeUpdateRecord(stateDir, { ...record, attempts: record.attempts + 1 });
    return { action: 'trial', version: record.to, attempt: record.attempts + 1 };
  }
  const reason =
    current !== record.to
      ? `current pointed to ${current ?? 'nothing'}, not the trial version`
      : expired
        ? `version ${record.to} did not reach the server within the trial (${record.attempts} start${record.attempts === 1 ? '' : 's'})`
        : `version ${record.to} did not reach the server in ${record.attempts} starts`;
  // Back to the version that last worked: `good`, else the one the trial came from.
  const back = good !== null && good !== record.to ? good : record.from;
  await replaceSymlink(layout.current, versionTarget(back));
  if (good !== back) await replaceSymlink(layout.good, versionTarget(back));
  const outcome: UpdateRecord = { state: 'rolled-back', from: back, to: record.to, reason, at: now, reported: false };
  await writeUpdateRecord(stateDir, outcome);
  if (record.to !== back) await rm(versionDir(layout, record.to), { recursive: true, force: true });
  return { action: 'rolled-back', from: back, to: record.to, reason };
}

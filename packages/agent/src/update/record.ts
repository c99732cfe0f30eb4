/**
 * `update.json` in the state dir: where a self-update stands across restarts.
 *
 *   trial        written by the old version just before it swaps `current` and exits; the guard
 *                counts starts (`attempts`); the new version turns it into `updated` at welcome
 *   updated      the new version reached welcome; `good` points to it
 *   rolled-back  written by the guard (the good version) when the trial ran out of time or starts
 *
 * `reported` says the outcome went to the server (an `updateStatus` after a welcome).
 */
import { readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { AgentVersion } from '@meshwork/protocol/session/index';
import { writeFileAtomic } from '../identity/state.js';

export const UPDATE_FILE = 'update.json';

const Trial = z.strictObject({
  state: z.literal('trial'),
  from: AgentVersion,
  to: AgentVersion,
  /** Unix ms: no welcome by then → the trial has failed. */
  deadline: z.number().int(),
  /** Starts of the trial version so far (counted by the guard). */
  attempts: z.number().int().min(0),
});
const Outcome = z.strictObject({
  state: z.enum(['updated', 'rolled-back']),
  from: AgentVersion,
  to: AgentVersion,
  reason: z.string().max(512).optional(),
  at: z.number().int(),
  reported: z.boolean(),
});
export const UpdateRecord = z.discriminatedUnion('state', [Trial, Outcome]);
export type UpdateRecord = z.infer<typeof UpdateRecord>;
export type TrialRecord = z.infer<typeof Trial>;
export type OutcomeRecord = z.infer<typeof Outcome>;

/** The record, or undefined when there is none (or it is unreadable: treated as none, and said so). */
export async function readUpdateRecord(stateDir: string, warn?: (m: string) => void): Promise<UpdateRecord | undefined> {
  let raw: string;
  try {
    raw = await readFile(join(stateDir, UPDATE_FILE), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    const r = UpdateRecord.safeParse(JSON.parse(raw));
    if (r.success) return r.data;
  } catch {
    // fall through
  }
  warn?.(`${join(stateDir, UPDATE_FILE)} is malformed; ignoring it`);
  return undefined;
}

export async function writeUpdateRecord(stateDir: string, record: UpdateRecord): Promise<void> {
  await writeFileAtomic(join(stateDir, UPDATE_FILE), JSON.stringify(record, null, 2) + '\n');
}

export async function removeUpdateRecord(stateDir: string): Promise<void> {
  await unlink(join(stateDir, UPDATE_FILE)).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'ENOENT') throw e;
  });
}

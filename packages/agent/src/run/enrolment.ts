/**
 * What the server said about this device at `welcome` — its device id and the group it holds the
 * device in (which wins over the install file's) — kept in the `enrolment` section of state.json.
 */
import { z } from 'zod';
import { DeviceId, type ServerWelcome } from '@meshwork/protocol/agent/index';
import { Hex96 } from '@meshwork/protocol/api/models';
import { readState, writeState } from '../identity/state.js';

export const Enrolment = z.strictObject({
  serverId: DeviceId,
  deviceId: DeviceId,
  groupId: Hex96.nullable(),
  welcomedAt: z.string().max(64),
});
export type Enrolment = z.infer<typeof Enrolment>;

export async function readEnrolment(stateDir: string): Promise<Enrolment | undefined> {
  const state = await readState(stateDir);
  const r = Enrolment.safeParse(state['enrolment']);
  return r.success ? r.data : undefined;
}

/** Records a welcome; writes only when something changed (not on every reconnect). */
export class EnrolmentRecorder {
  private last: Omit<Enrolment, 'welcomedAt'> | undefined;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly stateDir: string,
    private readonly serverId: string,
    private readonly onError: (e: Error) => void,
  ) {}

  record(w: ServerWelcome): Promise<void> {
    const next = { serverId: this.serverId, deviceId: w.deviceId, groupId: w.groupId ?? null };
    const same = (a: typeof next | undefined) => a?.serverId === next.serverId && a.deviceId === next.deviceId && a.groupId === next.groupId;
    if (same(this.last)) return this.chain;
    this.last = next;
    this.chain = this.chain.then(async () => {
      try {
        const state = await readState(this.stateDir);
        if (same(Enrolment.safeParse(state['enrolment']).data)) return;
        await writeState(this.stateDir, { ...state, enrolment: { ...next, welcomedAt: new Date().toISOString() } });
      } catch (e) {
        this.onError(e as Error);
      }
    });
    return this.chain;
  }

  /** Resolves when every recorded welcome is on disk. */
  flush(): Promise<void> {
    return this.chain;
  }
}

/** Drops the enrolment section (after reset-identity: the device id it names may be gone). */
export async function clearEnrolment(stateDir: string): Promise<boolean> {
  const state = await readState(stateDir);
  if (state['enrolment'] === undefined) return false;
  const { enrolment: _dropped, ...rest } = state;
  await writeState(stateDir, { ...rest, version: 1 });
  return true;
}

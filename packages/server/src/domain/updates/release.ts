/**
 * Which groups may be offered a version, by their policy (protocol api/agent-updates.ts):
 *
 *   off      never
 *   canary   at once
 *   all      once the canary groups proved the version: at least one of their devices reported
 *            `updated` to it and none `failed` or `rolled-back` — or at once when no canary group
 *            has devices
 *
 * The canary verdict is a few queries; it is kept per version for RELEASE_CACHE_MS (a reconnect
 * flood asks once) and dropped at once when this worker records an outcome.
 */
import type { AgentUpdatePolicy } from '@meshwork/store';
import type { System } from '../../system.js';

export const RELEASE_CACHE_MS = 10_000;

export type CanaryVerdict = 'released' | 'waiting' | 'held';

/** The canary groups' verdict on `version` (uncached). `held`: a canary device failed or rolled back. */
export async function canaryVerdict(sys: Pick<System, 'store'>, version: string): Promise<CanaryVerdict> {
  const canaries = await sys.store.listGroupsWithAgentUpdatePolicy('canary');
  if (canaries.length === 0) return 'released';
  const counts = await sys.store.countAgentUpdateOutcomes(version, canaries);
  if (counts.failed > 0 || counts['rolled-back'] > 0) return 'held';
  if (counts.updated > 0) return 'released';
  const devices = await sys.store.listDeviceSummaries({ groupIds: canaries, limit: 1 });
  return devices.length === 0 ? 'released' : 'waiting';
}

export class ReleaseGate {
  private readonly verdicts = new Map<string, { verdict: CanaryVerdict; at: number }>();

  constructor(private readonly sys: Pick<System, 'store'>, private readonly clock: () => number) {}

  /** Whether a device of a group with `policy` may be offered `version` now. */
  async allows(policy: AgentUpdatePolicy, version: string): Promise<boolean> {
    if (policy === 'off') return false;
    if (policy === 'canary') return true;
    return (await this.verdict(version)) === 'released';
  }

  async verdict(version: string): Promise<CanaryVerdict> {
    const now = this.clock();
    const cached = this.verdicts.get(version);
    if (cached && now - cached.at < RELEASE_CACHE_MS) return cached.verdict;
    const verdict = await canaryVerdict(this.sys, version);
    if (this.verdicts.size > 64) this.verdicts.clear();
    this.verdicts.set(version, { verdict, at: now });
    return verdict;
  }

  /** An outcome for `version` was recorded: decide afresh next time. */
  forget(version: string): void {
    this.verdicts.delete(version);
  }

  /** A policy changed somewhere: decide every version afresh. */
  clear(): void {
    this.verdicts.clear();
  }
}

/** Test support for the running agent: fake collectors, a tiny timing, and an agent on a temp state dir. */
import type { SoftwareInventory, SystemInventory } from '@meshwork/protocol';
import type { AgentTiming } from '../../connection/timing.js';
import { openIdentity, type AgentIdentity } from '../../identity/identity.js';
import type { Collectors } from '../../inventory/reporter.js';
import { acquireLock, type RunLock } from '../../status/lock.js';
import { Agent, type AgentOptions } from '../agent.js';
import { storeInstall } from '../install.js';
import type { TestServer } from '../../connection/testing/test-server.js';
import { ensureStateDir } from '../../identity/state.js';

/** Every delay small, so a test sees many reconnects quickly. Tests override what they measure. */
export const FAST: AgentTiming = {
  backoffFirstMinMs: 20,
  backoffFirstMaxMs: 40,
  backoffCapMs: 200,
  stableMs: 60_000,
  betweenUrlsMs: 5,
  handshakeTimeoutMs: 5_000,
  idleTimeoutMs: 20_000,
  reportAckTimeoutMs: 20_000,
  netPollMs: 60_000,
  inventoryIntervalMs: 3_600_000,
  softwareIntervalMs: 3_600_000,
};

export function fakeSystem(hostname = 'test-host'): SystemInventory {
  return {
    hostname,
    os: { name: 'Debian GNU/Linux', version: '12 (bookworm)', kernel: '6.1.0', platform: 'linux' },
    arch: 'x64',
    cpu: { model: 'Test CPU', cores: 2 },
    memory: { totalBytes: 4 * 2 ** 30, freeBytes: 2 ** 30 },
    disks: [{ mount: '/', fsType: 'ext4', device: '/dev/sda1', totalBytes: 10 * 2 ** 30, usedBytes: 2 ** 30, freeBytes: 9 * 2 ** 30 }],
    network: [{ name: 'eth0', mac: '00:11:22:aa:bb:cc', addresses: ['192.0.2.10/24'] }],
    users: ['alice'],
    bootTime: 1_700_000_000_000,
    agentVersion: '0.1.0',
  };
}

export const fakeSoftware = (): SoftwareInventory => ({ source: 'dpkg', packages: [{ name: 'dpkg', version: '1.21.22' }] });

/** Collectors whose system report can be changed, counting their calls. */
export function fakeCollectors(): Collectors & { hostname: string; calls: { system: number; software: number } } {
  const c = {
    hostname: 'test-host',
    calls: { system: 0, software: 0 },
    system: async () => {
      c.calls.system++;
      return fakeSystem(c.hostname);
    },
    software: async () => {
      c.calls.software++;
      return fakeSoftware();
    },
  };
  return c;
}

export interface Running {
  agent: Agent;
  identity: AgentIdentity;
  lock: RunLock;
  stop(): Promise<void>;
}

/** What `meshwork-agent run` does, in-process: lock, stored install file, identity, agent. */
export async function runAgent(
  stateDir: string,
  server: TestServer,
  opts: Partial<Omit<AgentOptions, 'stateDir' | 'identity'>> & { tpm?: string } = {},
): Promise<Running> {
  await ensureStateDir(stateDir);
  const lock = await acquireLock(stateDir);
  const install = opts.install ?? server.installFile();
  await storeInstall(stateDir, install);
  const identity = await openIdentity(opts.tpm ? { stateDir, tpm: opts.tpm } : { stateDir, keyProvider: 'file' });
  const agent = new Agent({ collectors: fakeCollectors(), ...opts, timing: { ...FAST, ...opts.timing }, stateDir, install, identity }).start();
  return {
    agent,
    identity,
    lock,
    stop: async () => {
      await agent.stop();
      await identity.close();
      await lock.release();
    },
  };
}

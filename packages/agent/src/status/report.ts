/**
 * `meshwork-agent status`: one JSON object from the state dir, read without touching any key and
 * without talking to the agent — the identity record, the install file, the server's enrolment
 * record, and status.json. `connected` is true only while a live agent process holds the state dir
 * and its status.json says so.
 */
import { access } from 'node:fs/promises';
import type { KeyProviderKind } from '../identity/key-provider.js';
import { readIdentityStatus } from '../identity/identity.js';
import { readEnrolment } from '../run/enrolment.js';
import { loadStoredInstall } from '../run/install.js';
import { lockHolder } from './lock.js';
import { readStatusFile } from './status-file.js';
import { readUpdateRecord, type UpdateRecord } from '../update/record.js';

export interface AgentStatusReport {
  stateDir: string;
  deviceId: string | null;
  keyProvider: KeyProviderKind | null;
  keyGenerations: number;
  certGenerations: number;
  tpm: string | null;
  serverId: string | null;
  /** The group the server reported at the last welcome, else the install file's. */
  groupId: string | null;
  groupName: string | null;
  serverUrls: string[];
  /** True once this server has welcomed this device id. */
  enrolled: boolean;
  running: boolean;
  pid: number | null;
  connected: boolean;
  serverUrl: string | null;
  since: string | null;
  lastError: string | null;
  /** The self-update record (update.json: trial, updated or rolled-back), null when there is none. */
  update: UpdateRecord | null;
}

export class NoStateDirError extends Error {
  override name = 'NoStateDirError';
}

export async function readAgentStatus(stateDir: string): Promise<AgentStatusReport> {
  try {
    await access(stateDir);
  } catch {
    throw new NoStateDirError(`no agent state in ${stateDir} (not found or not readable); run \`meshwork-agent run --state ${stateDir} --install FILE\` first`);
  }
  const [identity, install, enrolment, holder, status, update] = await Promise.all([
    readIdentityStatus(stateDir),
    loadStoredInstall(stateDir),
    readEnrolment(stateDir),
    lockHolder(stateDir),
    readStatusFile(stateDir),
    readUpdateRecord(stateDir).catch(() => undefined),
  ]);
  const welcomed = enrolment !== undefined && identity !== undefined && enrolment.deviceId === identity.deviceId && enrolment.serverId === install?.serverId;
  const live = holder !== undefined && status?.pid === holder.pid;
  return {
    stateDir,
    deviceId: identity?.deviceId ?? null,
    keyProvider: identity?.keyProvider ?? null,
    keyGenerations: identity?.keyGenerations ?? 0,
    certGenerations: identity?.certGenerations ?? 0,
    tpm: identity?.tpm ?? null,
    serverId: install?.serverId ?? null,
    groupId: (welcomed ? enrolment.groupId : null) ?? install?.groupId ?? null,
    groupName: install?.groupName ?? null,
    serverUrls: install?.serverUrls ?? [],
    enrolled: welcomed,
    running: holder !== undefined,
    pid: holder?.pid ?? null,
    connected: live && status.connected,
    serverUrl: live && status.connected ? status.serverUrl : null,
    since: live ? status.since : null,
    lastError: status?.lastError ?? null,
    update: update ?? null,
  };
}

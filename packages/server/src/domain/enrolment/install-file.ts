/** The agent install file of a device group: where the server is, who it is, which group to join. */
import type { InstallFile } from '@meshwork/protocol';
import type { DeviceGroupRecord } from '@meshwork/store';
import { SERVER_URLS_SETTING } from '../../config.js';
import type { System } from '../../system.js';

/** The URLs the server last recorded that it serves on (main.ts writes them at each start). */
export async function recordedServerUrls(sys: System): Promise<string[]> {
  const urls = await sys.store.getSetting<unknown>(SERVER_URLS_SETTING);
  if (Array.isArray(urls) && urls.every((u): u is string => typeof u === 'string')) return urls;
  return sys.config.publicUrls;
}

export async function installFile(sys: System, group: DeviceGroupRecord, enrolmentToken?: string): Promise<InstallFile> {
  return {
    serverUrls: await recordedServerUrls(sys),
    serverId: sys.identity.serverId,
    groupId: group.id,
    groupName: group.name,
    ...(enrolmentToken !== undefined ? { enrolmentToken } : {}),
  };
}

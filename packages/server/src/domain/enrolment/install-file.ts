/**
 * The agent install file of a device group: where the server is, who it is, which group — and at
 * most one secret that enrols: the group's enrolment key or one enrolment token, never both (a
 * token file must not enrol once its token is used up, expired or revoked).
 */
import type { InstallFile } from '@meshwork/protocol';
import type { DeviceGroupRecord } from '@meshwork/store';
import { SERVER_URLS_SETTING } from '../../config.js';
import type { System } from '../../system.js';
import { ApiError, notFound } from '../../errors.js';

/** The URLs the server last recorded that it serves on (main.ts writes them at each start). */
export async function recordedServerUrls(sys: Pick<System, 'store' | 'config'>): Promise<string[]> {
  const urls = await sys.store.getSetting<unknown>(SERVER_URLS_SETTING);
  if (Array.isArray(urls) && urls.every((u): u is string => typeof u === 'string')) return urls;
  return sys.config.publicUrls;
}

/** What enrols: the group's key, a token, or nothing (a file that only names the server and group). */
export type InstallSecret = { enrolmentKey: string } | { enrolmentToken: string } | Record<string, never>;

export async function installFile(sys: System, group: DeviceGroupRecord, secret: InstallSecret): Promise<InstallFile> {
  return {
    serverUrls: await recordedServerUrls(sys),
    serverId: sys.identity.serverId,
    groupId: group.id,
    groupName: group.name,
    ...secret,
  };
}

/**
 * The install file the group's install-file and install-command endpoints hand out: with the
 * group's enrolment key (conflict when the group enrols by tokens only), or for `tokenId` that
 * token's file without any secret (a token's secret is shown only once, at creation).
 */
export async function groupInstallFile(sys: System, group: DeviceGroupRecord, tokenId: string | undefined): Promise<InstallFile> {
  if (tokenId !== undefined) {
    const t = await sys.store.getEnrolmentToken(tokenId);
    if (!t || t.groupId !== group.id) throw notFound();
    return installFile(sys, group, {});
  }
  const enrolmentKey = await sys.store.getGroupEnrolmentKey(group.id);
  if (enrolmentKey === null) {
    throw new ApiError('conflict', `Device group ${group.name} enrols new devices with enrolment tokens only: create a token (or rotate the enrolment key to give the group one).`);
  }
  return installFile(sys, group, { enrolmentKey });
}

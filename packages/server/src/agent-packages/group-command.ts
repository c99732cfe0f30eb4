/**
 * A device group's install command (GET /api/v1/groups/:id/install-command): the group's install
 * file, fresh download links for the packages (one platform, or every platform the server has),
 * and the pin of the certificate this server serves.
 */
import type { AgentPackageInfo, AgentPlatform, InstallCommand as InstallCommandView, InstallFile } from '@meshwork/protocol';
import { iso } from '../domain/ids.js';
import { ApiError } from '../errors.js';
import type { System } from '../system.js';
import { recordedServerUrls } from '../domain/enrolment/install-file.js';
import { installCommand, serverPinOf, type PinnedDownload } from './install-command.js';
import type { AgentPackage } from './registry.js';

/** How long an install command's download links work. */
export const INSTALL_LINK_TTL_MS = 3600_000;

export interface GroupInstallCommand {
  command: string;
  expiresAt: number;
  platforms: AgentPackage[];
  serverPin: string;
}

export async function groupInstallCommand(
  sys: Pick<System, 'agentPackages' | 'identity' | 'store' | 'config'>, file: InstallFile, platform: AgentPlatform | undefined,
): Promise<GroupInstallCommand> {
  const packages = platform ? [sys.agentPackages.get(platform)].filter((p): p is AgentPackage => p !== undefined) : sys.agentPackages.list();
  if (packages.length === 0) {
    throw new ApiError('conflict', platform
      ? `This server has no agent package for ${platform}.`
      : 'This server has no agent packages: build them with npm run build:agents, then restart the server.');
  }
  const base = ((await recordedServerUrls(sys))[0] ?? '').replace(/\/+$/, '');
  if (!base) throw new ApiError('conflict', 'The server does not know the URL it is reached at: set --public-url.');
  let expiresAt = Infinity;
  const downloads: PinnedDownload[] = packages.map((p) => {
    const link = sys.agentPackages.createLink(p.platform, INSTALL_LINK_TTL_MS);
    if (!link) throw new Error(`no link for ${p.platform}`);
    expiresAt = Math.min(expiresAt, link.expiresAt);
    return { platform: p.platform, url: `${base}${link.url}`, sha256: p.sha256 };
  });
  const serverPin = serverPinOf(sys.identity.tlsCertPem);
  return { command: installCommand({ file, downloads, serverPin }), expiresAt, platforms: packages, serverPin };
}

/** The install command of a freshly created enrolment token (its secret is in it), when one can be made. */
export async function tokenInstallCommand(
  sys: Pick<System, 'agentPackages' | 'identity' | 'store' | 'config'>, file: InstallFile,
): Promise<{ installCommand?: InstallCommandView }> {
  try {
    if (sys.agentPackages.list().length === 0) return {};
    return { installCommand: installCommandView(await groupInstallCommand(sys, file, undefined)) };
  } catch (e) {
    // No command (e.g. no URL recorded yet) must not fail the token: the file is what it was made for.
    if (e instanceof ApiError && e.code === 'conflict') return {};
    throw e;
  }
}

/** A package as the API shows it (AgentPackageInfo in @meshwork/protocol). */
export const packageInfo = (p: AgentPackage): AgentPackageInfo => ({ platform: p.platform, version: p.version, sha256: p.sha256, size: p.size });

/** The API shape (InstallCommand in @meshwork/protocol). */
export function installCommandView(c: GroupInstallCommand): InstallCommandView {
  return { command: c.command, expiresAt: iso(c.expiresAt), serverPin: c.serverPin, platforms: c.platforms.map(packageInfo) };
}

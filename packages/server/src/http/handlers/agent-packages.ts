/**
 * Handlers: the agent executables this server serves (list, download) and a group's one-line
 * install command. The list needs a login; a download needs a login or a download link; the
 * install command needs what the group's install file needs (manageDevices, may enrol).
 */
import { requireMayEnrol } from '../../authz/site.js';
import { groupInstallCommand, installCommandView, packageInfo } from '../../agent-packages/group-command.js';
import { groupInstallFile } from '../../domain/enrolment/install-file.js';
import { ApiError, notFound } from '../../errors.js';
import { FileReply } from '../file-reply.js';
import { must, type AreaHandlers } from '../handler.js';

export const agentPackagesHandlers: AreaHandlers<'agent.packages' | 'agent.download' | 'groups.installCommand'> = {
  async 'agent.packages'({ sys, principal }) {
    must(principal);
    return sys.agentPackages.list().map(packageInfo);
  },

  async 'agent.download'({ sys, principal, params, query }) {
    if (query.link !== undefined) {
      if (!sys.agentPackages.checkLink(params.platform, query.link)) throw new ApiError('link_invalid');
    } else if (!principal) {
      throw new ApiError('unauthenticated');
    }
    const { pkg, stream } = await sys.agentPackages.open(params.platform);
    sys.metrics.inc('meshwork_agent_package_downloads_total', { platform: pkg.platform, via: query.link !== undefined ? 'link' : 'login' });
    return new FileReply(stream, pkg.size, 'meshwork-agent');
  },

  async 'groups.installCommand'({ sys, principal, params, query }) {
    const p = must(principal);
    await sys.authz.requireGroup(p, params.id, 'manageDevices');
    requireMayEnrol(sys, p);
    const g = await sys.store.getDeviceGroup(params.id);
    if (!g) throw notFound();
    const file = await groupInstallFile(sys, g, query.tokenId);
    return installCommandView(await groupInstallCommand(sys, file, query.platform));
  },
};

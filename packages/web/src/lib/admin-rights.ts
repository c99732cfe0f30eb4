/** Rights in words for the admin pages: site rights (on users) and group rights (on links). */
import { GROUP_RIGHT_LABELS, GROUP_RIGHT_NAMES, SITE_RIGHT_NAMES, type GroupRightName, type SiteRightName } from '@meshwork/protocol';

export const SITE_RIGHT_LABELS: Record<SiteRightName, string> = {
  admin: 'Administrator (everything)',
  backup: 'Back up the server',
  manageUsers: 'Manage users',
  restore: 'Restore the server',
  fileAccess: 'Server file access',
  update: 'Update the server',
  locked: 'Locked (cannot change own account)',
  noNewGroups: 'Cannot create device groups',
  manageUserGroups: 'Manage user groups',
  recordings: 'Session recordings',
  allEvents: 'See all events',
  noNewDevices: 'Cannot add devices',
};

export { GROUP_RIGHT_LABELS, GROUP_RIGHT_NAMES, SITE_RIGHT_NAMES };
export type { GroupRightName, SiteRightName };

/** "Full rights" or the rights as a comma-separated list of words. */
export function groupRightsText(names: readonly (GroupRightName | 'full')[]): string {
  if (names.includes('full')) return 'Full rights';
  if (names.length === 0) return 'No rights';
  return names.map((n) => GROUP_RIGHT_LABELS[n as GroupRightName] ?? n).join(', ');
}

export function siteRightsText(names: readonly SiteRightName[]): string {
  if (names.length === 0) return 'None';
  return names.map((n) => SITE_RIGHT_LABELS[n] ?? n).join(', ');
}

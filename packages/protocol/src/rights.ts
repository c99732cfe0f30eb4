/**
 * The one definition of rights in Meshwork. Device-group rights are a 32-bit mask per link
 * (user or user group → device group), OR-ed across all of a user's links. Site rights are a
 * mask on the user. Names are the wire form; bits are the storage form. Never renumber a bit.
 */

export const GROUP_RIGHTS = {
  editGroup: 1 << 0, // rename/delete the group, change its settings
  manageUsers: 1 << 1, // grant and revoke rights on this group
  manageDevices: 1 << 2, // rename, tag, move, delete devices; enrolment tokens
  remoteControl: 1 << 3, // terminal, files, desktop (narrowed by the no* rights)
  agentConsole: 1 << 4,
  serverFiles: 1 << 5,
  wake: 1 << 6, // Wake-on-LAN
  notes: 1 << 7, // edit device notes
  viewOnlyDesktop: 1 << 8,
  noTerminal: 1 << 9,
  noFiles: 1 << 10,
  limitedInput: 1 << 12,
  limitedEvents: 1 << 13, // sees only its own events
  chat: 1 << 14,
  uninstall: 1 << 15,
  noDesktop: 1 << 16,
  runCommands: 1 << 17,
  powerActions: 1 << 18, // reboot, shut down, sleep
  guestSharing: 1 << 19,
  deviceDetails: 1 << 20, // inventory beyond name/state
  relay: 1 << 21, // TCP port forwarding through the device
} as const;

export type GroupRightName = keyof typeof GROUP_RIGHTS;
export const GROUP_RIGHT_NAMES = Object.keys(GROUP_RIGHTS) as GroupRightName[];
/** Full rights on a group (every bit, including future ones). */
export const GROUP_FULL = 0xffffffff >>> 0;

/** Human-readable words for each right, used by the CLI and the web UI. */
export const GROUP_RIGHT_LABELS: Record<GroupRightName, string> = {
  editGroup: 'Edit device group',
  manageUsers: 'Manage device group users',
  manageDevices: 'Manage devices',
  remoteControl: 'Remote control',
  agentConsole: 'Agent console',
  serverFiles: 'Server files',
  wake: 'Wake devices',
  notes: 'Edit notes',
  viewOnlyDesktop: 'Desktop: view only',
  noTerminal: 'No terminal',
  noFiles: 'No file access',
  limitedInput: 'Desktop: limited input',
  limitedEvents: 'Only own events',
  chat: 'Chat and notify',
  uninstall: 'Uninstall agent',
  noDesktop: 'No desktop',
  runCommands: 'Run commands',
  powerActions: 'Reboot, shut down, sleep',
  guestSharing: 'Guest sharing',
  deviceDetails: 'Device details',
  relay: 'Port forwarding (relay)',
};

export const SITE_RIGHTS = {
  admin: 1 << 0, // everything, on every group
  backup: 1 << 1,
  manageUsers: 1 << 2,
  restore: 1 << 3,
  fileAccess: 1 << 4,
  update: 1 << 5,
  locked: 1 << 6, // account may log in but change nothing about itself
  noNewGroups: 1 << 7,
  manageUserGroups: 1 << 8,
  recordings: 1 << 9,
  allEvents: 1 << 10,
  noNewDevices: 1 << 11,
} as const;

export type SiteRightName = keyof typeof SITE_RIGHTS;
export const SITE_RIGHT_NAMES = Object.keys(SITE_RIGHTS) as SiteRightName[];

/** What a user can actually do on a device group, derived from a mask. Checked on the server. */
export type Capability =
  | 'view'
  | 'editGroup'
  | 'manageUsers'
  | 'manageDevices'
  | 'terminal'
  | 'files'
  | 'desktop'
  | 'wake'
  | 'notes'
  | 'runCommands'
  | 'power'
  | 'relay'
  | 'deviceDetails'
  | 'uninstall'
  | 'allEvents';

const has = (mask: number, bit: number): boolean => (mask & bit) !== 0;

/** The capability rules, in one table. `mask === 0` means no link at all (not visible). */
const CAPABILITY_RULES: Record<Capability, (mask: number) => boolean> = {
  view: () => true,
  editGroup: (m) => has(m, GROUP_RIGHTS.editGroup),
  manageUsers: (m) => has(m, GROUP_RIGHTS.manageUsers),
  manageDevices: (m) => has(m, GROUP_RIGHTS.manageDevices),
  terminal: (m) => has(m, GROUP_RIGHTS.remoteControl) && !has(m, GROUP_RIGHTS.noTerminal),
  files: (m) => has(m, GROUP_RIGHTS.remoteControl) && !has(m, GROUP_RIGHTS.noFiles),
  desktop: (m) => has(m, GROUP_RIGHTS.remoteControl) && !has(m, GROUP_RIGHTS.noDesktop),
  wake: (m) => has(m, GROUP_RIGHTS.wake),
  notes: (m) => has(m, GROUP_RIGHTS.notes),
  runCommands: (m) => has(m, GROUP_RIGHTS.runCommands),
  power: (m) => has(m, GROUP_RIGHTS.powerActions),
  relay: (m) => has(m, GROUP_RIGHTS.relay),
  deviceDetails: (m) => has(m, GROUP_RIGHTS.deviceDetails),
  uninstall: (m) => has(m, GROUP_RIGHTS.uninstall),
  allEvents: (m) => !has(m, GROUP_RIGHTS.limitedEvents),
};

/**
 * Whether a group-rights mask grants a capability. A mask of 0 means "no link": nothing,
 * not even `view`. Full rights (all bits) include the no* bits, so they are cleared first.
 */
export function can(mask: number, capability: Capability): boolean {
  if (mask === 0) return false;
  const m = mask >>> 0 === GROUP_FULL ? GROUP_FULL & ~NEGATIVE_BITS : mask;
  return CAPABILITY_RULES[capability](m);
}

const NEGATIVE_BITS =
  GROUP_RIGHTS.noTerminal |
  GROUP_RIGHTS.noFiles |
  GROUP_RIGHTS.noDesktop |
  GROUP_RIGHTS.viewOnlyDesktop |
  GROUP_RIGHTS.limitedInput |
  GROUP_RIGHTS.limitedEvents;

export const CAPABILITIES = Object.keys(CAPABILITY_RULES) as Capability[];

export function groupRightsToNames(mask: number): GroupRightName[] | ['full'] {
  if (mask >>> 0 === GROUP_FULL) return ['full'];
  return GROUP_RIGHT_NAMES.filter((n) => has(mask, GROUP_RIGHTS[n]));
}

export function groupRightsFromNames(names: readonly (GroupRightName | 'full')[]): number {
  let mask = 0;
  for (const n of names) mask |= n === 'full' ? GROUP_FULL : GROUP_RIGHTS[n];
  return mask >>> 0;
}

export function siteRightsToNames(mask: number): SiteRightName[] {
  return SITE_RIGHT_NAMES.filter((n) => has(mask, SITE_RIGHTS[n]));
}

export function siteRightsFromNames(names: readonly SiteRightName[]): number {
  let mask = 0;
  for (const n of names) mask |= SITE_RIGHTS[n];
  return mask >>> 0;
}

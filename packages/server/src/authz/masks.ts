/**
 * Rights arithmetic on masks: which masks are "within" others. Pure functions over the one rights
 * definition (@meshwork/protocol rights.ts); every decision that compares two holders of rights
 * uses these, so "may A act on B" means the same thing for site rights, device-group links and
 * user-group memberships.
 *
 * Positive bits give power; restriction bits (locked, noNewGroups, noNewDevices on the site;
 * noTerminal … limitedEvents on a group) take it away. So a mask is within a holder's mask when it
 * has no positive bit the holder lacks and lacks no restriction the holder has. Full group rights
 * (every bit) mean every positive bit and no restriction.
 */
import { GROUP_FULL, GROUP_RIGHTS, SITE_RIGHTS } from '@meshwork/protocol';

/** Group restriction bits that only narrow `remoteControl` (meaningless without it). */
const REMOTE_RESTRICTIONS =
  GROUP_RIGHTS.noTerminal | GROUP_RIGHTS.noFiles | GROUP_RIGHTS.noDesktop | GROUP_RIGHTS.viewOnlyDesktop | GROUP_RIGHTS.limitedInput;
export const GROUP_RESTRICTIONS = REMOTE_RESTRICTIONS | GROUP_RIGHTS.limitedEvents;
export const SITE_RESTRICTIONS = SITE_RIGHTS.locked | SITE_RIGHTS.noNewGroups | SITE_RIGHTS.noNewDevices;

const normalGroup = (mask: number): number => (mask >>> 0 === GROUP_FULL ? (GROUP_FULL & ~GROUP_RESTRICTIONS) >>> 0 : mask >>> 0);

/** Whether group mask `mask` gives nothing that `holder` lacks (0 = no link: always within). */
export function groupMaskWithin(mask: number, holder: number): boolean {
  if (mask === 0) return true;
  if (holder === 0) return false;
  const m = normalGroup(mask);
  const h = normalGroup(holder);
  if ((m & ~GROUP_RESTRICTIONS & ~h) >>> 0 !== 0) return false;
  const relevant = (m & GROUP_RIGHTS.remoteControl) !== 0 ? GROUP_RESTRICTIONS : GROUP_RIGHTS.limitedEvents;
  return (h & relevant & ~m) >>> 0 === 0;
}

/** The restriction bits that bind a group mask (none for full rights). */
export const groupRestrictions = (mask: number): number => (normalGroup(mask) & GROUP_RESTRICTIONS) >>> 0;

/**
 * Whether `holder` may lift the group restrictions `lifted` (from a link, or by taking a user out of
 * a user group whose link carries them): only when not bound by them itself and, for the
 * remote-control ones, holding `remoteControl`. Otherwise it could free itself: e.g. drop the
 * `noTerminal` of its own direct link while `remoteControl` comes from a user group.
 */
export function mayLiftGroupRestrictions(lifted: number, holder: number): boolean {
  if (lifted === 0) return true;
  const h = normalGroup(holder);
  if (holder === 0 || (lifted & h) !== 0) return false;
  return (lifted & REMOTE_RESTRICTIONS) === 0 || (h & GROUP_RIGHTS.remoteControl) !== 0;
}

/** Whether site rights `mask` give nothing that `holder` (a non-admin) lacks. */
export function siteRightsWithin(mask: number, holder: number): boolean {
  return (mask & ~SITE_RESTRICTIONS & ~holder) >>> 0 === 0 && (holder & SITE_RESTRICTIONS & ~mask) >>> 0 === 0;
}

/** Restriction bits `before` has and `after` lacks (lifting them needs an administrator). */
export const liftedSiteRestrictions = (before: number, after: number): number => (before & SITE_RESTRICTIONS & ~after) >>> 0;

export const hasSiteRight = (mask: number, right: keyof typeof SITE_RIGHTS): boolean => (mask & SITE_RIGHTS[right]) !== 0;

/** Whether a device-group link carries the right to manage that group's links. */
export const linkManagesGroup = (mask: number): boolean => (mask & GROUP_RIGHTS.manageUsers) !== 0;

/** The OR of two group masks, as an unsigned 32-bit mask. */
export const orMasks = (a: number, b: number): number => (a | b) >>> 0;

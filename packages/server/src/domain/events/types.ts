/**
 * Event type names emitted by the domain areas. Types are part of the API (`events.list?type=`),
 * so they are never renamed.
 */
export const EVENT_TYPES = {
  groupCreated: 'group.created',
  groupUpdated: 'group.updated',
  groupDeleted: 'group.deleted',
  rightsGranted: 'rights.granted',
  rightsRevoked: 'rights.revoked',
  userGroupCreated: 'userGroup.created',
  userGroupUpdated: 'userGroup.updated',
  userGroupDeleted: 'userGroup.deleted',
  userGroupMemberAdded: 'userGroup.memberAdded',
  userGroupMemberRemoved: 'userGroup.memberRemoved',
  deviceUpdated: 'device.updated',
  deviceMoved: 'device.moved',
  deviceDeleted: 'device.deleted',
  enrolmentTokenCreated: 'enrolmentToken.created',
  enrolmentTokenRevoked: 'enrolmentToken.revoked',
  enrolmentKeyRotated: 'enrolmentKey.rotated',
  enrolmentKeyRemoved: 'enrolmentKey.removed',
  deviceRevocationLifted: 'device.revocationLifted',
} as const;

/**
 * Whether an event may change who sees what or whether a credential still holds (rights,
 * memberships, groups, users, tokens, logouts, password changes): open browser streams re-check
 * before delivering it. Login attempts are deliberately absent, so failed logins cannot make
 * every stream hit the store.
 */
export function changesAudience(type: string): boolean {
  return /^(group|rights|userGroup|user|token|account)\./.test(type) || type === 'auth.logout';
}

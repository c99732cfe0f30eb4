/**
 * Event types of the agent connection life. Part of the API (`events.list?type=`), never renamed.
 * (Kept here, beside the code that emits them, until the lead folds them into events/types.ts.)
 */
export const AGENT_EVENT_TYPES = {
  deviceEnrolled: 'device.enrolled',
  deviceOnline: 'device.online',
  deviceOffline: 'device.offline',
  deviceSuperseded: 'device.superseded',
  deviceInventory: 'device.inventory',
} as const;

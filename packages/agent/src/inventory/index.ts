/** Inventory: what the agent reports about its device, hashed so only changes are sent. */
import { createHash } from 'node:crypto';
import { canonicalJson } from '@meshwork/protocol';
export { collectSystem } from './system.linux.js';
export { collectSoftware } from './software.linux.js';

export const reportHash = (report: unknown): string => createHash('sha256').update(canonicalJson(report)).digest('hex');

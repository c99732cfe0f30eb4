/** The report hash both ends compute: SHA-256 hex of the protocol's canonical JSON. */
import { createHash } from 'node:crypto';
import { canonicalJson } from '@meshwork/protocol/session/index';

export const reportHash = (report: unknown): string => createHash('sha256').update(canonicalJson(report)).digest('hex');

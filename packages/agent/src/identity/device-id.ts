/** Device id of a public key: the protocol's rule (keys.ts in @meshwork/protocol) with node:crypto's SHA-384. */
import { createHash } from 'node:crypto';
import { deviceIdFromSpkiHash } from '@meshwork/protocol/agent/index';

export function deviceIdOf(spkiDer: Uint8Array): string {
  return deviceIdFromSpkiHash(createHash('sha384').update(spkiDer).digest());
}

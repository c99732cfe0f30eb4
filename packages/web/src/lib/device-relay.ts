/**
 * Relay sessions from the browser: `openRelay` from the client with the page's origin and the
 * session's CSRF token on the WebSocket URL, plus the SHA-256 hasher the files client needs.
 */
import { openRelay, relaySocketUrl, type Hasher, type OpenedRelay } from '@meshwork/client';
import type { CreateRelaySession } from '@meshwork/protocol';
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex } from '@noble/hashes/utils';
import { api, browserSocket, csrfToken, origin } from './api.js';

/** Opens a relay session of `request` on the device; resolves once the socket is open. */
export function openBrowserRelay(deviceId: string, request: CreateRelaySession): Promise<OpenedRelay> {
  // The api client's base URL is '' (same origin), so `url` is the session path itself.
  return openRelay(api, deviceId, request, (url) => browserSocket(relaySocketUrl(origin(), url, csrfToken())));
}

export const sha256Hasher = (): Hasher => {
  const h = sha256.create();
  return { update: (b) => void h.update(b), digestHex: () => bytesToHex(h.digest()) };
};

/** Text from a device made safe to show: control characters become `?` (React escapes the rest). */
// eslint-disable-next-line no-control-regex
export const printable = (s: string): string => s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');

/**
 * Short-lived download links for agent packages: `<platform>.<expiresAt>.<mac>`, where mac is
 * HMAC-SHA-256 (base64url) over the platform and expiry with a key derived from the server's
 * agent-signing key. Every worker derives the same key from the same data dir, so a link made by one
 * worker works on all of them, and nothing is stored. A link names one platform and expires; it
 * does not name a version (the installer and the agent check the SHA-256 they were given).
 */
import { createHmac, hkdfSync, timingSafeEqual, type KeyObject } from 'node:crypto';
import type { AgentPlatform } from '@meshwork/protocol';

/** A link is never valid longer than this, whatever the caller asks. */
export const MAX_LINK_TTL_MS = 24 * 3600_000;

export interface LinkSigner {
  sign(platform: AgentPlatform, expiresAt: number): string;
  /** True when `token` is a link for this platform that has not expired at `now`. */
  check(platform: string, token: string, now: number): boolean;
}

/** The link key: HKDF-SHA-256 of the agent-signing key (PKCS#8 DER), so it is as secret as that key. */
export function linkKeyFrom(agentSigningKey: KeyObject): Buffer {
  const ikm = agentSigningKey.export({ format: 'der', type: 'pkcs8' });
  return Buffer.from(hkdfSync('sha256', ikm, 'meshwork', 'agent-package-links-v1', 32));
}

const TOKEN = /^(linux-[a-z0-9]{1,16})\.([0-9]{1,16})\.([A-Za-z0-9_-]{43})$/;

export function createLinkSigner(key: Buffer): LinkSigner {
  const mac = (platform: string, expiresAt: number): Buffer =>
    createHmac('sha256', key).update(`agent-package-link-v1\0${platform}\0${expiresAt}`).digest();
  return {
    sign: (platform, expiresAt) => `${platform}.${expiresAt}.${mac(platform, expiresAt).toString('base64url')}`,
    check(platform, token, now) {
      const m = TOKEN.exec(token);
      if (!m || m[1] !== platform) return false;
      const expiresAt = Number(m[2]);
      const given = Buffer.from(m[3] ?? '', 'base64url');
      const want = mac(platform, expiresAt);
      return given.length === want.length && timingSafeEqual(given, want) && expiresAt > now && expiresAt - now <= MAX_LINK_TTL_MS;
    },
  };
}

/**
 * A signed update offer: the package's version, size and SHA-256, a short-lived download link on
 * this server, signed with the agent-signing key (the key behind the ServerID the agent pinned)
 * over updateOfferTranscript — the agent verifies it with the key of this connection's handshake.
 */
import { sign } from 'node:crypto';
import { bytesToBase64, updateOfferTranscript, type AgentPlatform, type ServerUpdate, type UpdateOffer } from '@meshwork/protocol';
import type { System } from '../../system.js';

/** How long an offer (and its download link) is valid: the agent starts the download at once. */
export const OFFER_TTL_MS = 15 * 60_000;

/** The `update` frame for one device, or null when the server has no package for the platform. */
export function signedOffer(sys: Pick<System, 'agentPackages' | 'identity' | 'now'>, deviceId: string, platform: AgentPlatform): ServerUpdate | null {
  const pkg = sys.agentPackages.get(platform);
  const link = pkg ? sys.agentPackages.createLink(platform, OFFER_TTL_MS) : undefined;
  if (!pkg || !link) return null;
  const offer: UpdateOffer = {
    deviceId, platform, version: pkg.version, sha256: pkg.sha256, size: pkg.size, url: link.url,
    issuedAt: sys.now(), expiresAt: link.expiresAt,
  };
  const signature = sign('sha256', updateOfferTranscript(offer), { key: sys.identity.agentSigningKey, dsaEncoding: 'der' });
  return { type: 'update', offer, signature: bytesToBase64(signature) };
}

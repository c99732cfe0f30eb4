/**
 * The checks on an update offer before anything is downloaded: the signature by the server key this
 * connection authenticated (its SHA-384 is the pinned ServerID), then that the offer is for this
 * device and platform, has not expired, and names another version. Each failure is an
 * UpdateRefusal with a reason the server is told.
 */
import { createPublicKey, verify } from 'node:crypto';
import { base64ToBytes } from '@meshwork/protocol/agent/bytes';
import { updateOfferTranscript, type AgentPlatform, type ServerUpdate, type UpdateOffer } from '@meshwork/protocol/session/index';

export class UpdateRefusal extends Error {
  override name = 'UpdateRefusal';
}

export interface OfferContext {
  /** SPKI DER of the server key verified in this connection's handshake. */
  serverPublicKey: Uint8Array;
  deviceId: string;
  platform: AgentPlatform | null;
  /** The running version. */
  version: string;
  now: number;
}

export function verifyOffer(frame: ServerUpdate, ctx: OfferContext): UpdateOffer {
  const { offer } = frame;
  const signature = base64ToBytes(frame.signature);
  let ok = false;
  try {
    const key = createPublicKey({ key: Buffer.from(ctx.serverPublicKey), format: 'der', type: 'spki' });
    ok = signature !== undefined && verify('sha256', updateOfferTranscript(offer), { key, dsaEncoding: 'der' }, signature);
  } catch {
    ok = false;
  }
  if (!ok) throw new UpdateRefusal('the offer signature does not verify with the server key');
  if (offer.deviceId !== ctx.deviceId) throw new UpdateRefusal('the offer is for another device');
  if (ctx.platform === null || offer.platform !== ctx.platform) throw new UpdateRefusal(`the offer is for ${offer.platform}, this agent runs on ${ctx.platform ?? 'an unsupported platform'}`);
  if (offer.expiresAt <= ctx.now) throw new UpdateRefusal('the offer has expired');
  if (offer.version === ctx.version) throw new UpdateRefusal(`version ${offer.version} is already running`);
  return offer;
}

/** What the relay commands (shell, files, forward) share: the socket factory and the device lookup. */
import { openRelay, type OpenedRelay } from '@meshwork/client';
import type { CreateRelaySession } from '@meshwork/protocol';
import { CliError } from './errors.js';
import { resolveDevice } from './resolve.js';
import type { Ctx } from './spec.js';

const HEX96 = /^[0-9a-f]{96}$/;

/** A device id as given, or looked up by name. */
export async function deviceIdOf(ctx: Ctx, key: string): Promise<string> {
  return HEX96.test(key) ? key : (await resolveDevice(ctx.client, key)).id;
}

/** Opens a relay session of `request` on the device (remote mode only). */
export async function connectRelay(ctx: Ctx, deviceId: string, request: CreateRelaySession): Promise<OpenedRelay> {
  if (!ctx.relaySocket) throw new CliError('unavailable', 'relay sessions need a running server: use --server URL (with MESHWORK_TOKEN or --token-file)');
  return openRelay(ctx.client, deviceId, request, ctx.relaySocket);
}

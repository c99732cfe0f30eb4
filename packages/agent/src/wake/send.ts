/**
 * Sending magic packets for the server's `wake` frame: one UDP datagram per MAC and target,
 * broadcast allowed. MESHWORK_AGENT_WOL_TARGET=HOST:PORT replaces every target with that one
 * (tests point it at a UDP listener on 127.0.0.1).
 */
import dgram from 'node:dgram';
import type { WakeTarget } from '@meshwork/protocol/commands/frames';
import { text } from '../inventory/sanitize.js';
import { magicPacket } from './magic.js';

export const WOL_TARGET_ENV = 'MESHWORK_AGENT_WOL_TARGET';

/** The override target from the environment, if any (IPv4 or a name, and a port). */
export function targetOverride(env: NodeJS.ProcessEnv): WakeTarget | null {
  const v = env[WOL_TARGET_ENV];
  if (v === undefined || v === '') return null;
  const m = /^([^:\s]+):(\d{1,5})$/.exec(v);
  const port = Number(m?.[2]);
  if (!m?.[1] || port < 1 || port > 65535) throw new Error(`${WOL_TARGET_ENV} must be HOST:PORT, got "${v}"`);
  return { address: m[1], port };
}

export interface WakeOutcome {
  sent: number;
  errors: string[];
}

export async function sendMagicPackets(macs: readonly string[], targets: readonly WakeTarget[], override: WakeTarget | null): Promise<WakeOutcome> {
  const to = override ? [override] : targets;
  const socket = dgram.createSocket('udp4');
  const out: WakeOutcome = { sent: 0, errors: [] };
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    socket.on('error', () => undefined); // failures surface in each send's callback
    socket.setBroadcast(true);
    for (const mac of macs) {
      const packet = magicPacket(mac);
      for (const t of to) {
        try {
          await new Promise<void>((resolve, reject) => socket.send(packet, t.port, t.address, (err) => (err ? reject(err) : resolve())));
          out.sent++;
        } catch (e) {
          out.errors.push(text(`${t.address}:${t.port}: ${(e as Error).message}`, 200));
        }
      }
    }
  } finally {
    socket.close();
  }
  return out;
}

/**
 * What an agent can do, as it announced in `auth.info.capabilities`, and what each server → agent
 * frame needs. An agent that announced no list at all (an older agent) is not checked: `null`.
 *
 * Where it is known: the connection holding the device keeps its set (in memory, interned: agents
 * of one version share one set), and the presence claim on the bus carries the list, so every
 * worker knows the capabilities of connections its siblings hold (`CapabilityDirectory`; only
 * theirs — this worker's own come from its endpoint). The sender refuses `not_supported` when it
 * knows; the holder checks again before it puts a frame on the socket (a worker that started after
 * a claim does not know it).
 */
import { SELF_UPDATE_CAPABILITY, type ServerSessionFrame } from '@meshwork/protocol';
import type { Bus } from '../../bus/bus.js';
import type { System } from '../../system.js';
import { isPresenceClaim, PRESENCE_CHANNEL } from './lifecycle.js';

/** null: the agent announced nothing (not checked). */
export type Capabilities = ReadonlySet<string> | null;

const RELAY: Record<string, string> = { terminal: 'terminal', files: 'files', tcp: 'tcp' };

/** The capability an agent must have announced to be sent `frame`; null when none is needed. */
export function requiredCapability(frame: ServerSessionFrame): string | null {
  switch (frame.type) {
    case 'relayOpen':
      return RELAY[frame.protocol] ?? frame.protocol;
    case 'run':
      return 'commands';
    case 'power':
      return 'power';
    case 'wake':
      return 'wake';
    case 'update':
      return SELF_UPDATE_CAPABILITY;
    default:
      return null;
  }
}

/** The capability `caps` lacks for `frame`, or null when it may be sent. */
export function missingCapability(caps: Capabilities, frame: ServerSessionFrame): string | null {
  const need = requiredCapability(frame);
  return need !== null && caps !== null && !caps.has(need) ? need : null;
}

export const notSupportedMessage = (capability: string): string => `The agent on this device does not support \`${capability}\` (it did not announce it).`;

const interned = new Map<string, ReadonlySet<string>>();
const MAX_INTERNED = 256;

/** One shared set per distinct list (agents of one version announce the same one). */
export function internCapabilities(list: readonly string[] | undefined): Capabilities {
  if (list === undefined) return null;
  const key = [...new Set(list)].sort().join(',');
  let set = interned.get(key);
  if (!set) {
    set = new Set(key === '' ? [] : key.split(','));
    if (interned.size < MAX_INTERNED) interned.set(key, set);
  }
  return set;
}

/** Capabilities of the connections this worker knows about: its own (endpoint) and its siblings' (claims). */
export class CapabilityDirectory {
  private readonly remote = new Map<string, { connectionId: string; caps: Capabilities }>();
  /** This worker's own connections: one lookup per agent endpoint (tests attach several). */
  private readonly locals = new Set<(deviceId: string, connectionId: string) => Capabilities | undefined>();

  constructor(private readonly workerId: string) {}

  onClaim(deviceId: string, workerId: string, connectionId: string, list: readonly string[] | undefined): void {
    if (workerId === this.workerId) return void this.remote.delete(deviceId);
    this.remote.set(deviceId, { connectionId, caps: internCapabilities(list) });
  }

  /** Adds an endpoint's lookup of its own connections; returns its removal. */
  addLocal(lookup: (deviceId: string, connectionId: string) => Capabilities | undefined): () => void {
    this.locals.add(lookup);
    return () => void this.locals.delete(lookup);
  }

  /** undefined: not known here (the holder checks). */
  lookup(deviceId: string, connectionId: string): Capabilities | undefined {
    for (const local of this.locals) {
      const own = local(deviceId, connectionId);
      if (own !== undefined) return own;
    }
    const r = this.remote.get(deviceId);
    return r && r.connectionId === connectionId ? r.caps : undefined;
  }
}

const directories = new WeakMap<Bus, { dir: CapabilityDirectory; unsubscribe: () => void }>();

/** The process's directory for this bus, listening to presence claims from its first use on. */
export function capabilityDirectory(sys: Pick<System, 'bus'>): CapabilityDirectory {
  let d = directories.get(sys.bus);
  if (!d) {
    const dir = new CapabilityDirectory(sys.bus.workerId);
    const unsubscribe = sys.bus.subscribe(PRESENCE_CHANNEL, (m) => {
      if (isPresenceClaim(m)) dir.onClaim(m.deviceId, m.workerId, m.connectionId, m.capabilities);
    });
    directories.set(sys.bus, (d = { dir, unsubscribe }));
  }
  return d.dir;
}

/** The capability the device's connection is known to lack for `frame` (sender side), or null. */
export function knownMissing(sys: Pick<System, 'bus'>, deviceId: string, connectionId: string, frame: ServerSessionFrame): string | null {
  const caps = capabilityDirectory(sys).lookup(deviceId, connectionId);
  return caps === undefined ? null : missingCapability(caps, frame);
}

/** Whether the device's connection is known not to have announced `capability` (sender side). */
export function knownWithout(sys: Pick<System, 'bus'>, deviceId: string, connectionId: string, capability: string): boolean {
  const caps = capabilityDirectory(sys).lookup(deviceId, connectionId);
  return caps !== undefined && caps !== null && !caps.has(capability);
}

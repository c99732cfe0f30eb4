/**
 * Event service: stores each event with the ids allowed to see it and publishes it on the bus.
 * OWNER: domain helper — placeholder until implemented.
 */
import type { Store } from '@meshwork/store';
import type { Bus } from '../../bus/bus.js';
import type { EventService } from '../../system.js';

export function createEventService(_store: Store, _bus: Bus, _now: () => number, _ttlMs: number): EventService {
  throw new Error('createEventService: not implemented');
}

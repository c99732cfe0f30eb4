/**
 * Browser event stream at /api/v1/events/stream (Origin + CSRF checked on upgrade).
 * OWNER: domain helper — placeholder until implemented.
 */
import type { Server } from 'node:https';
import type { System } from '../system.js';

export interface BrowserStream {
  close(): Promise<void>;
}

export function attachBrowserStream(_sys: System, _server: Server): BrowserStream {
  throw new Error('attachBrowserStream: not implemented');
}

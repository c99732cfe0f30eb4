/** Browser event stream (WebSocket at /api/v1/events/stream): frames server → browser and browser → server. */
import { z } from 'zod';
import { Event, Device } from './models.js';

export const EVENT_STREAM_PATH = '/api/v1/events/stream';
/** Largest frame a browser may send on the event stream. */
export const STREAM_MAX_FRAME = 4096;

export const StreamServerFrame = z.discriminatedUnion('type', [
  z.object({ type: z.literal('hello'), userId: z.string(), protocolVersion: z.number().int() }),
  z.object({ type: z.literal('event'), event: Event }),
  z.object({ type: z.literal('device'), device: Device }),
  z.object({ type: z.literal('deviceRemoved'), deviceId: z.string() }),
  z.object({ type: z.literal('pong'), id: z.number().int() }),
  z.object({ type: z.literal('error'), code: z.string(), message: z.string() }),
]);

export const StreamClientFrame = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ping'), id: z.number().int().min(0).max(2 ** 31) }).strict(),
]);

export type StreamServerFrame = z.infer<typeof StreamServerFrame>;
export type StreamClientFrame = z.infer<typeof StreamClientFrame>;

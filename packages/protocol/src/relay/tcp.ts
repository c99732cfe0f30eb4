/**
 * The TCP forwarding protocol over a relay: binary frames are the stream's bytes, both ways.
 * A text frame `{type: 'end'}` is a half-close (the sender will send no more bytes, like TCP FIN).
 * The agent connects to the target before it dials the relay; if it cannot, it dials anyway and
 * closes with RELAY_CLOSE_CODES.agentError and the reason (e.g. `ECONNREFUSED`).
 */
import { z } from 'zod';

export const TcpEnd = z.strictObject({ type: z.literal('end') });
export const TcpFrame = z.discriminatedUnion('type', [TcpEnd]);
export type TcpFrame = z.infer<typeof TcpFrame>;

/**
 * The terminal protocol over a relay. Binary frames carry raw pty bytes both ways (never decoded
 * by the relay, so UTF-8 split across frames is safe). Text frames carry JSON control messages:
 *
 *   user  → agent  resize {cols, rows}
 *   agent → user   exit   {code, signal}     then the agent closes with 1000
 */
import { z } from 'zod';

const Dimension = z.number().int().min(1).max(1000);
export const TerminalResize = z.strictObject({ type: z.literal('resize'), cols: Dimension, rows: Dimension });
export const TerminalExit = z.strictObject({
  type: z.literal('exit'),
  code: z.number().int().min(-1).max(255).nullable(),
  signal: z.number().int().min(0).max(128).nullable(),
});
export const TerminalUserFrame = z.discriminatedUnion('type', [TerminalResize]);
export const TerminalAgentFrame = z.discriminatedUnion('type', [TerminalExit]);
export type TerminalResize = z.infer<typeof TerminalResize>;
export type TerminalExit = z.infer<typeof TerminalExit>;
export type TerminalUserFrame = z.infer<typeof TerminalUserFrame>;
export type TerminalAgentFrame = z.infer<typeof TerminalAgentFrame>;
export const DEFAULT_TERM = 'xterm-256color';

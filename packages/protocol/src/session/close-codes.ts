/**
 * WebSocket close codes the server uses on the agent control connection. A `refused` frame (or
 * `later`) always comes first when the server closes on purpose; the code says how it ended.
 *
 *   1002 / 1007 / 1009 may also come from the WebSocket layer itself (bad framing, a text frame
 *   that is not UTF-8, a frame above the limit) — then no `refused` frame precedes them.
 *   1006 is never sent: an agent sees it when the server drops a silent socket (idle timeout) or a
 *   peer that did not finish the close handshake.
 */
export const AGENT_CLOSE_CODES = {
  /** Malformed WebSocket framing (sent by the WebSocket layer). */
  protocolError: 1002,
  /** A binary frame: the protocol is JSON text frames only (after `refused bad_message`). */
  unsupportedData: 1003,
  /** A text frame that is not valid UTF-8 (sent by the WebSocket layer). */
  invalidText: 1007,
  /** After `refused` for any code except `overloaded` and `internal`, and at the end of a hold. */
  policy: 1008,
  /** A frame or a handshake above the size limit of the current state. */
  tooBig: 1009,
  /** After `refused internal`. */
  internal: 1011,
  /** Server shutdown or restart, after `later` (or `refused overloaded` before `welcome`). */
  restart: 1012,
  /** After `refused overloaded`: admission control turned the handshake away. */
  tryAgainLater: 1013,
} as const;
export type AgentCloseCode = (typeof AGENT_CLOSE_CODES)[keyof typeof AGENT_CLOSE_CODES];

/**
 * Close codes on relay sockets. When one end closes, the server closes the other end with the
 * same code and reason (codes 1000, 1001 and 4000–4999); any other ending becomes `peerGone`.
 * Reasons are short, printable text (≤ 120 bytes) for people; programs look at the code.
 */
export const RELAY_CLOSE_CODES = {
  normal: 1000,
  goingAway: 1001,
  /** The frame is not part of the session's protocol. */
  protocolError: 1002,
  tooBig: 1009,
  /** The other end disconnected without a close handshake. */
  peerGone: 4001,
  /** The agent refused: the rights it was sent do not allow this protocol. */
  forbidden: 4003,
  /** The session's options are not acceptable to the agent. */
  badRequest: 4004,
  /** The other end did not connect within RELAY_PAIR_TIMEOUT_MS. */
  pairTimeout: 4008,
  /** The rights or the credentials behind the session were revoked while it ran. */
  revoked: 4009,
  /** The agent could not start the session (no pty, target port refused the connection, …). */
  agentError: 4011,
  /** The agent is at its limit of concurrent sessions. */
  busy: 4013,
} as const;
export type RelayCloseCode = (typeof RELAY_CLOSE_CODES)[keyof typeof RELAY_CLOSE_CODES];

/** Whether a close code passes from one end to the other unchanged. */
export function isRelayableCloseCode(code: number): boolean {
  return code === 1000 || code === 1001 || (code >= 4000 && code <= 4999);
}

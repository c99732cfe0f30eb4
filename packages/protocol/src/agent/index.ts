/** The agent control protocol: device-id rule, handshake messages, and the transcripts each side signs. */
export * from './bytes.js';
export * from './keys.js';
export * from './limits.js';
export * from './transcript.js';
export * from './handshake.js';

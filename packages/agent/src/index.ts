/** The Meshwork agent: runs on every managed device. Identity first; connection, features follow. */
export * from './identity/index.js';

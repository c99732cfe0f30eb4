export * from './session.js';
export * from './close-codes.js';
export * from './terminal.js';
export * from './files.js';
export * from './tcp.js';

export * from './inventory.js';
export * from './messages.js';
export * from './parts.js';
export * from './paths.js';
export * from './close-codes.js';
export * from './update.js';

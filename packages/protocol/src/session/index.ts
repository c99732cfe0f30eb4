export * from './inventory.js';
export * from './messages.js';

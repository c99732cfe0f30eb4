export * from './models.js';
export * from './agent-packages.js';
export * from './endpoints.js';
export * from './stream.js';
export * from './device-list.js';
export * from './agent-updates.js';

/** Wire types of every Meshwork boundary, as schemas. Runtime-neutral: no node:* imports, no DOM. */
export * from './version.js';
export * from './errors.js';
export * from './rights.js';
export * from './api/index.js';
export * from './agent/index.js';
export * from './session/index.js';
export * from './relay/index.js';
export * from './commands/index.js';
export * from './json/bounded.js';

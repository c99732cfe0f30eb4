/**
 * The Store interface and its records. The contract suite every adapter must pass is test support
 * (it imports node:test), so it is not exported here: import '@meshwork/store/contract'.
 */
export * from './records.js';
export * from './store.js';
export * from './writes.js';

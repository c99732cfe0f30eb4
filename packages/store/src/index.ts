/** The Store interface, its records, and the contract suite every adapter must pass. */
export * from './records.js';
export * from './store.js';
export { runStoreContract, type OpenedStore } from './contract.js';

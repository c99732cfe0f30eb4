/** Inventory: what the agent reports about its device, hashed so only changes are sent. */
export { collectSystem } from './system.linux.js';
export { collectSoftware } from './software.linux.js';
export { reportHash } from './hash.js';
export { Reporter, type Collectors, type ReportKind, type ReporterOptions } from './reporter.js';

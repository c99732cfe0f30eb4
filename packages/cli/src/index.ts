/** The `meshwork` command-line tool. Public API: run(argv, io) — what the executable (main.ts) calls. */
export { run, processIo, type Io } from './run.js';
export { COMMANDS } from './commands/index.js';
export { httpsTransport, type Transport, type HttpsFetchOptions } from './https-fetch.js';

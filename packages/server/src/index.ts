/** The Meshwork server. Public API: runServer (the process), openLocal (the CLI's local mode). */
export { runServer, type RunningServer } from './main.js';
export { openLocal, type LocalServer } from './local.js';
export { loadConfig, ConfigError, type ServerConfig } from './config.js';

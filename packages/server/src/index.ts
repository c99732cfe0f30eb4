/** The Meshwork server. Public API: runServer / serverMain (the process), openLocal (the CLI's local mode). */
export { runServer, serverMain, StartError, type RunningServer, type RunOptions } from './main.js';
export { openLocal, LOCAL_ADMIN_ID, type LocalServer } from './local.js';
export { loadConfig, ConfigError, type ServerConfig } from './config.js';
export { identityPaths } from './identity/identity.js';

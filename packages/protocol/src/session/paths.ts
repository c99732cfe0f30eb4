/** Where the agent control WebSocket lives on the server: `wss://HOST:PORT/agent`. */
export const AGENT_WS_PATH = '/agent';

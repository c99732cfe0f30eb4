/**
 * Server URL → agent WebSocket URL. The install file lists the server's base URLs (`https://host:port`);
 * the agent dials `wss://host:port/agent`. Plain http/ws is refused: the handshake binds the TLS
 * certificate the agent saw, so there must be one.
 */
import { AGENT_WS_PATH } from '@meshwork/protocol/session/index';

export class ServerUrlError extends Error {
  override name = 'ServerUrlError';
}

export function agentWsUrl(serverUrl: string): string {
  let u: URL;
  try {
    u = new URL(serverUrl);
  } catch {
    throw new ServerUrlError(`not a URL: ${JSON.stringify(serverUrl.slice(0, 200))}`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'wss:') {
    throw new ServerUrlError(`server URL ${u.origin} must use https (or wss): the agent only talks to the server over TLS`);
  }
  if (u.username || u.password) throw new ServerUrlError('server URLs must not carry credentials');
  const base = u.pathname.replace(/\/+$/, '');
  const path = base.endsWith(AGENT_WS_PATH) ? base : `${base}${AGENT_WS_PATH}`;
  return `wss://${u.host}${path}`;
}

/**
 * The `ws` package, loaded with require(). It is CommonJS: an ESM `import` of it makes Node's ESM
 * loader scan its source for exports (cjs-module-lexer) and keep that work in memory for the
 * agent's lifetime. Every agent module takes WebSocket from here.
 */
import { createRequire } from 'node:module';
import type WsWebSocket from 'ws';

export type { RawData } from 'ws';
export const WebSocket = createRequire(import.meta.url)('ws') as typeof WsWebSocket;
export type WebSocket = WsWebSocket;

/**
 * Typed client for the Meshwork REST API and browser event stream, derived from the endpoint
 * table in @meshwork/protocol. Runtime-neutral: runs in browsers and Node (no node:* imports).
 */
export { createClient, type Client, type ClientOptions, type CallOptions } from './client.js';
export { Prefetched, type PrefetchOptions } from './prefetch.js';
export { ApiClientError, type ApiClientErrorCode, type ClientErrorCode } from './errors.js';
export type { AreaClient, AreaClients, Area, CallRequest, FlatInput, FetchLike, FetchInit, FetchResponse } from './types.js';
export {
  openEventStream,
  eventStreamUrl,
  backoffDelay,
  DEFAULT_BACKOFF,
  type EventStream,
  type EventStreamOptions,
  type StreamStatus,
  type Backoff,
  type WebSocketLike,
  type WebSocketCtor,
} from './stream.js';
export { openRelay, relaySocketUrl, messageBytes, RelayClosedError, type RelaySocket, type RelaySocketFactory, type OpenedRelay } from './relay.js';
export { FilesClient, FilesError, type Hasher, type Progress, type TransferResult } from './relay-files.js';
export { openRunStream, runStreamUrl, type RunStream, type RunStreamOptions } from './run-stream.js';

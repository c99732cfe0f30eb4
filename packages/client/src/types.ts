/** Request shapes derived from the endpoint table, so every call is typed by the endpoint name. */
import type { EndpointName, RequestOf, ResponseOf } from '@meshwork/protocol';

type Simplify<T> = { [K in keyof T]: T[K] } & {};
type RequiredSlots<T> = { [K in keyof T]: T[K] extends undefined ? never : {} extends T[K] ? never : K }[keyof T];
type OptionalSlots<T> = { [K in keyof T]: T[K] extends undefined ? never : {} extends T[K] ? K : never }[keyof T];

/**
 * What `client.call(name, req)` takes: `{ params, query, body }` with the slots the endpoint does
 * not have left out, and slots whose fields are all optional made optional.
 */
export type CallRequest<N extends EndpointName> = Simplify<
  { [K in RequiredSlots<RequestOf<N>>]: RequestOf<N>[K] } & { [K in OptionalSlots<RequestOf<N>>]?: RequestOf<N>[K] }
>;

type Slot<T> = T extends undefined ? {} : T;
/** What the area wrappers take: path params, query and body fields in one object. */
export type FlatInput<N extends EndpointName> = Simplify<
  Slot<RequestOf<N>['params']> & Slot<RequestOf<N>['query']> & Slot<RequestOf<N>['body']>
>;

/** The argument list: optional when nothing in it is required. */
export type ArgsFor<T> = {} extends T ? [input?: T] : [input: T];

type AreaOf<N> = N extends `${infer A}.${string}` ? A : never;
export type Area = AreaOf<EndpointName>;
type ActionOf<A extends string, N = EndpointName> = N extends `${A}.${infer M}` ? M : never;
type Named<A extends string, M extends string> = `${A}.${M}` & EndpointName;

/** `client.users.list()`, `client.groups.create({ name })`, … — one method per endpoint. */
export type AreaClient<A extends Area> = {
  [M in ActionOf<A>]: (...args: ArgsFor<FlatInput<Named<A, M>>>) => Promise<ResponseOf<Named<A, M>>>;
};
export type AreaClients = { [A in Area]: AreaClient<A> };

/** The subset of `Response` the client reads; any fetch (browser, Node, in-process) provides it. */
export interface FetchResponse {
  readonly status: number;
  readonly ok: boolean;
  readonly headers: { get(name: string): string | null };
  text(): Promise<string>;
  /** Needed only for downloads (endpoints the table marks `binary`). */
  arrayBuffer?(): Promise<ArrayBuffer>;
}

export interface FetchInit {
  method: string;
  headers: Record<string, string>;
  body?: string;
  credentials?: 'omit' | 'same-origin' | 'include';
  signal?: AbortSignal;
}

export type FetchLike = (url: string, init: FetchInit) => Promise<FetchResponse>;

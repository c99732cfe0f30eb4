/** Turning an endpoint definition and a request into a URL and fetch init. Pure functions. */
import type { EndpointDef } from '@meshwork/protocol';

/** Names of the `:param` segments of a path, in order. */
export function pathParamNames(path: string): string[] {
  return [...path.matchAll(/:([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1] as string);
}

/** Substitutes `:name` segments with URL-encoded values; a missing value is a programming error. */
export function fillPath(path: string, params: Record<string, unknown> | undefined): string {
  return path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (_m, name: string) => {
    const v = params?.[name];
    if (v === undefined || v === null || v === '') throw new TypeError(`missing path parameter "${name}" for ${path}`);
    return encodeURIComponent(String(v));
  });
}

/** `?a=1&b=x` from an object; undefined and null are left out, arrays repeat the key. */
export function queryString(query: Record<string, unknown> | undefined): string {
  if (!query) return '';
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null) continue;
    for (const item of Array.isArray(v) ? (v as unknown[]) : [v]) qs.append(k, String(item));
  }
  const s = qs.toString();
  return s ? `?${s}` : '';
}

/** Joins a base URL ('' for same-origin in a browser) and an absolute API path. */
export function joinUrl(baseUrl: string, pathAndQuery: string): string {
  return baseUrl.replace(/\/+$/, '') + pathAndQuery;
}

export interface RequestParts {
  params?: Record<string, unknown>;
  query?: Record<string, unknown>;
  body?: unknown;
}

/**
 * Splits one flat object (what the area wrappers take) into params, query and body: path
 * parameters by name, the rest to the body if the endpoint has one, else to the query. When an
 * endpoint has both, the query schema's keys decide.
 */
export function splitFlat(def: EndpointDef, flat: Record<string, unknown> | undefined): RequestParts {
  const input = flat ?? {};
  const names = new Set(pathParamNames(def.path));
  const queryKeys = def.query && def.body ? new Set(shapeKeys(def.query)) : undefined;
  const params: Record<string, unknown> = {};
  const query: Record<string, unknown> = {};
  const body: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input)) {
    if (names.has(k)) params[k] = v;
    else if (queryKeys ? queryKeys.has(k) : !def.body) query[k] = v;
    else body[k] = v;
  }
  return {
    ...(names.size > 0 ? { params } : {}),
    ...(def.query ? { query } : {}),
    ...(def.body ? { body } : {}),
  };
}

/** Keys of an object schema (zod exposes them as `.shape`), without importing zod. */
function shapeKeys(schema: unknown): string[] {
  if (typeof schema !== 'object' || schema === null || !('shape' in schema)) return [];
  const shape = (schema as { shape: unknown }).shape;
  return typeof shape === 'object' && shape !== null ? Object.keys(shape) : [];
}

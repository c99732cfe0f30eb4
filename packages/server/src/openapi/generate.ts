/**
 * The OpenAPI 3.1 document, generated from the API table (packages/protocol/src/api/endpoints.ts)
 * with zod's JSON Schema output. docs/openapi.json is this document, checked in; a test keeps the
 * two byte-identical (regenerate with `npm run gen:openapi`). Served at OPENAPI_PATH.
 */
import { z } from 'zod';
import * as m from '@meshwork/protocol';
import { ERROR_CODES, PRODUCT_VERSION, endpoints, type EndpointDef, type EndpointName } from '@meshwork/protocol';

export const OPENAPI_PATH = '/api/v1/openapi.json';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

/** Models that get a name under components/schemas (everything else is inlined). */
const MODELS: Record<string, z.ZodType> = {
  ServerInfo: m.ServerInfo, User: m.User, SessionInfo: m.SessionInfo, UserGroup: m.UserGroup,
  RightsLink: m.RightsLink, DeviceGroup: m.DeviceGroup, Device: m.Device, ApiToken: m.ApiToken,
  EnrolmentToken: m.EnrolmentToken, InstallFile: m.InstallFile, Event: m.Event,
};

const registry = z.registry<{ id: string }>();
for (const [id, schema] of Object.entries(MODELS)) registry.add(schema, { id });

const ERROR_SCHEMA: JsonObject = {
  type: 'object',
  description: 'Every error response. `code` is stable (see docs/errors.md); `message` is safe to show.',
  properties: {
    code: { type: 'string', enum: Object.keys(ERROR_CODES) },
    message: { type: 'string' },
    details: { description: 'Optional machine-readable detail, e.g. the failing fields of a validation error.' },
  },
  required: ['code', 'message'],
};

/** Rewrites zod's local `#/$defs/X` references to components and collects the definitions. */
function relocate(value: Json, defs: JsonObject): Json {
  if (Array.isArray(value)) return value.map((v) => relocate(v, defs));
  if (value === null || typeof value !== 'object') return value;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === '$schema') continue;
    if (k === '$defs' && v !== null && typeof v === 'object' && !Array.isArray(v)) {
      for (const [name, d] of Object.entries(v)) defs[name] = relocate(d, defs);
      continue;
    }
    out[k] = k === '$ref' && typeof v === 'string' ? v.replace('#/$defs/', '#/components/schemas/') : relocate(v, defs);
  }
  return out;
}

function schemaOf(schema: z.ZodType, io: 'input' | 'output', defs: JsonObject): JsonObject {
  const raw = z.toJSONSchema(schema, io === 'output' ? { io, metadata: registry } : { io }) as Json;
  return relocate(raw, defs) as JsonObject;
}

function parameters(schema: z.ZodType | undefined, where: 'path' | 'query', defs: JsonObject): Json[] {
  if (!schema) return [];
  const s = schemaOf(schema, 'input', defs);
  const props = (s.properties ?? {}) as JsonObject;
  const required = new Set((s.required ?? []) as string[]);
  return Object.entries(props).map(([name, p]) => ({ name, in: where, required: where === 'path' || required.has(name), schema: p }));
}

function security(def: EndpointDef): Json[] {
  if (def.auth === 'none') return [];
  const cookie: JsonObject = def.method === 'GET' ? { sessionCookie: [] } : { sessionCookie: [], csrfToken: [] };
  return [cookie, { bearerToken: [] }];
}

function operation(name: EndpointName, def: EndpointDef, defs: JsonObject): JsonObject {
  const params = [...parameters(def.params, 'path', defs), ...parameters(def.query, 'query', defs)];
  const error = { $ref: '#/components/responses/Error' };
  const content: JsonObject = def.binary
    ? { [def.binary]: { schema: { type: 'string', format: 'binary' } } }
    : { 'application/json': { schema: schemaOf(def.response, 'output', defs) } };
  const responses: JsonObject = { '200': { description: 'Success', content } };
  if (def.params || def.query || def.body) responses['400'] = error;
  if (def.auth === 'user') Object.assign(responses, { '401': error, '403': error, '404': error });
  responses.default = error;
  return {
    operationId: name,
    summary: def.summary,
    tags: [name.split('.')[0] ?? name],
    security: security(def),
    ...(params.length ? { parameters: params } : {}),
    ...(def.body ? { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(def.body, 'input', defs) } } } } : {}),
    responses,
  };
}

/** `/api/v1/groups/:id` → `/api/v1/groups/{id}`. */
const openApiPath = (path: string): string => path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

export function generateOpenApi(): JsonObject {
  const defs: JsonObject = {};
  const paths: Record<string, JsonObject> = {};
  for (const name of Object.keys(endpoints) as EndpointName[]) {
    const def: EndpointDef = endpoints[name];
    const path = (paths[openApiPath(def.path)] ??= {});
    path[def.method.toLowerCase()] = operation(name, def, defs);
  }
  const schemas: JsonObject = { Error: ERROR_SCHEMA };
  for (const k of Object.keys(defs).sort()) schemas[k] = defs[k] ?? null;
  return {
    'x-generated': 'DO NOT EDIT. Generated from packages/protocol/src/api/endpoints.ts by `npm run gen:openapi`.',
    openapi: '3.1.0',
    info: {
      title: 'Meshwork API',
      version: PRODUCT_VERSION,
      description: 'REST API of the Meshwork server. Errors are always `{code, message}`; see docs/errors.md.',
    },
    paths,
    components: {
      schemas,
      responses: { Error: { description: 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } } },
      securitySchemes: {
        sessionCookie: { type: 'apiKey', in: 'cookie', name: 'mw_session', description: 'Login session (httpOnly, Secure, SameSite=Strict).' },
        csrfToken: { type: 'apiKey', in: 'header', name: 'x-csrf-token', description: "The session's CSRF token; required on state-changing requests." },
        bearerToken: { type: 'http', scheme: 'bearer', description: 'API token from `meshwork token create` or POST /api/v1/tokens.' },
      },
    },
  };
}

/** The document as written to docs/openapi.json. */
export const renderOpenApi = (): string => JSON.stringify(generateOpenApi(), null, 2) + '\n';

/**
 * Test support (not used by the running server): a real System over a real SQLite file in a
 * temporary directory, with the real authz, event service and in-process bus, a silent logger,
 * in-memory metrics and a freshly generated server identity. Plus seeding helpers and `call`,
 * which runs a handler the way the HTTP app does (schemas in, schema out).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { endpoints, type EndpointDef, type EndpointName, type RequestOf, type ResponseOf } from '@meshwork/protocol';
import type { DeviceGroupRecord, DeviceRecord, UserRecord } from '@meshwork/store';
import { openSqliteStore } from '@meshwork/store-sqlite';
import { createAuthz } from '../../authz/authz.js';
import { InProcessBus } from '../../bus/bus.js';
import { DEFAULTS } from '../../config.js';
import { handlers } from '../../http/handlers/index.js';
import type { RequestContext } from '../../http/handler.js';
import { PreparedJson } from '../../http/prepared-json.js';
import { FileReply } from '../../http/file-reply.js';
import { loadIdentity } from '../../identity/identity.js';
import type { Metrics, Principal, System } from '../../system.js';
import { createEventService } from '../events/service.js';
import { InProcessRelaySessions } from '../relay/registry.js';
import { createCommandService } from '../commands/service.js';
import { newGroupId, newRecordId } from '../ids.js';
import { ApiError } from '../../errors.js';
import { linkKeyFrom } from '../../agent-packages/links.js';
import { loadAgentPackages } from '../../agent-packages/registry.js';

export interface TestSystem {
  sys: System;
  dir: string;
  /** Advances the test clock (the System's `now`). */
  advance(ms: number): void;
  close(): Promise<void>;
}

export function memoryMetrics(): Metrics & { values: Map<string, number> } {
  const values = new Map<string, number>();
  const key = (n: string, l?: Record<string, string>): string => (l ? `${n}${JSON.stringify(l)}` : n);
  return {
    values,
    inc: (n, l, by = 1) => void values.set(key(n, l), (values.get(key(n, l)) ?? 0) + by),
    set: (n, v, l) => void values.set(key(n, l), v),
    render: () => [...values].map(([k, v]) => `${k} ${v}`).join('\n'),
  };
}

export interface TestSystemOptions {
  /** Agent packages to serve (a manifest.json and files); default: none. */
  agentPackagesDir?: string;
}

export async function testSystem(opts: TestSystemOptions = {}): Promise<TestSystem> {
  const dir = mkdtempSync(join(tmpdir(), 'meshwork-test-'));
  const store = await openSqliteStore(join(dir, 'meshwork.db'));
  let clock = Date.UTC(2026, 0, 1);
  const now = (): number => clock;
  const bus = new InProcessBus('test-worker', (err) => {
    throw err;
  });
  const config = { ...DEFAULTS, dataDir: dir, publicUrls: ['https://meshwork.test:8443'], agentPackagesDir: opts.agentPackagesDir ?? join(dir, 'agent-packages') };
  const identity = await loadIdentity({ dataDir: dir, names: [], tlsCert: null, tlsKey: null, now: clock });
  const log = pino({ level: 'silent' });
  const events = createEventService(store, bus, now, config.eventTtlMs);
  const agentPackages = await loadAgentPackages({ dir: config.agentPackagesDir, linkKey: linkKeyFrom(identity.agentSigningKey), now, log });
  const sys: System = {
    config,
    log,
    store,
    identity,
    bus,
    authz: createAuthz(store),
    events,
    relay: new InProcessRelaySessions(),
    commands: createCommandService({ bus, log, store, events, now }),
    agentPackages,
    metrics: memoryMetrics(),
    now,
  };
  return {
    sys,
    dir,
    advance: (ms) => void (clock += ms),
    async close() {
      sys.commands.close();
      await bus.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function addUser(sys: System, name: string, siteRights = 0): Promise<UserRecord> {
  const u: UserRecord = {
    id: newRecordId(), name, passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g', siteRights,
    disabled: false, totpSecret: null, totpPendingSecret: null, backupCodeHashes: [], createdAt: sys.now(), lastLoginAt: null,
  };
  await sys.store.createUser(u);
  return u;
}

export const principalOf = (user: UserRecord): Principal => ({ user, via: 'token', tokenId: 'test-token' });

/** The enrolment key addGroup gives a group (derived from its id, so tests need not look it up). */
export const testEnrolmentKey = (groupId: string): string => `mwk_${createHash('sha256').update(groupId).digest('hex')}`;

/** A login session of `user` that logged in just now (what credential changes need). */
export const sessionOf = (sys: System, user: UserRecord): Principal =>
  ({ user, via: 'session', sessionId: 'test-session', csrfToken: 'test-csrf', authAt: sys.now() });

export async function addGroup(sys: System, name: string, links: Array<{ subjectId: string; kind?: 'user' | 'userGroup'; rights: number }> = []): Promise<DeviceGroupRecord> {
  const g: DeviceGroupRecord = { id: newGroupId(), name, description: '', createdAt: sys.now() };
  await sys.store.createDeviceGroup(g);
  await sys.store.setGroupEnrolmentKey(g.id, testEnrolmentKey(g.id), sys.now());
  for (const l of links) await sys.store.setRightsLink({ groupId: g.id, subjectId: l.subjectId, subjectKind: l.kind ?? 'user', rights: l.rights >>> 0 });
  return g;
}

export async function addDevice(sys: System, groupId: string, name: string, extra: Partial<DeviceRecord> = {}): Promise<DeviceRecord> {
  const d: DeviceRecord = {
    id: randomBytes(48).toString('hex'), groupId, name, tags: [], notes: '', os: 'Linux', info: {}, infoHash: null,
    lastSeen: null, createdAt: sys.now(), ...extra,
  };
  await sys.store.upsertDevice(d);
  return d;
}

export async function addUserGroup(sys: System, name: string, memberIds: string[]): Promise<string> {
  const id = newRecordId();
  await sys.store.createUserGroup({ id, name, description: '', createdAt: sys.now() });
  for (const m of memberIds) await sys.store.addUserGroupMember(id, m);
  return id;
}

export type CallInput<N extends EndpointName> = Partial<RequestOf<N>>;

/** Runs the handler of endpoint `name` as the HTTP app would: inputs parsed, the output checked. */
export async function call<N extends EndpointName>(sys: System, name: N, principal: Principal | null, input: CallInput<N> = {}): Promise<ResponseOf<N>> {
  const def: EndpointDef = endpoints[name];
  const parse = (schema: EndpointDef['params'], v: unknown): unknown => (schema ? schema.parse(v ?? {}) : undefined);
  const ctx = {
    sys,
    params: parse(def.params, input.params),
    query: parse(def.query, input.query),
    body: def.body ? def.body.parse(input.body) : undefined,
    // A fresh principal object per call, as the app authenticates each request anew (authz
    // memoises a principal's rights per principal object).
    principal: principal && { ...principal },
    ip: '127.0.0.1',
    userAgent: 'meshwork-test',
    cookies: {},
    reply: { setCookie: () => {}, clearCookie: () => {} },
  } as unknown as RequestContext<N>;
  const h = handlers[name] as unknown as (c: RequestContext<N>) => Promise<unknown>;
  const out = await h(ctx);
  // A download: its bytes (what the app streams).
  if (out instanceof FileReply) return new Uint8Array(Buffer.concat(await out.stream.toArray() as Buffer[])) as ResponseOf<N>;
  // A prepared answer (a cached list) was checked when it was made: its JSON is what the app sends.
  return (out instanceof PreparedJson ? JSON.parse(out.json.toString('utf8')) : def.response.parse(out)) as ResponseOf<N>;
}

/** Waits until queued bus deliveries (microtasks) have run. */
export const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The ApiError code a call fails with, or 'ok' when it succeeds; any other error is rethrown. */
export async function errorCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiError) return e.code;
    throw e;
  }
  return 'ok';
}

/**
 * Agent self-update on the server, with in-process test agents over a real HTTPS server: who is
 * offered what (capability, platform, version, group policy, canary release, earlier failures),
 * the offer's signature and link, pacing, updateStatus frames (stored, events, validated,
 * rate-limited), retry, and the REST views. The agent's side is faked here (it answers with
 * statuses); the real executable's update is tested end to end by test/ (lead).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import { rmSync } from 'node:fs';
import {
  challengeBytes, GROUP_FULL, GROUP_RIGHTS, ServerChallenge, ServerRefused, ServerUpdate, updateOfferTranscript,
  type AgentInfo, type AgentUpdateStatus, type UpdateState,
} from '@meshwork/protocol';
import type { DeviceGroupRecord, UserRecord } from '@meshwork/store';
import { writeFakePackages } from '../../agent-packages/testing.js';
import { eventually, startAgentServer, type AgentServer } from '../../ws/agent/testing/agent-server.js';
import { handshake, newAgentKey, testInfo, type AgentKey, type AgentSocket } from '../../ws/agent/testing/test-agent.js';
import { addGroup, addUser, call, errorCode, principalOf, testEnrolmentKey, testSystem, type TestSystem } from '../testkit/system.js';
import { AGENT_UPDATE_EVENT } from './events.js';
import { RELEASE_CACHE_MS } from './release.js';

interface Agent {
  key: AgentKey;
  sock: AgentSocket;
  serverPublicKey: Uint8Array;
}

const typeOf = (f: unknown): unknown => (f as { type?: unknown } | null)?.type;
const updatesIn = (sock: AgentSocket): ServerUpdate[] => sock.frames.filter((f) => typeOf(f) === 'update').map((f) => ServerUpdate.parse(f));
const status = (version: string, state: UpdateState, error?: string): AgentUpdateStatus => ({ type: 'updateStatus', version, state, ...(error ? { error } : {}) });

describe('agent self-update (server)', () => {
  let t: TestSystem;
  let srv: AgentServer;
  let packagesDir: string;
  let admin: UserRecord;
  let viewer: UserRecord;
  let group: DeviceGroupRecord;
  const open: AgentSocket[] = [];

  before(async () => {
    packagesDir = writeFakePackages([{ platform: 'linux-x64', version: '0.2.0' }, { platform: 'linux-arm64', version: '0.2.0' }]);
    t = await testSystem({ agentPackagesDir: packagesDir });
    srv = await startAgentServer(t.sys, { updateGraceMs: 0, updateConcurrency: 2, updateStatusPerMinute: 12 });
    admin = await addUser(t.sys, 'admin');
    viewer = await addUser(t.sys, 'viewer');
    group = await addGroup(t.sys, 'Fleet', [{ subjectId: admin.id, rights: GROUP_FULL }, { subjectId: viewer.id, rights: GROUP_RIGHTS.chat }]);
  });

  after(async () => {
    for (const s of open) s.ws.terminate();
    await srv.close();
    await t.close();
    rmSync(packagesDir, { recursive: true, force: true });
  });

  async function connect(g: DeviceGroupRecord, info: Partial<AgentInfo> = {}, key?: AgentKey): Promise<Agent> {
    const k = key ?? (await newAgentKey());
    const h = await handshake(srv.base, k, testInfo({ enrolmentKey: testEnrolmentKey(g.id), agentVersion: '0.1.0', capabilities: ['self-update'], ...info }));
    assert.equal(typeOf(h.result), 'welcome', JSON.stringify(h.result));
    open.push(h.sock);
    return { key: k, sock: h.sock, serverPublicKey: challengeBytes(ServerChallenge.parse(h.challenge)).serverPublicKey };
  }

  /** Waits until the device's queued update work is done, then lets the socket deliver. */
  async function settled(a: Agent): Promise<void> {
    await srv.endpoint.updates.idle(a.key.deviceId);
    await new Promise((r) => setTimeout(r, 30));
    await srv.endpoint.updates.idle(a.key.deviceId);
  }

  async function offerTo(a: Agent): Promise<ServerUpdate> {
    await eventually(() => updatesIn(a.sock).length > 0, 'an update offer');
    const u = updatesIn(a.sock)[0];
    assert.ok(u);
    return u;
  }

  async function report(a: Agent, s: AgentUpdateStatus): Promise<void> {
    a.sock.send(s);
    await eventually(async () => (await t.sys.store.getAgentUpdate(a.key.deviceId))?.state === s.state, `state ${s.state}`);
    await settled(a);
  }

  async function disconnect(a: Agent): Promise<void> {
    a.sock.ws.close();
    await a.sock.closed;
    await eventually(async () => (await t.sys.store.getPresence(a.key.deviceId)) === null, 'offline');
  }

  const events = async (deviceId: string) =>
    (await t.sys.store.listEvents({ deviceId, type: AGENT_UPDATE_EVENT, limit: 100 })).map((e) => e.data['state']).reverse();

  it('offers the package of its platform, signed by the agent-signing key, with a working download link', async () => {
    const a = await connect(group);
    const u = await offerTo(a);
    const pkg = t.sys.agentPackages.get('linux-x64');
    assert.ok(pkg);
    assert.deepEqual(
      { deviceId: u.offer.deviceId, platform: u.offer.platform, version: u.offer.version, sha256: u.offer.sha256, size: u.offer.size },
      { deviceId: a.key.deviceId, platform: 'linux-x64', version: '0.2.0', sha256: pkg.sha256, size: pkg.size },
    );
    assert.ok(u.offer.expiresAt > u.offer.issuedAt);
    const key = createPublicKey({ key: Buffer.from(a.serverPublicKey), format: 'der', type: 'spki' });
    assert.equal(verify('sha256', updateOfferTranscript(u.offer), { key, dsaEncoding: 'der' }, Buffer.from(u.signature, 'base64')), true);
    // Any change to the offer breaks the signature.
    assert.equal(verify('sha256', updateOfferTranscript({ ...u.offer, sha256: 'f'.repeat(64) }), { key, dsaEncoding: 'der' }, Buffer.from(u.signature, 'base64')), false);
    const url = new URL(u.offer.url, 'https://x');
    assert.equal(url.pathname, '/api/v1/agent/packages/linux-x64');
    assert.equal(t.sys.agentPackages.checkLink('linux-x64', url.searchParams.get('link') ?? ''), true);
    await settled(a);
    const row = await t.sys.store.getAgentUpdate(a.key.deviceId);
    assert.deepEqual({ version: row?.version, platform: row?.platform, target: row?.target, state: row?.state }, { version: '0.1.0', platform: 'linux-x64', target: '0.2.0', state: 'offered' });
    await disconnect(a);
  });

  it('records every step with an event; the agent back on the new version is not offered it again', async () => {
    const a = await connect(group);
    await offerTo(a);
    for (const s of ['downloading', 'verifying', 'installing', 'restarting'] as const) await report(a, status('0.2.0', s));
    await disconnect(a);
    const b = await connect(group, { agentVersion: '0.2.0' }, a.key);
    await report(b, status('0.2.0', 'updated'));
    assert.equal(updatesIn(b.sock).length, 0);
    const row = await t.sys.store.getAgentUpdate(a.key.deviceId);
    assert.deepEqual({ version: row?.version, state: row?.state, error: row?.error }, { version: '0.2.0', state: 'updated', error: null });
    assert.deepEqual(await events(a.key.deviceId), ['offered', 'downloading', 'verifying', 'installing', 'restarting', 'updated']);
    const list = await call(t.sys, 'agentUpdates.list', principalOf(admin), { query: {} });
    const mine = list.find((v) => v.deviceId === a.key.deviceId);
    assert.deepEqual({ version: mine?.version, target: mine?.target, state: mine?.state, blocked: mine?.blocked }, { version: '0.2.0', target: '0.2.0', state: 'updated', blocked: [] });
    await disconnect(b);
  });

  it('offers nothing without the capability, on a platform without a package, or when the group policy is off', async () => {
    const quiet = await connect(group, { capabilities: ['terminal'] });
    const older = await connect(group, { capabilities: undefined });
    const armv7 = await connect(group, { arch: 'arm' });
    const current = await connect(group, { agentVersion: '0.2.0' });
    const offGroup = await addGroup(t.sys, 'Frozen', [{ subjectId: admin.id, rights: GROUP_FULL }]);
    const view = await call(t.sys, 'groups.update', principalOf(admin), { params: { id: offGroup.id }, body: { agentUpdates: 'off' } });
    assert.equal(view.agentUpdates, 'off');
    const frozen = await connect(offGroup);
    for (const a of [quiet, older, armv7, current, frozen]) await settled(a);
    for (const a of [quiet, older, armv7, current, frozen]) assert.equal(updatesIn(a.sock).length, 0);
    // Their versions are still known (the device page shows them).
    assert.equal((await t.sys.store.getAgentUpdate(armv7.key.deviceId))?.version, '0.1.0');
    assert.equal((await t.sys.store.getAgentUpdate(armv7.key.deviceId))?.platform, 'linux-armv7l');
    // Only editGroup may set the policy.
    assert.equal(await errorCode(call(t.sys, 'groups.update', principalOf(viewer), { params: { id: group.id }, body: { agentUpdates: 'off' } })), 'forbidden');
    for (const a of [quiet, older, armv7, current, frozen]) await disconnect(a);
  });

  it('never offers again a version that failed or rolled back on the device, until a retry', async () => {
    const a = await connect(group);
    await offerTo(a);
    await report(a, status('0.2.0', 'downloading'));
    await report(a, status('0.2.0', 'failed', 'sha256 mismatch'));
    await disconnect(a);
    const b = await connect(group, {}, a.key);
    await settled(b);
    assert.equal(updatesIn(b.sock).length, 0);
    const [listed] = (await call(t.sys, 'agentUpdates.list', principalOf(admin), { query: { groupId: group.id } })).filter((v) => v.deviceId === a.key.deviceId);
    assert.deepEqual({ state: listed?.state, error: listed?.error, blocked: listed?.blocked }, { state: 'failed', error: 'sha256 mismatch', blocked: ['0.2.0'] });
    assert.equal(await errorCode(call(t.sys, 'devices.retryAgentUpdate', principalOf(viewer), { params: { id: a.key.deviceId } })), 'forbidden');
    const retried = await call(t.sys, 'devices.retryAgentUpdate', principalOf(admin), { params: { id: a.key.deviceId } });
    assert.deepEqual(retried.blocked, []);
    // The live connection is considered again at once.
    await offerTo(b);
    assert.deepEqual((await events(a.key.deviceId)).slice(-3), ['failed', 'retry', 'offered']);
    await disconnect(b);
  });

  it('does not re-offer to an agent back from a restart on its old version (rollback): its report blocks the version', async () => {
    const a = await connect(group);
    await offerTo(a);
    await report(a, status('0.2.0', 'restarting'));
    await disconnect(a);
    const b = await connect(group, {}, a.key); // still 0.1.0: the new one did not come up
    await settled(b);
    assert.equal(updatesIn(b.sock).length, 0);
    await report(b, status('0.2.0', 'rolled-back', 'no welcome within 120 s'));
    await disconnect(b);
    const c = await connect(group, {}, a.key);
    await settled(c);
    assert.equal(updatesIn(c.sock).length, 0);
    await disconnect(c);
  });

  it('canary: `all` groups wait until a canary device updated; a canary failure holds the version', async () => {
    const canary = await addGroup(t.sys, 'Canary', [{ subjectId: admin.id, rights: GROUP_FULL }]);
    await call(t.sys, 'groups.update', principalOf(admin), { params: { id: canary.id }, body: { agentUpdates: 'canary' } });
    // The canary group has no devices yet: `all` is not held back.
    const early = await connect(group);
    await offerTo(early);
    await disconnect(early);
    t.advance(RELEASE_CACHE_MS); // the verdict is kept that long
    const c1 = await connect(canary);
    const waiting = await connect(group);
    await offerTo(c1);
    await settled(waiting);
    assert.equal(updatesIn(waiting.sock).length, 0, 'an `all` group waits for the canary');
    await report(c1, status('0.2.0', 'restarting'));
    await disconnect(c1);
    const c1b = await connect(canary, { agentVersion: '0.2.0' }, c1.key);
    await report(c1b, status('0.2.0', 'updated'));
    // Released: the connected fleet is reconsidered without waiting for a reconnect.
    await offerTo(waiting);
    await disconnect(waiting);
    // A second canary device rolls back: the version is held for `all` groups again.
    const c2 = await connect(canary);
    await offerTo(c2);
    await report(c2, status('0.2.0', 'rolled-back', 'no welcome'));
    const held = await connect(group);
    await settled(held);
    assert.equal(updatesIn(held.sock).length, 0);
    // A policy change reconsiders connected agents: with the canary group off, `all` is no longer held.
    await call(t.sys, 'groups.update', principalOf(admin), { params: { id: canary.id }, body: { agentUpdates: 'off' } });
    await offerTo(held);
    for (const a of [c1b, c2, held]) await disconnect(a);
  });

  it('paces offers: at most `concurrency` in flight; the next goes when one restarts or disconnects', async () => {
    const agents = [await connect(group), await connect(group), await connect(group), await connect(group)];
    for (const a of agents) await settled(a);
    const offered = (): Agent[] => agents.filter((a) => updatesIn(a.sock).length > 0);
    assert.equal(offered().length, 2);
    assert.equal(srv.endpoint.updates.inFlightCount, 2);
    assert.equal(srv.endpoint.updates.waitingCount, 2);
    const [first, second] = offered();
    assert.ok(first && second);
    await report(first, status('0.2.0', 'downloading'));
    assert.equal(offered().length, 2, 'downloading keeps the slot');
    await report(first, status('0.2.0', 'restarting'));
    await eventually(() => offered().length === 3, 'a third offer');
    await disconnect(second);
    await eventually(() => offered().length === 4, 'the fourth offer');
    for (const a of agents) if (a !== second) await disconnect(a);
    await eventually(() => srv.endpoint.updates.inFlightCount === 0 && srv.endpoint.updates.waitingCount === 0, 'no offer left in flight');
  });

  it('refuses a malformed updateStatus and more than the allowed number per minute', async () => {
    const a = await connect(group, { capabilities: ['terminal'] });
    a.sock.send({ type: 'updateStatus', version: '../../etc', state: 'updated' });
    await eventually(() => a.sock.frames.some((f) => typeOf(f) === 'refused'), 'a refusal');
    assert.equal(ServerRefused.parse(a.sock.frames.find((f) => typeOf(f) === 'refused')).code, 'bad_message');
    await a.sock.closed;
    const b = await connect(group, { capabilities: ['terminal'] }, a.key);
    for (let i = 0; i < 13; i++) b.sock.send(status('0.2.0', 'downloading'));
    await eventually(() => b.sock.frames.some((f) => typeOf(f) === 'refused'), 'a refusal');
    assert.equal(ServerRefused.parse(b.sock.frames.find((f) => typeOf(f) === 'refused')).code, 'rate_limited');
  });

  it('lists only devices of groups where the caller holds deviceDetails', async () => {
    const a = await connect(group, { capabilities: ['terminal'] });
    await settled(a);
    const mine = await call(t.sys, 'agentUpdates.list', principalOf(admin), { query: {} });
    assert.ok(mine.some((v) => v.deviceId === a.key.deviceId));
    assert.deepEqual(await call(t.sys, 'agentUpdates.list', principalOf(viewer), { query: {} }), []);
    assert.equal(await errorCode(call(t.sys, 'agentUpdates.list', principalOf(viewer), { query: { groupId: group.id } })), 'forbidden');
    const one = await call(t.sys, 'agentUpdates.list', principalOf(admin), { query: { deviceId: a.key.deviceId } });
    assert.deepEqual(one.map((v) => [v.deviceId, v.version, v.platform]), [[a.key.deviceId, '0.1.0', 'linux-x64']]);
    assert.equal(await errorCode(call(t.sys, 'agentUpdates.list', principalOf(viewer), { query: { deviceId: a.key.deviceId } })), 'forbidden');
    await disconnect(a);
  });
});

describe('agent self-update (server): an offer without an answer', () => {
  it('frees its slot after updateTimeoutMs, and the next waiting agent is offered', async () => {
    const dir = writeFakePackages([{ platform: 'linux-x64', version: '0.2.0' }]);
    const t = await testSystem({ agentPackagesDir: dir });
    const srv = await startAgentServer(t.sys, { updateGraceMs: 0, updateConcurrency: 1, updateTimeoutMs: 300 });
    const group = await addGroup(t.sys, 'Fleet');
    const socks: AgentSocket[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        const h = await handshake(srv.base, await newAgentKey(), testInfo({ enrolmentKey: testEnrolmentKey(group.id), agentVersion: '0.1.0', capabilities: ['self-update'] }));
        assert.equal(typeOf(h.result), 'welcome');
        socks.push(h.sock);
      }
      await eventually(() => socks.filter((s) => updatesIn(s).length > 0).length === 1 && srv.endpoint.updates.waitingCount === 1, 'one offer, one waiting');
      // The first agent never answers: after the timeout the second is offered.
      await eventually(() => socks.every((s) => updatesIn(s).length === 1), 'the second offer after the timeout');
    } finally {
      for (const s of socks) s.ws.terminate();
      await srv.close();
      await t.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('agent self-update (server): two endpoints on one bus, as two workers', () => {
  it('a retry reaches the endpoint that holds the device; each endpoint paces its own offers', async () => {
    const dir = writeFakePackages([{ platform: 'linux-arm64', version: '0.2.0' }]);
    const t = await testSystem({ agentPackagesDir: dir });
    const one = await startAgentServer(t.sys, { updateGraceMs: 0, updateConcurrency: 1 });
    const two = await startAgentServer(t.sys, { updateGraceMs: 0, updateConcurrency: 1, clearStalePresence: false });
    const admin = await addUser(t.sys, 'admin');
    const group = await addGroup(t.sys, 'Fleet', [{ subjectId: admin.id, rights: GROUP_FULL }]);
    const socks: AgentSocket[] = [];
    const info = testInfo({ enrolmentKey: testEnrolmentKey(group.id), agentVersion: '0.1.0', arch: 'arm64', capabilities: ['self-update'] });
    try {
      const key = await newAgentKey();
      const a = await handshake(two.base, key, info);
      socks.push(a.sock);
      await eventually(() => updatesIn(a.sock).length === 1, 'the first offer');
      a.sock.send(status('0.2.0', 'failed', 'disk full'));
      await eventually(async () => (await t.sys.store.getAgentUpdate(key.deviceId))?.state === 'failed', 'failed');
      // Another device on the other endpoint: its own slot (one each).
      const b = await handshake(one.base, await newAgentKey(), info);
      socks.push(b.sock);
      await eventually(() => updatesIn(b.sock).length === 1, 'an offer on the other endpoint');
      await call(t.sys, 'devices.retryAgentUpdate', principalOf(admin), { params: { id: key.deviceId } });
      await eventually(() => updatesIn(a.sock).length === 2, 'the offer again, from the endpoint holding the device');
      assert.equal(updatesIn(b.sock).length, 1);
    } finally {
      for (const s of socks) s.ws.terminate();
      await one.close();
      await two.close();
      await t.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

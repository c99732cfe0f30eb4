/**
 * Commands, power and wake through the real handlers, bus, registry and agent-side relay, with
 * fake agent connections (the socket layer is covered by test/commands-e2e.test.ts).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GROUP_FULL, GROUP_RIGHTS, type AgentCommandFrame, type ServerCommandFrame, type ServerSessionFrame, type SystemInventory } from '@meshwork/protocol';
import type { DeviceRecord, UserRecord } from '@meshwork/store';
import { ApiError } from '../../errors.js';
import { addDevice, addGroup, addUser, call, principalOf, settle, testSystem, type TestSystem } from '../testkit/system.js';
import { internCapabilities, missingCapability, type Capabilities } from '../agents/capabilities.js';
import { AgentCommandRelay, type CommandConnection } from './agent-side.js';
import { runOutputAudience } from '../../authz/runs.js';

class FakeAgent implements CommandConnection {
  readonly frames: ServerSessionFrame[] = [];
  live = true;
  /** What the agent announced (null: nothing, not checked). */
  capabilities: Capabilities = null;
  constructor(
    readonly deviceId: string,
    readonly connectionId: string,
    /** Answers, as the real agent would (set per test). */
    public answer: ((f: ServerCommandFrame) => AgentCommandFrame | null) | null = null,
  ) {}

  deliver(frame: ServerSessionFrame): boolean {
    if (!this.live) return false;
    this.frames.push(frame);
    const reply = frame.type === 'run' || frame.type === 'power' || frame.type === 'wake' ? this.answer?.(frame) : null;
    if (reply && relay) setImmediate(() => relay?.onFrame(this, reply));
    return true;
  }

  lacks(frame: ServerSessionFrame): string | null {
    return missingCapability(this.capabilities, frame);
  }
}

let relay: AgentCommandRelay | null = null;

/** Lets queued bus deliveries and store work run (no clock involved). */
async function until(check: () => Promise<boolean> | boolean): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (await check()) return;
    await settle();
  }
  assert.fail('condition not reached');
}

const codeOf = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
    return 'ok';
  } catch (e) {
    if (e instanceof ApiError) return e.code;
    throw e;
  }
};

function inventory(addresses: string[], mac: string | null): SystemInventory {
  return {
    hostname: 'h', os: { name: 'Linux', version: '1', kernel: '6', platform: 'linux' }, arch: 'x64', cpu: { model: 'c', cores: 1 },
    memory: { totalBytes: 1, freeBytes: 1 }, disks: [], network: [{ name: 'eth0', mac, addresses }], users: [], bootTime: null, agentVersion: '0.1.0',
  };
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');

describe('commands, power and wake (handlers → bus → agent side → registry)', () => {
  let t: TestSystem;
  let alice: UserRecord;
  let bob: UserRecord;
  let a: DeviceRecord;
  let b: DeviceRecord;
  let c: DeviceRecord;
  let groupId: string;
  const agents: FakeAgent[] = [];

  before(async () => {
    t = await testSystem();
    const { sys } = t;
    alice = await addUser(sys, 'alice');
    bob = await addUser(sys, 'bob');
    const g = await addGroup(sys, 'fleet', [{ subjectId: alice.id, rights: GROUP_FULL }, { subjectId: bob.id, rights: GROUP_RIGHTS.runCommands }]);
    groupId = g.id;
    a = await addDevice(sys, g.id, 'alpha', { info: { system: inventory(['192.0.2.2/24'], '02:00:00:00:00:0a') } });
    b = await addDevice(sys, g.id, 'bravo', { info: { system: inventory(['10.0.0.2/24'], '02:00:00:00:00:0b') } });
    c = await addDevice(sys, g.id, 'charlie', { info: { system: inventory(['192.0.2.30/24', 'fd00::30/64'], '02:00:00:00:00:0c') } });
    for (const [d, conn] of [[a, 'conn-a'], [b, 'conn-b']] as const) {
      await sys.store.setPresence({ deviceId: d.id, workerId: sys.bus.workerId, connectionId: conn, connectedAt: sys.now(), remoteAddress: '127.0.0.1' });
      agents.push(new FakeAgent(d.id, conn));
    }
    relay = new AgentCommandRelay(sys, (deviceId, connectionId) => agents.find((x) => x.deviceId === deviceId && x.connectionId === connectionId));
    relay.start();
  });
  after(async () => {
    relay?.stop();
    await t.close();
  });

  const agentOf = (d: DeviceRecord): FakeAgent => agents.find((x) => x.deviceId === d.id) as FakeAgent;

  it('runs a command on a group: online agents get the frame, output and exits come back, results are events', async () => {
    const { sys } = t;
    const created = await call(sys, 'runs.create', principalOf(alice), { body: { groupId, command: ['echo', 'hi there'], timeoutSeconds: 5 } });
    assert.deepEqual(created.devices.map((d) => [d.name, d.state]).sort(), [['alpha', 'sent'], ['bravo', 'sent'], ['charlie', 'offline']]);
    await until(() => agentOf(a).frames.length === 1 && agentOf(b).frames.length === 1);
    const frame = agentOf(a).frames[0];
    assert.ok(frame?.type === 'run');
    assert.deepEqual(frame.argv, ['echo', 'hi there']);
    assert.equal(frame.timeoutMs, 5000);
    assert.equal(frame.maxOutputBytes, 1024 * 1024);

    const r = relay as AgentCommandRelay;
    r.onFrame(agentOf(a), { type: 'runOutput', runId: created.runId, stream: 'stdout', data: b64('hi there\n') });
    // Bravo may not speak for alpha's run, nor for a run it never got.
    r.onFrame(agentOf(b), { type: 'runOutput', runId: 'forgedforgedforgedforg', stream: 'stdout', data: b64('forged') });
    r.onFrame(agentOf(a), { type: 'runExit', runId: created.runId, exitCode: 0, signal: null, timedOut: false, truncated: false, error: null, durationMs: 4 });
    r.onFrame(agentOf(b), { type: 'runOutput', runId: created.runId, stream: 'stderr', data: b64('bad\n') });
    r.onFrame(agentOf(b), { type: 'runExit', runId: created.runId, exitCode: 7, signal: null, timedOut: false, truncated: false, error: null, durationMs: 5 });
    await until(async () => (await call(sys, 'runs.get', principalOf(alice), { params: { id: created.runId } })).done);

    const view = await call(sys, 'runs.get', principalOf(alice), { params: { id: created.runId } });
    const byName = new Map(view.devices.map((d) => [d.name, d]));
    assert.equal(byName.get('alpha')?.state, 'exited');
    assert.equal(byName.get('alpha')?.exitCode, 0);
    assert.equal(byName.get('alpha')?.stdout, 'hi there\n');
    assert.equal(byName.get('bravo')?.exitCode, 7);
    assert.equal(byName.get('bravo')?.stderr, 'bad\n');
    assert.equal(byName.get('bravo')?.stdout, '');
    assert.equal(byName.get('charlie')?.state, 'offline');
    assert.equal(await codeOf(call(sys, 'runs.get', principalOf(bob), { params: { id: created.runId } })), 'not_found', "another user's run");

    await until(async () => (await sys.store.listEvents({ type: 'run.result', limit: 10 })).length === 2);
    const results = await sys.store.listEvents({ type: 'run.result', limit: 10 });
    const alpha = results.find((e) => e.deviceId === a.id);
    assert.equal(alpha?.actorId, alice.id);
    assert.equal(alpha?.data['exitCode'], 0);
    assert.equal(alpha?.data['stdout'], 'hi there\n');
    // Output is for the starter, site admins and runCommands holders only (authz/runs.ts), not the group's audience.
    assert.deepEqual([...(alpha?.visibleTo ?? [])].sort(), [alice.id, runOutputAudience(groupId)].sort());
    const started = await sys.store.listEvents({ type: 'run.started', limit: 10 });
    assert.match(started[0]?.message ?? '', /alice ran echo 'hi there' on 3 devices/);
  });

  it('a closed connection leaves its runs lost', async () => {
    const { sys } = t;
    const created = await call(sys, 'runs.create', principalOf(bob), { body: { deviceIds: [b.id], script: 'sleep 30' } });
    await until(() => agentOf(b).frames.some((f) => f.type === 'run' && f.runId === created.runId));
    (relay as AgentCommandRelay).onClosed(agentOf(b));
    await until(async () => (await call(sys, 'runs.get', principalOf(bob), { params: { id: created.runId } })).done);
    const view = await call(sys, 'runs.get', principalOf(bob), { params: { id: created.runId } });
    assert.equal(view.devices[0]?.state, 'lost');
    assert.equal(view.script, 'sleep 30');
  });

  it('refuses a command too long for one frame, and users without runCommands', async () => {
    const { sys } = t;
    const huge = Array.from({ length: 200 }, () => '\u0001'.repeat(60));
    assert.equal(await codeOf(call(sys, 'runs.create', principalOf(alice), { body: { deviceIds: [a.id], command: ['echo', ...huge] } })), 'validation_failed');
    const carol = await addUser(sys, 'carol');
    await sys.store.setRightsLink({ groupId, subjectId: carol.id, subjectKind: 'user', rights: GROUP_RIGHTS.powerActions });
    assert.equal(await codeOf(call(sys, 'runs.create', principalOf(carol), { body: { deviceIds: [a.id], command: ['id'] } })), 'forbidden');
    assert.equal(await codeOf(call(sys, 'devices.wake', principalOf(carol), { params: { id: c.id } })), 'forbidden');
  });

  it('power: the agent confirms, the timeline and the audit event record it; offline and failures are reported', async () => {
    const { sys } = t;
    agentOf(a).answer = (f) => (f.type === 'power' ? { type: 'powerResult', requestId: f.requestId, action: f.action, ok: true, message: 'done' } : null);
    const r = await call(sys, 'devices.power', principalOf(alice), { params: { id: a.id }, body: { action: 'reboot' } });
    assert.deepEqual(r, { deviceId: a.id, action: 'reboot', result: 'ok', message: 'done' });
    const timeline = await sys.store.listTimeline(a.id, 0);
    assert.deepEqual(timeline.map((x) => [x.state, x.detail]), [['reboot', 'reboot by alice']]);
    const audit = await sys.store.listEvents({ type: 'device.power', limit: 5 });
    assert.equal(audit[0]?.actorId, alice.id);
    assert.deepEqual(audit[0]?.data, { action: 'reboot' });

    agentOf(a).answer = (f) => (f.type === 'power' ? { type: 'powerResult', requestId: f.requestId, action: f.action, ok: false, message: 'systemctl: not allowed' } : null);
    assert.equal((await call(sys, 'devices.power', principalOf(alice), { params: { id: a.id }, body: { action: 'sleep' } })).result, 'failed');
    assert.equal((await sys.store.listTimeline(a.id, 0)).length, 1, 'no timeline entry for a failure');

    agentOf(a).live = false; // presence still names it, but the socket is gone
    const gone = await call(sys, 'devices.power', principalOf(alice), { params: { id: a.id }, body: { action: 'shutdown' } });
    assert.equal(gone.result, 'no_answer');
    agentOf(a).live = true;
    assert.equal(await codeOf(call(sys, 'devices.power', principalOf(alice), { params: { id: c.id }, body: { action: 'reboot' } })), 'device_offline');
    assert.equal(await codeOf(call(sys, 'devices.power', principalOf(bob), { params: { id: a.id }, body: { action: 'reboot' } })), 'forbidden');
  });

  it('wake: only an online agent in the same subnet is asked, for the right MAC and broadcast address', async () => {
    const { sys } = t;
    agentOf(a).answer = (f) => (f.type === 'wake' ? { type: 'wakeResult', requestId: f.requestId, ok: true, sent: 2, message: 'sent 2 magic packets' } : null);
    const before = agentOf(b).frames.length;
    const r = await call(sys, 'devices.wake', principalOf(alice), { params: { id: c.id } });
    assert.deepEqual(r.macs, ['02:00:00:00:00:0c']);
    assert.deepEqual(r.agents.map((x) => [x.name, x.result]), [['alpha', 'sent']]);
    const frame = agentOf(a).frames.at(-1);
    assert.ok(frame?.type === 'wake');
    assert.deepEqual(frame.macs, ['02:00:00:00:00:0c']);
    assert.deepEqual(frame.targets, [{ address: '192.0.2.255', port: 9 }, { address: '192.0.2.255', port: 7 }]);
    assert.equal(agentOf(b).frames.length, before, 'bravo is on another network');
    const audit = await sys.store.listEvents({ type: 'device.wake', limit: 5 });
    assert.equal(audit[0]?.actorId, alice.id);

    assert.equal(await codeOf(call(sys, 'devices.wake', principalOf(alice), { params: { id: a.id } })), 'conflict', 'online');
    const bare = await addDevice(sys, groupId, 'no-inventory');
    assert.equal(await codeOf(call(sys, 'devices.wake', principalOf(alice), { params: { id: bare.id } })), 'conflict', 'no MAC known');
    assert.equal(await codeOf(call(sys, 'devices.wake', principalOf(bob), { params: { id: c.id } })), 'forbidden', 'no wake right');
  });

  it('an agent that did not announce a capability is never sent its frames: 409 not_supported, a run fails', async () => {
    const { sys } = t;
    const agent = agentOf(a);
    agent.capabilities = internCapabilities(['inventory', 'terminal']);
    agent.answer = (f) => (f.type === 'power' ? { type: 'powerResult', requestId: f.requestId, action: f.action, ok: true, message: 'done' } : null);
    const sentBefore = agent.frames.length;
    try {
      const power = call(sys, 'devices.power', principalOf(alice), { params: { id: a.id }, body: { action: 'reboot' } });
      assert.equal(await codeOf(power), 'not_supported');
      await power.catch((e: unknown) => assert.match((e as Error).message, /does not support `power`/));

      const created = await call(sys, 'runs.create', principalOf(alice), { body: { deviceIds: [a.id], command: ['id'] } });
      await until(async () => (await call(sys, 'runs.get', principalOf(alice), { params: { id: created.runId } })).done);
      const view = await call(sys, 'runs.get', principalOf(alice), { params: { id: created.runId } });
      assert.equal(view.devices[0]?.state, 'failed');
      assert.match(view.devices[0]?.error ?? '', /does not support `commands`/);

      const wake = await call(sys, 'devices.wake', principalOf(alice), { params: { id: c.id } });
      assert.deepEqual(wake.agents.map((x) => [x.name, x.result]), [['alpha', 'no_answer']], 'asked, but the holder refused for it');
      assert.equal(agent.frames.length, sentBefore, 'nothing reached the agent');

      agent.capabilities = internCapabilities(['power']);
      assert.equal((await call(sys, 'devices.power', principalOf(alice), { params: { id: a.id }, body: { action: 'reboot' } })).result, 'ok');
    } finally {
      agent.capabilities = null;
      agent.answer = null;
    }
  });
});

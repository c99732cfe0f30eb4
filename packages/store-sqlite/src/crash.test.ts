// Durability and multi-process access with real child processes: a writer killed with SIGKILL
// mid-stream loses nothing it reported as committed, and two processes can write one file at once.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore, type SqliteStore } from './sqlite-store.js';

const WRITER = join(import.meta.dirname, 'crash-writer.js');

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meshwork-sqlite-crash-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Committed { devices: string[]; events: string[] }

function startWriter(file: string, prefix: string, count?: number): ChildProcess {
  const args = [WRITER, file, prefix, ...(count === undefined ? [] : [String(count)])];
  return spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Collects the complete "device <id>" / "event <id>" lines a writer prints; calls onLine after each. */
function collect(child: ChildProcess, onLine: (n: number) => void = () => {}): { committed: Committed; stderr: () => string } {
  const committed: Committed = { devices: [], events: [] };
  let pending = '';
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
  child.stdout?.setEncoding('utf8').on('data', (s: string) => {
    pending += s;
    const lines = pending.split('\n');
    pending = lines.pop() ?? ''; // an unterminated last line is not a report
    for (const line of lines) {
      const [kind, id] = line.split(' ');
      if (kind === 'device' && id) committed.devices.push(id);
      else if (kind === 'event' && id) committed.events.push(id);
      else throw new Error(`unexpected writer output: ${line}`);
      onLine(committed.devices.length + committed.events.length);
    }
  });
  return { committed, stderr: () => stderr };
}

async function assertAllPresent(store: SqliteStore, committed: Committed): Promise<void> {
  assert.equal(await store.integrityCheck(), 'ok');
  for (const id of committed.devices) assert.ok(await store.getDevice(id), `device ${id} was reported committed`);
  const events = new Set((await store.listEvents({ limit: 1_000_000 })).map((e) => e.id));
  for (const id of committed.events) assert.ok(events.has(id), `event ${id} was reported committed`);
}

describe('sqlite durability and multi-process access', () => {
  it('keeps every reported write after kill -9 mid-stream, over several rounds', async () => {
    const file = join(dir, 'crash.db');
    const all: Committed = { devices: [], events: [] };
    for (let round = 0; round < 3; round++) {
      const child = startWriter(file, `r${round}`);
      const exited = once(child, 'exit');
      const { committed, stderr } = collect(child, (n) => {
        if (n >= 300 && child.exitCode === null && !child.killed) child.kill('SIGKILL');
      });
      const [code, signal] = await exited;
      assert.equal(signal, 'SIGKILL', `writer should have been killed, exited ${String(code)}: ${stderr()}`);
      assert.ok(committed.devices.length + committed.events.length >= 300);
      all.devices.push(...committed.devices);
      all.events.push(...committed.events);

      const store = await openSqliteStore(file);
      try {
        await assertAllPresent(store, all);
      } finally {
        await store.close();
      }
    }
  });

  it('lets two processes open and write the same new file at once', async () => {
    const file = join(dir, 'shared.db');
    const perWriter = 200;
    const writers = ['a', 'b'].map((prefix) => {
      const child = startWriter(file, prefix, perWriter);
      return { child, exited: once(child, 'exit'), ...collect(child) };
    });
    for (const w of writers) {
      const [code] = await w.exited;
      assert.equal(code, 0, w.stderr());
      assert.equal(w.committed.devices.length + w.committed.events.length, perWriter);
    }
    const store = await openSqliteStore(file);
    try {
      for (const w of writers) await assertAllPresent(store, w.committed);
      assert.equal(await store.countDevices(), perWriter);
    } finally {
      await store.close();
    }
  });

  it('lets a process write while another holds the file open and writes too', async () => {
    const file = join(dir, 'held.db');
    const store = await openSqliteStore(file);
    try {
      const child = startWriter(file, 'child', 100);
      const exited = once(child, 'exit');
      const { committed, stderr } = collect(child);
      const group = { id: 'parent-group', name: 'parent-group', description: '', createdAt: 1 };
      await store.createDeviceGroup(group);
      for (let i = 0; i < 100; i++) {
        await store.addEvent({
          id: `parent-${i}`, time: i, type: 't', message: '', actorId: null, deviceId: null, groupId: group.id,
          data: {}, visibleTo: [], expiresAt: Number.MAX_SAFE_INTEGER,
        });
        await new Promise((resolve) => setImmediate(resolve)); // let the child's output in
      }
      const [code] = await exited;
      assert.equal(code, 0, stderr());
      await assertAllPresent(store, committed);
      assert.equal((await store.listEvents({ limit: 1000, groupId: group.id })).length, 100);
    } finally {
      await store.close();
    }
  });
});

/**
 * TEST HELPER (not part of the package API), run as a child process by crash.test.ts:
 *   node dist/crash-writer.js <file> <prefix> [count]
 * Opens the store and alternately upserts a device and adds an event, printing
 * "device <id>" / "event <id>" only AFTER the awaited write resolved, i.e. once it is committed.
 * Without a count it writes until killed; with one it writes that many, closes and exits 0.
 */
import { once } from 'node:events';
import { openSqliteStore } from './sqlite-store.js';

const [file, prefix, countArg] = process.argv.slice(2);
if (file === undefined || prefix === undefined) {
  process.stderr.write('usage: crash-writer <file> <prefix> [count]\n');
  process.exit(2);
}
const count = countArg === undefined ? Infinity : Number(countArg);
const store = await openSqliteStore(file);
const groupId = `${prefix}-group`;
if (!(await store.getDeviceGroup(groupId))) {
  await store.createDeviceGroup({ id: groupId, name: groupId, description: '', createdAt: Date.now() });
}

for (let i = 0; i < count; i++) {
  const id = `${prefix}-${i}`;
  const now = Date.now();
  let line: string;
  if (i % 2 === 0) {
    await store.upsertDevice({
      id, groupId, name: id, tags: ['crash'], notes: '', os: null, info: { i }, infoHash: null, lastSeen: now, createdAt: now,
    });
    line = `device ${id}\n`;
  } else {
    await store.addEvent({
      id, time: now, type: 'crash.test', message: id, actorId: null, deviceId: null, groupId, data: { i },
      visibleTo: [groupId], expiresAt: now + 86_400_000,
    });
    line = `event ${id}\n`;
  }
  if (!process.stdout.write(line)) await once(process.stdout, 'drain');
}
await store.close();

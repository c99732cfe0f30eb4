/**
 * Test support: a node:cluster worker for ipc-bus.test.ts. It subscribes an IpcBus to channel
 * `test`, and on the primary's command publishes numbered messages and reports what it received.
 * Control messages use `{ mw: 'test', … }` on the same IPC channel as the bus.
 */
import { IpcBus, processPort } from '../ipc-bus.js';

interface Command {
  mw: 'test';
  cmd: 'publish';
  count: number;
  /** Report once this many messages arrived. */
  expect: number;
}

const isCommand = (m: unknown): m is Command => typeof m === 'object' && m !== null && (m as { mw?: unknown }).mw === 'test';

const workerId = process.env.MW_TEST_WORKER_ID ?? `w${process.pid}`;
let subscriberErrors = 0;
const bus = new IpcBus(workerId, processPort(), () => void subscriberErrors++);
const received: unknown[] = [];
let expect = Infinity;
const report = (): void => void process.send?.({ mw: 'test', workerId, received, subscriberErrors });

bus.subscribe('test', () => {
  throw new Error('a failing subscriber must not stop the others');
});
bus.subscribe('test', (m) => {
  received.push(m);
  if (received.length === expect) report();
});
process.on('message', (m) => {
  if (!isCommand(m)) return;
  expect = m.expect;
  for (let seq = 0; seq < m.count; seq++) void bus.publish('test', { from: workerId, seq });
  if (received.length === expect) report();
});
process.send?.({ mw: 'test', workerId, ready: true });

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { POWER_COMMAND_ENV, powerAction, powerPlan, runPowerCommand } from './power.js';

test('power: the OS commands, systemctl first, shutdown as the fallback', () => {
  assert.deepEqual(powerPlan('reboot', {}), [['systemctl', 'reboot'], ['shutdown', '-r', 'now']]);
  assert.deepEqual(powerPlan('shutdown', {}), [['systemctl', 'poweroff'], ['shutdown', '-h', 'now']]);
  assert.deepEqual(powerPlan('sleep', {}), [['systemctl', 'suspend']]);
  assert.deepEqual(powerPlan('sleep', { [POWER_COMMAND_ENV]: '/opt/x' }), [['/opt/x', 'sleep']], 'the injected command replaces them all');
});

test('power: falls back when the first command fails, and reports every failure', async () => {
  const tried: string[] = [];
  const ok = await powerAction('reboot', {}, async (argv) => {
    tried.push(argv.join(' '));
    return argv[0] === 'systemctl' ? { ok: false, message: 'systemctl: no such unit' } : { ok: true, message: 'done' };
  });
  assert.deepEqual(tried, ['systemctl reboot', 'shutdown -r now']);
  assert.deepEqual(ok, { ok: true, message: 'done' });
  const bad = await powerAction('shutdown', {}, async (argv) => ({ ok: false, message: `${argv[0]}: nope` }));
  assert.deepEqual(bad, { ok: false, message: 'systemctl: nope; shutdown: nope' });
});

test('power: the injected program gets the action as its argument (no machine is powered off)', async () => {
  const dir = mkdtempSync(join(os.tmpdir(), 'mw-power-'));
  try {
    const script = join(dir, 'power.sh');
    writeFileSync(script, `#!/bin/sh\necho "$#:$1" >> ${dir}/calls\n[ "$1" != sleep ]\n`);
    chmodSync(script, 0o755);
    const env = { [POWER_COMMAND_ENV]: script };
    assert.equal((await powerAction('reboot', env)).ok, true);
    const failed = await powerAction('sleep', env);
    assert.equal(failed.ok, false);
    assert.match(failed.message, /power\.sh sleep/);
    assert.equal(readFileSync(join(dir, 'calls'), 'utf8'), '1:reboot\n1:sleep\n');
    assert.equal((await runPowerCommand([join(dir, 'missing')])).ok, false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

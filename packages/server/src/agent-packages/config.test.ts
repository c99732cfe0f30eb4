import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError, loadConfig } from '../config.js';
import { DEFAULT_AGENT_PACKAGES_DIR } from './registry.js';

test('agentPackagesDir: default, config file < env < flag, resolved to an absolute path', () => {
  const data = mkdtempSync(join(tmpdir(), 'mw-config-'));
  try {
    assert.equal(loadConfig(['--data', data], {}).agentPackagesDir, null);
    assert.match(DEFAULT_AGENT_PACKAGES_DIR, /\/dist\/agent-packages$/);
    assert.ok(!DEFAULT_AGENT_PACKAGES_DIR.includes('/packages/server/'), 'the repository root, not the server package');
    writeFileSync(join(data, 'config.json'), JSON.stringify({ agentPackagesDir: '/srv/from-file' }));
    assert.equal(loadConfig(['--data', data], {}).agentPackagesDir, '/srv/from-file');
    assert.equal(loadConfig(['--data', data], { MESHWORK_AGENT_PACKAGES: '/srv/from-env' }).agentPackagesDir, '/srv/from-env');
    assert.equal(loadConfig(['--data', data, '--agent-packages', 'rel'], { MESHWORK_AGENT_PACKAGES: '/srv/from-env' }).agentPackagesDir, resolve('rel'));
    assert.equal(loadConfig(['--data', data], { MESHWORK_AGENT_PACKAGES: '' }).agentPackagesDir, '', 'empty: serve none');
    writeFileSync(join(data, 'config.json'), JSON.stringify({ agentPackagesDir: 7 }));
    assert.throws(() => loadConfig(['--data', data], {}), ConfigError);
  } finally {
    rmSync(data, { recursive: true, force: true });
  }
});

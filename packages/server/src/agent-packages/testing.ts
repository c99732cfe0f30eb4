/**
 * Test support (not used by the running server): a fake agent-packages directory laid out as
 * scripts/build-agents.mjs lays out the real one — `<platform>/meshwork-agent` and manifest.json.
 */
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentPlatform } from '@meshwork/protocol';

export interface FakePackage {
  platform: AgentPlatform;
  version?: string;
  /** The executable's bytes; default: a small shell script that prints the version. */
  content?: string | Buffer;
}

/** Writes the packages into `dir` (a new temporary directory by default) and returns it. */
export function writeFakePackages(packages: FakePackage[], dir = mkdtempSync(join(tmpdir(), 'meshwork-agent-packages-'))): string {
  const entries = packages.map((p) => {
    const version = p.version ?? '0.1.0';
    const bytes = Buffer.from(p.content ?? `#!/bin/sh\necho ${version}\n`);
    const file = `${p.platform}/meshwork-agent`;
    mkdirSync(join(dir, p.platform), { recursive: true });
    writeFileSync(join(dir, file), bytes);
    chmodSync(join(dir, file), 0o755);
    return { platform: p.platform, version, sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length, file, node: '20.20.2' };
  });
  writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify({ format: 1, packages: entries }, null, 2)}\n`);
  return dir;
}

/**
 * Test support: fake agent executables — small shell scripts that print their version for
 * `--version` and, when run any other way, append their argv to a marker file and exit with a
 * chosen code. A test can thus tell which version ran, and prove that one never ran.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { layoutAt, versionExecutable, type Layout } from '../layout.js';

/** The text of a fake agent executable for `version`; other runs append to `marker` and exit `exitCode`. */
export function fakeAgentScript(version: string, marker: string, exitCode = 0): string {
  return `#!/bin/sh\nif [ "$1" = "--version" ]; then echo '${version}'; exit 0; fi\necho "${version} $*" >> '${marker}'\nexit ${exitCode}\n`;
}

export interface FakeRoot {
  root: string;
  layout: Layout;
  /** Where the fake executables record their runs. */
  marker: string;
  /** Lines of the marker file (`<version> <args>`), [] when none ran. */
  runs(): string[];
  /** Writes a fake executable file outside the layout (e.g. the one `install` copies). */
  script(name: string, version: string, exitCode?: number): string;
  /** Installs a fake version into versions/<v>/meshwork-agent. */
  addVersion(version: string, exitCode?: number): string;
  /** Points current and good at versions (relative links, as install makes them). */
  link(current: string, good: string): void;
}

/** Temp roots removed after the test file. */
export function fakeRoots(): () => FakeRoot {
  const made: string[] = [];
  after(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));
  return () => {
    const base = mkdtempSync(join(tmpdir(), 'mw-root-'));
    made.push(base);
    const root = join(base, 'root');
    mkdirSync(root);
    const layout = layoutAt(root);
    mkdirSync(layout.state, { recursive: true, mode: 0o700 });
    const marker = join(base, 'runs.log');
    const write = (path: string, text: string) => {
      writeFileSync(path, text);
      chmodSync(path, 0o755);
      return path;
    };
    return {
      root,
      layout,
      marker,
      runs: () => (existsSync(marker) ? readFileSync(marker, 'utf8').trim().split('\n') : []),
      script: (name, version, exitCode = 0) => write(join(base, name), fakeAgentScript(version, marker, exitCode)),
      addVersion: (version, exitCode = 0) => {
        const exe = versionExecutable(layout, version);
        mkdirSync(join(exe, '..'), { recursive: true });
        return write(exe, fakeAgentScript(version, marker, exitCode));
      },
      link: (current, good) => {
        for (const [name, v] of [['current', current], ['good', good]] as const) {
          const p = join(layout.lib, name);
          rmSync(p, { force: true });
          symlinkSync(`versions/${v}`, p);
        }
      },
    };
  };
}

/**
 * Where an installed agent lives (docs: packages/agent/README.md, "Files and permissions"):
 *
 *   /usr/local/lib/meshwork-agent/versions/<v>/meshwork-agent   each installed version (0755)
 *   /usr/local/lib/meshwork-agent/current → versions/<v>         the version the service starts
 *   /usr/local/lib/meshwork-agent/good    → versions/<v>         the last version that reached welcome
 *   /usr/local/bin/meshwork-agent → ../lib/meshwork-agent/current/meshwork-agent
 *   /var/lib/meshwork-agent                                      the state dir (0700)
 *   /etc/systemd/system/meshwork-agent.service                   the unit
 *
 * Every path hangs off a root (`/`, or a temporary root for tests and image builds); the paths
 * written into the unit and the links are always the ones seen from inside that root.
 */
import { lstatSync, realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export const EXECUTABLE_NAME = 'meshwork-agent';
export const UNIT_NAME = 'meshwork-agent.service';
export const LIB_PATH = '/usr/local/lib/meshwork-agent';
export const BIN_PATH = '/usr/local/bin/meshwork-agent';
export const STATE_PATH = '/var/lib/meshwork-agent';
export const UNIT_PATH = `/etc/systemd/system/${UNIT_NAME}`;
/** What /usr/local/bin/meshwork-agent points to (relative, so the link works under any root). */
export const BIN_TARGET = `../lib/meshwork-agent/current/${EXECUTABLE_NAME}`;

export interface Layout {
  /** The root everything is under ('/' on a device). */
  readonly root: string;
  /** The lib dir on disk (root + LIB_PATH). */
  readonly lib: string;
  readonly versions: string;
  readonly current: string;
  readonly good: string;
  readonly bin: string;
  readonly state: string;
  readonly unit: string;
}

export function layoutAt(root: string): Layout {
  const at = (p: string) => (root === '/' ? p : join(root, p));
  const lib = at(LIB_PATH);
  return {
    root,
    lib,
    versions: join(lib, 'versions'),
    current: join(lib, 'current'),
    good: join(lib, 'good'),
    bin: at(BIN_PATH),
    state: at(STATE_PATH),
    unit: at(UNIT_PATH),
  };
}

/** The lib layout with `lib` as its lib dir (the root is whatever lib sits in). */
export function layoutOfLib(lib: string): Layout {
  const root = lib === LIB_PATH ? '/' : lib.endsWith(LIB_PATH) ? lib.slice(0, -LIB_PATH.length) || '/' : dirname(lib);
  return { ...layoutAt(root), lib, versions: join(lib, 'versions'), current: join(lib, 'current'), good: join(lib, 'good') };
}

/** Directory of one version's executable. */
export const versionDir = (l: Layout, version: string): string => join(l.versions, version);
export const versionExecutable = (l: Layout, version: string): string => join(l.versions, version, EXECUTABLE_NAME);

/**
 * The layout an executable runs from: `<lib>/versions/<v>/meshwork-agent` with `<lib>/current` a
 * symlink. null when it does not (a checkout, or a copy run by hand).
 */
export function layoutOfExecutable(execPath: string): { layout: Layout; version: string } | null {
  let real: string;
  try {
    real = realpathSync(execPath);
  } catch {
    return null;
  }
  const dir = dirname(real);
  if (basename(real) !== EXECUTABLE_NAME || basename(dirname(dir)) !== 'versions') return null;
  const lib = dirname(dirname(dir));
  try {
    if (!lstatSync(join(lib, 'current')).isSymbolicLink()) return null;
  } catch {
    return null;
  }
  return { layout: layoutOfLib(lib), version: basename(dir) };
}

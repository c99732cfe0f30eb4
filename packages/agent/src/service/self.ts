/**
 * Is this process the self-contained executable (Node's single-executable application)? Only then
 * is `process.execPath` the agent itself, which `install` copies. Node ≥ 20.12 says so through
 * `node:sea`; the armv7l build (Node 20.11) has no such module, but a single-executable
 * application repeats argv[0] as argv[1] where a script would be.
 */
import { createRequire } from 'node:module';

export function isSelfContained(): boolean {
  try {
    const sea = createRequire(import.meta.url)('node:sea') as { isSea?: () => boolean };
    if (typeof sea.isSea === 'function') return sea.isSea();
  } catch {
    // no node:sea in this Node: fall through
  }
  return process.argv[1] !== undefined && process.argv[1] === process.argv[0];
}

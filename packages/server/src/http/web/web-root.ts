/**
 * The built web UI on disk: `--web-root DIR`, else the `@meshwork/web` package's dist/ (found by
 * module resolution, so it works from dist/ and from the CLI's bundle, whose `import.meta.url`
 * is rewritten to this file's dist path).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { dirname, join } from 'node:path';

/** A file under assets/: content-hashed by the build, so it never changes under its name. */
export interface Asset {
  body: Buffer;
  type: string;
  /** Strong validator: the content's SHA-256 (the name's hash is the build's, not ours to trust). */
  hash: string;
  /** NAME.br / NAME.gz written by the web build (checked to inflate to `body` before use). */
  precompressed: { br?: Buffer; gzip?: Buffer };
}

export interface WebUi {
  root: string;
  /** index.html; null when the UI is not built (the pages then answer 503). */
  index: Buffer | null;
  /** Relative path under assets/ (forward slashes) → file. Only these names are ever served. */
  assets: ReadonlyMap<string, Asset>;
}

export function defaultWebRoot(): string | null {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('@meshwork/web/package.json')), 'dist');
  } catch {
    return null;
  }
}

const TYPES: Record<string, string> = {
  js: 'text/javascript; charset=utf-8', mjs: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8',
  html: 'text/html; charset=utf-8', json: 'application/json', map: 'application/json', txt: 'text/plain; charset=utf-8',
  svg: 'image/svg+xml', png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp',
  avif: 'image/avif', ico: 'image/x-icon', woff: 'font/woff', woff2: 'font/woff2', ttf: 'font/ttf', otf: 'font/otf',
  wasm: 'application/wasm',
};
export const contentType = (name: string): string => TYPES[/\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase() ?? ''] ?? 'application/octet-stream';

/** Reads index.html and every file under assets/ once, at start (a rebuilt UI needs a restart). */
export function loadWebUi(root: string | null): WebUi {
  const assets = new Map<string, Asset>();
  if (root === null) return { root: '(the @meshwork/web package is not installed)', index: null, assets };
  let index: Buffer | null = null;
  try {
    index = readFileSync(join(root, 'index.html'));
  } catch {
    return { root, index: null, assets };
  }
  const walk = (dir: string, prefix: string): void => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    const files = new Set(names);
    for (const name of names) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full, `${prefix}${name}/`);
      else if (/\.(br|gz)$/.test(name) && files.has(name.slice(0, -3))) continue; // a precompressed copy, attached below
      else {
        const body = readFileSync(full);
        const precompressed = {
          ...precompressedCopy(`${full}.br`, body, brotliDecompressSync, 'br'),
          ...precompressedCopy(`${full}.gz`, body, gunzipSync, 'gzip'),
        };
        assets.set(`${prefix}${name}`, { body, type: contentType(name), hash: createHash('sha256').update(body).digest('base64url').slice(0, 27), precompressed });
      }
    }
  };
  walk(join(root, 'assets'), '');
  return { root, index, assets };
}

/** A build-time compressed copy, used only if it inflates to exactly the file (else: compressed at run time). */
function precompressedCopy(path: string, body: Buffer, inflate: (b: Buffer) => Buffer, key: 'br' | 'gzip'): { br?: Buffer; gzip?: Buffer } {
  try {
    const packed = readFileSync(path);
    return inflate(packed).equals(body) ? { [key]: packed } : {};
  } catch {
    return {};
  }
}

// After `vite build`: writes NAME.br (brotli, quality 11) and NAME.gz (gzip -9) next to every
// compressible file under dist/assets/, so the server sends the smallest encoding without
// compressing at run time (it verifies and uses these files; see server http/web/web-root.ts).
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const dir = new URL('../dist/assets/', import.meta.url).pathname;
const COMPRESSIBLE = /\.(js|mjs|css|svg|json|map|txt|html|wasm)$/;
let n = 0;
const walk = (d) => {
  for (const name of readdirSync(d)) {
    const full = join(d, name);
    if (statSync(full).isDirectory()) walk(full);
    else if (COMPRESSIBLE.test(name) && statSync(full).size >= 1024) {
      const body = readFileSync(full);
      writeFileSync(`${full}.br`, brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: body.length } }));
      writeFileSync(`${full}.gz`, gzipSync(body, { level: 9 }));
      n++;
    }
  }
};
walk(dir);
console.log(`precompressed ${n} assets (.br, .gz)`);

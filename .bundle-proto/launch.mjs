import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import vm from 'node:vm';
const file = new URL('./run.cjs', import.meta.url).pathname;
const cacheFile = file + '.cache';
let cachedData;
if (process.env.NOCACHE !== '1') try { cachedData = readFileSync(cacheFile); } catch {}
const src = readFileSync(file, 'utf8');
const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${src}\n})`, { filename: file, cachedData, importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER });
if (cachedData && script.cachedDataRejected) process.stderr.write('cache rejected\n');
const mod = { exports: {} };
script.runInThisContext()(mod.exports, createRequire(file), mod, file, new URL('.', import.meta.url).pathname);
const result = await mod.exports.run(process.argv.slice(2));
if (result !== 'running') process.exitCode = result;
if (process.env.WRITE_CACHE === '1') setTimeout(() => { writeFileSync(cacheFile, script.createCachedData()); process.stderr.write('cache written\n'); }, 1500);

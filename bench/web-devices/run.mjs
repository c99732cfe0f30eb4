#!/usr/bin/env node
// Web UI benchmark: the devices list with 10,000 devices in ~20 groups, in real Chromium.
//   (a) first render: navigation start → the first device row painted with the count at N
//   (b) filter latency: each keystroke in "Search devices" → the frame after the list updated
// Several runs, each in a fresh browser context (logged in, cold page cache). Prints medians and
// p95 and writes bench/web-devices/results/latest.json. Targets: (a) ≤ 1 s, (b) ≤ 50 ms.
// Usage: node bench/web-devices/run.mjs [--devices 10000] [--groups 20] [--runs 5] [--query lisbon-kiosk] [--keep]
import { createHash, X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { machine, median, start, stop, sleep } from '../lib/proc.mjs';
import { ADMIN, seed } from './seed.mjs';
import { FIRST_FRAME_DONE, probeScript, READ_FIRST, READ_KEYSTROKE, settled } from './measure.mjs';

const { values } = parseArgs({ options: {
  devices: { type: 'string', default: '10000' }, groups: { type: 'string', default: '20' }, runs: { type: 'string', default: '5' },
  query: { type: 'string', default: 'lisbon-kiosk' }, keep: { type: 'boolean', default: false },
  chromium: { type: 'string', default: '/usr/bin/chromium' },
} });
const N = Number(values.devices);
const RUNS = Number(values.runs);
const repo = resolve(import.meta.dirname, '..', '..');
const cli = join(repo, 'packages', 'cli', 'dist', 'main.js');
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

const p95 = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(0.95 * s.length) - 1)];
};
const ms = (x) => (x === null || x === undefined ? '–' : `${Math.round(x)} ms`);
const spki = (pem) => pem.split(/(?=-----BEGIN CERTIFICATE-----)/).filter((p) => p.includes('BEGIN')).map((p) =>
  createHash('sha256').update(new X509Certificate(p).publicKey.export({ type: 'spki', format: 'der' })).digest('base64'));

/**
 * Polls `expr` in the page until truthy. (page.waitForFunction evaluates its predicate with eval,
 * which the app's CSP refuses; page.evaluate of an expression goes through the DevTools protocol.)
 */
async function waitInPage(page, expr, { timeoutMs = 60_000, everyMs = 20 } = {}) {
  const deadline = Date.now() + timeoutMs;
  while (!(await page.evaluate(expr))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting in the page for ${expr.slice(0, 80)}`);
    await sleep(everyMs);
  }
}

async function startServer(dataDir) {
  const child = start(process.execPath, [cli, 'server', 'start', '--port', '0', '--host', '127.0.0.1', '--data', dataDir]);
  for (let i = 0; i < 600; i++) {
    const m = /"msg":"listening"[^\n]*"port":(\d+)|"port":(\d+)[^\n]*"msg":"listening"/.exec(child.output());
    if (m) return { child, port: Number(m[1] ?? m[2]) };
    if (child.exitCode !== null) throw new Error(`the server exited:\n${child.output()}`);
    await sleep(100);
  }
  throw new Error(`the server did not listen:\n${child.output()}`);
}

async function main() {
  const load0 = loadavg();
  const tmp = mkdtempSync(join(tmpdir(), 'mw-bench-web-'));
  const dataDir = join(tmp, 'data');
  console.error(`seeding ${N} devices in ${values.groups} groups into ${dataDir} …`);
  await seed(dataDir, { devices: N, groups: Number(values.groups) });
  const { child: server, port } = await startServer(dataDir);
  const origin = `https://localhost:${port}`;
  const browser = await chromium.launch({ executablePath: values.chromium, args: [...ARGS, `--ignore-certificate-errors-spki-list=${spki(readFileSync(join(dataDir, 'tls', 'https.crt'), 'utf8')).join(',')}`] });
  const first = [];
  const keys = [];
  const problems = [];
  try {
    // Log in once through the UI; every run reuses the session cookie in a fresh context.
    const login = await browser.newContext();
    const lp = await login.newPage();
    await lp.goto(origin);
    await lp.getByLabel('User name', { exact: true }).fill(ADMIN.name);
    await lp.getByLabel('Password', { exact: true }).fill(ADMIN.password);
    await lp.getByRole('button', { name: 'Log in', exact: true }).click();
    await lp.getByTestId('device-count').waitFor({ timeout: 60_000 });
    const storageState = await login.storageState();
    await login.close();

    for (let run = 0; run < RUNS; run++) {
      const ctx = await browser.newContext({ storageState, viewport: { width: 1280, height: 800 } });
      await ctx.addInitScript({ content: probeScript(N) });
      const page = await ctx.newPage();
      page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
      page.on('pageerror', (e) => problems.push(String(e)));
      await page.goto(origin);
      await waitInPage(page, FIRST_FRAME_DONE);
      const f = await page.evaluate(READ_FIRST);
      first.push(f);
      if (f.repeated.length) problems.push(`run ${run + 1}: requested twice: ${f.repeated.join(', ')}`);

      const search = page.getByLabel('Search devices');
      await search.click();
      const typed = [...values.query].map((ch) => ({ key: ch, label: ch }));
      const erased = [...values.query].map((_, i) => ({ key: 'Backspace', label: `⌫${values.query.length - i}` }));
      for (const k of [...typed, ...erased]) {
        await page.keyboard.press(k.key);
        await waitInPage(page, settled(250), { timeoutMs: 30_000, everyMs: 50 });
        const r = await page.evaluate(READ_KEYSTROKE);
        keys.push({ run, key: k.label, ...r });
      }
      await ctx.close();
      const runKeys = keys.filter((k) => k.run === run).map((k) => k.latency);
      console.error(`run ${run + 1}/${RUNS}: first render ${ms(f.frame)} (devices API done at ${ms(f.devicesApi)}), keystrokes median ${ms(median(runKeys))}, max ${ms(Math.max(...runKeys))}`);
    }
  } finally {
    await browser.close();
    await stop(server);
    if (!values.keep) rmSync(tmp, { recursive: true, force: true });
    else console.error(`data dir kept: ${dataDir}`);
  }
  const load1 = loadavg();

  const firstMs = first.map((f) => f.frame);
  const keyMs = keys.map((k) => k.latency);
  const widest = keys.filter((k) => k.key === values.query[0] || k.key === '⌫1').map((k) => k.latency);
  const result = {
    date: new Date().toISOString(), machine: machine(), load: { before: load0, after: load1 },
    devices: N, groups: Number(values.groups), runs: RUNS, query: values.query,
    firstRender: { medianMs: median(firstMs), p95Ms: p95(firstMs), samples: first },
    keystroke: { medianMs: median(keyMs), p95Ms: p95(keyMs), n: keyMs.length, fullListMedianMs: median(widest), samples: keys },
    problems,
  };
  mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
  writeFileSync(join(import.meta.dirname, 'results', 'latest.json'), `${JSON.stringify(result, null, 2)}\n`);

  const f = (xs) => `${ms(median(xs))} / ${ms(p95(xs))}`;
  console.log(`\nweb-devices: ${N} devices, ${values.groups} groups, ${RUNS} runs — ${result.date}`);
  console.log(`${result.machine}; load average ${load0.map((x) => x.toFixed(2)).join(' ')} → ${load1.map((x) => x.toFixed(2)).join(' ')}\n`);
  console.log('| measure | median / p95 | target |');
  console.log('| --- | --- | --- |');
  console.log(`| first render: navigation → first row painted, count = ${N} | ${f(firstMs)} | ≤ 1 s |`);
  console.log(`| … HTML loaded | ${f(first.map((x) => x.html))} | |`);
  console.log(`| … scripts loaded (last JS asset of the first render) | ${f(first.map((x) => x.scripts))} | |`);
  console.log(`| … GET /api/v1/auth/session sent → done | ${f(first.map((x) => x.sessionStart))} → ${f(first.map((x) => x.sessionDone))} | |`);
  console.log(`| … GET /api/v1/devices/head done (the first screen and the total) | ${f(first.map((x) => x.headApi))} | |`);
  console.log(`| … GET /api/v1/devices sent | ${f(first.map((x) => x.devicesStart))} | |`);
  console.log(`| … GET /api/v1/devices: request → first byte (server time) | ${f(first.map((x) => x.devicesWait))} | |`);
  console.log(`| … GET /api/v1/devices done (${Math.round((first[0]?.devicesBytes ?? 0) / 1024)} KiB on the wire) | ${f(first.map((x) => x.devicesApi))} | |`);
  console.log(`| filter: keystroke → frame after the list updated (n=${keyMs.length}, "${values.query}" typed then erased) | ${f(keyMs)} | ≤ 50 ms |`);
  console.log(`| … keystrokes that filter or restore all ${N} (first char, last ⌫) | ${f(widest)} | |`);
  if (problems.length) console.log(`\npage problems: ${problems.join('; ')}`);
}

await main();

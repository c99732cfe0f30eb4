// Where the first render of the devices list spends its time, in one Chromium page load: the page's
// CPU profile (top functions by self time) and the resource timeline. Start a server on a seeded
// data dir first (`node bench/web-devices/seed.mjs DIR`, then `npx meshwork server start --data DIR`).
// Usage: node bench/web-devices/profile.mjs https://localhost:8443   (run twice: the first load is cold)
import { chromium } from 'playwright-core';
import { ADMIN } from './seed.mjs';

const base = process.argv[2];
if (!base) throw new Error('usage: node bench/web-devices/profile.mjs BASE_URL');
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--ignore-certificate-errors'] });
const ctx = await browser.newContext({ ignoreHTTPSErrors: true });
const r = await ctx.request.post(base + '/api/v1/auth/login', { data: { name: ADMIN.name, password: ADMIN.password }, headers: { origin: base } });
console.log('login', r.status());
const page = await ctx.newPage();
const cdp = await ctx.newCDPSession(page);
await cdp.send('Profiler.enable');
await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
await cdp.send('Profiler.start');
const t0 = Date.now();
await page.goto(base + '/');
await page.locator('[data-testid="device-row"]').first().waitFor();
console.log('rows after', Date.now() - t0, 'ms');
const { profile } = await cdp.send('Profiler.stop');
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map();
profile.samples.forEach((s, i) => { const n = byId.get(s); const k = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber}`; self.set(k, (self.get(k) ?? 0) + (profile.timeDeltas[i] ?? 0)); });
const total = [...self.values()].reduce((a, b) => a + b, 0);
console.log('profile ms', (total / 1000).toFixed(0));
for (const [k, t] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log((t / 1000).toFixed(1).padStart(8), k);
const marks = await page.evaluate(() => performance.getEntriesByType('resource').map((r) => `${new URL(r.name).pathname} ${Math.round(r.startTime)}→${Math.round(r.responseEnd)}`));
console.log(marks.join('\n'));
await browser.close();

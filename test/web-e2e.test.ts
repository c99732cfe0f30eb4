/**
 * The web UI end to end, in real Chromium (playwright-core, the system's `chromium`): a real
 * `meshwork server start` serving the built UI on 127.0.0.1, real agent processes enrolled with
 * the install file the UI hands out, and a user going through the product — first administrator
 * from the setup link, two-factor authentication, a passkey (Chromium's virtual authenticator), a
 * device group, the device turning online live, terminal, files, a second user without the
 * terminal right, hostile device names, phone width and dark mode.
 *
 * Every page is watched (support/browser.ts): a console error, an uncaught exception, a CSP
 * violation or a JavaScript dialog fails the test. Tests share one server and run in order; each
 * has its own browser context and carries the admin's session on as saved storage state.
 * Screenshots go to MESHWORK_SCREENSHOTS_DIR when set (docs/screenshots for the docs).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Device, InstallFile } from '@meshwork/protocol';
import { launchChromium, Screenshots, withPage, type Browser, type Page, type PageOptions } from './support/browser.js';
import { pageCall, pageCallOk } from './support/web-api.js';
import { enrolAgent, startWebServer, type WebServer } from './support/web-server.js';
import { totpCode, totpStep } from './support/web-totp.js';
import { stopAgent } from './support/agent.js';
import { AGENT_MAIN, ProcessSet, type Proc } from './support/processes.js';

type StorageState = Exclude<PageOptions['storageState'], string | undefined>;

const ADMIN = { name: 'admin', password: 'correct horse battery staple' };
const BOB = { name: 'bob', password: 'another long password' };
const HOSTILE_NAME = '<img src=x onerror=alert(1)>';

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Page-side probes (a string keeps DOM types out of this Node-typed project). */
const HORIZONTAL_OVERFLOW = '(() => { const e = document.scrollingElement || document.documentElement; return e.scrollWidth - e.clientWidth; })()';
const BODY_BACKGROUND = 'getComputedStyle(document.body).backgroundColor';
const SCROLL_TO_2FA = "[...document.querySelectorAll('h2')].find((h) => h.textContent === 'Two-factor authentication')?.scrollIntoView()";
const NO_RELOAD_MARK = 'window.__meshworkNoReload = true';
const HAS_NO_RELOAD_MARK = 'window.__meshworkNoReload === true';

/** Relative luminance (0 black … 1 white) of a CSS `rgb(…)` colour. */
function luminance(css: string): number {
  const m = /rgba?\((\d+),\s*(\d+),\s*(\d+)/.exec(css);
  if (!m) throw new Error(`not an rgb colour: ${css}`);
  const [r, g, b] = [m[1], m[2], m[3]].map((v) => {
    const c = Number(v) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** Fills the login form and submits it (the first step: user name and password). */
async function submitPassword(page: Page, user: { name: string; password: string }): Promise<void> {
  await page.getByLabel('User name', { exact: true }).fill(user.name);
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  await page.getByRole('button', { name: 'Log in', exact: true }).click();
}

const devicesHeading = (page: Page) => page.getByRole('heading', { name: 'Devices', level: 1 });
/** Resolves once the logged-in frame shows (after a login the UI stays on the page it was on). */
const loggedIn = (page: Page) => page.getByRole('button', { name: 'Log out', exact: true }).waitFor();
const deviceRow = (page: Page, id: string) => page.locator(`[data-testid="device-row"][data-device-id="${id}"]`);
/** The device page's tab links (Overview, Terminal, Files, Events). */
const deviceTab = (page: Page, name: string) => page.getByRole('navigation', { name: 'Device' }).getByRole('link', { name, exact: true });

describe('web UI end to end in Chromium (real server, real agent)', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'mw-web-e2e-'));
  const procs = new ProcessSet();
  const shots = new Screenshots(join(tmp, 'screenshots'));
  let server: WebServer;
  let browser: Browser;
  /** The admin's logged-in browser state, handed from test to test. */
  let admin: StorageState | undefined;
  let totpSecret = '';
  /** The last TOTP step the server accepted for the admin (each step works once). */
  let lastStep = 0;
  let groupId = '';
  let deviceId = '';
  let agent: Proc | undefined;
  const remoteDir = join(tmp, 'remote');

  const asAdmin = (): PageOptions => {
    assert.ok(admin, 'needs the admin session from the earlier tests');
    return { storageState: admin };
  };
  const needDevice = (): void => assert.ok(deviceId, 'needs the enrolled device from the earlier test');

  before(async () => {
    mkdirSync(remoteDir);
    server = await startWebServer(procs, join(tmp, 'data'));
    browser = await launchChromium(server.spki);
  });

  after(async () => {
    await browser?.close();
    await procs.killAll();
    rmSync(tmp, { recursive: true, force: true });
  });

  test('our TOTP implementation matches RFC 6238 (appendix B, SHA-1)', () => {
    // Secret "12345678901234567890" in base32; the RFC's 8-digit codes end in these 6 digits.
    const secret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
    assert.equal(totpCode(secret, totpStep(59_000)), '287082');
    assert.equal(totpCode(secret, totpStep(1_111_111_109_000)), '081804');
    assert.equal(totpCode(secret, totpStep(20_000_000_000_000)), '353130');
  });

  test('the setup link creates the first administrator and logs it in', async () => {
    assert.ok(server.setupLink, 'the server printed a setup link at first start');
    assert.match(server.printedSetupLink ?? '', /^https:\/\/127\.0\.0\.1:\d+\/setup#token=[\w-]{16,}$/);
    await withPage(browser, shots, 'setup', {}, async ({ page, context }) => {
      await page.goto(server.setupLink ?? '');
      await page.getByLabel('User name', { exact: true }).fill(ADMIN.name);
      await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
      await page.getByLabel('Repeat password', { exact: true }).fill(ADMIN.password);
      await page.getByRole('button', { name: 'Create administrator' }).click();
      await devicesHeading(page).waitFor();
      assert.equal(new URL(page.url()).hash, '', 'the token is gone from the address bar');
      admin = await context.storageState();
    });
    // The link works once: opened again it says so instead of showing the form.
    await withPage(browser, shots, 'setup-again', {}, async ({ page }) => {
      await page.goto(server.setupLink ?? '');
      await page.getByRole('heading', { name: 'Already set up' }).waitFor();
      assert.equal(await page.getByRole('button', { name: 'Create administrator' }).count(), 0);
    });
  });

  test('two-factor: enable TOTP on the account page, log out, log in with password and code', async () => {
    // The first login step answers 401 mfa_required, by design: the UI then asks for the code.
    const opts: PageOptions = { ...asAdmin(), expectHttpErrors: [{ path: '/api/v1/auth/login', status: 401 }] };
    await withPage(browser, shots, 'totp', opts, async ({ page, context }) => {
      await page.goto(`${server.url}/account`);
      await page.getByRole('button', { name: 'Enable two-factor authentication' }).click();
      totpSecret = ((await page.getByTestId('totp-secret').textContent()) ?? '').trim();
      assert.match(totpSecret, /^[A-Z2-7]{16,}=*$/, 'a base32 secret is shown');
      const enrolStep = totpStep();
      await page.getByLabel('Code from the app').fill(totpCode(totpSecret, enrolStep));
      await page.getByRole('button', { name: 'Confirm', exact: true }).click();
      await page.getByTestId('backup-codes').waitFor();
      const codes = await page.getByTestId('backup-codes').locator('li').allTextContents();
      assert.equal(codes.length, 10, 'ten backup codes are shown once');
      for (const c of codes) assert.match(c.trim(), /^[0-9a-f]{5}-[0-9a-f]{5}$/);
      await page.evaluate(SCROLL_TO_2FA);
      await shots.take(page, 'account-2fa');

      await page.getByRole('button', { name: 'Log out', exact: true }).click();
      await page.getByRole('button', { name: 'Log in', exact: true }).waitFor();
      await shots.take(page, 'login');
      await submitPassword(page, ADMIN);
      const codeBox = page.getByLabel('Authentication code');
      await codeBox.waitFor();
      // A code works once per 30 s step: use the next step (the server accepts ±1 step) unless time moved on.
      lastStep = Math.max(enrolStep + 1, totpStep());
      await codeBox.fill(totpCode(totpSecret, lastStep));
      await page.getByRole('button', { name: 'Verify', exact: true }).click();
      await loggedIn(page);
      const session = await pageCallOk<{ user: { totpEnabled: boolean } }>(page, 'GET', '/api/v1/auth/session');
      assert.equal(session.user.totpEnabled, true);
      admin = await context.storageState();
    });
  });

  test('passkey: register one with a virtual authenticator, log out, log in with it (no password, no code)', async () => {
    await withPage(browser, shots, 'passkey', asAdmin(), async ({ page, context }) => {
      await page.goto(`${server.url}/account`);
      const cdp = await context.newCDPSession(page);
      await cdp.send('WebAuthn.enable', { enableUI: false });
      const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
        options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
      });
      await page.getByLabel('Passkey name').fill('Test laptop');
      await page.getByRole('button', { name: 'Add a passkey' }).click();
      await page.getByRole('cell', { name: 'Test laptop', exact: true }).waitFor();
      const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
      assert.equal(credentials.length, 1, 'one credential in the authenticator');
      assert.equal(credentials[0]?.isResidentCredential, true, 'a discoverable credential (a passkey)');
      assert.equal(credentials[0]?.rpId, 'localhost');
      const signsBefore = credentials[0]?.signCount ?? 0;
      // The new passkey shows as a security event on the account page (a leaked credential's traces stand out).
      await page.getByTestId('security-events').getByText('registered passkey "Test laptop"').waitFor();

      await page.getByRole('button', { name: 'Log out', exact: true }).click();
      await page.getByRole('button', { name: 'Log in with a passkey' }).click();
      await loggedIn(page);
      const after = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
      assert.ok((after.credentials[0]?.signCount ?? 0) > signsBefore, 'the authenticator signed the login');
      const session = await pageCallOk<{ user: { name: string } }>(page, 'GET', '/api/v1/auth/session');
      assert.equal(session.user.name, ADMIN.name);
      admin = await context.storageState();
    });
  });

  test('a group, its install file from the UI, a real agent enrolled with it: online in the list without a reload', async () => {
    await withPage(browser, shots, 'enrol', asAdmin(), async ({ page }) => {
      await page.goto(`${server.url}/groups`);
      await page.getByLabel('New group name').fill('Lab');
      await page.getByRole('button', { name: 'Create group' }).click();
      await page.getByRole('link', { name: 'Lab', exact: true }).first().click();
      await page.waitForURL(/\/groups\/[0-9a-f]{96}$/);
      groupId = /\/groups\/([0-9a-f]{96})$/.exec(page.url())?.[1] ?? '';

      await page.getByRole('button', { name: 'Create install file' }).click();
      const command = ((await page.getByTestId('install-command').textContent()) ?? '').trim();
      const download = page.waitForEvent('download');
      await page.getByRole('link', { name: 'Download install file' }).click();
      const installPath = join(tmp, 'install-download.json');
      await (await download).saveAs(installPath);
      await shots.take(page, 'group-add-device');
      const file = JSON.parse(readFileSync(installPath, 'utf8')) as InstallFile;
      assert.equal(file.groupId, groupId);
      assert.match(file.enrolmentToken ?? '', /^mwe_/, 'made with a new token (the default)');
      assert.equal(file.enrolmentKey, undefined, 'a token file holds nothing else that enrols');
      assert.equal(file.groupName, 'Lab');

      // The one-liner: umask 077, write the file, store it in the state dir, delete it, run the agent.
      const m = /^(umask 077 && printf .+ \| base64 -d > (\S+)) && (meshwork-agent store-install --state (\S+) --install (\S+) && rm -f (\S+)) && meshwork-agent run --state (\S+)$/.exec(command);
      assert.ok(m, `the install command has the documented shape: ${command}`);
      const [, write = '', file1 = '', store = '', state1 = '', file2 = '', file3 = '', state2 = ''] = m;
      assert.deepEqual([file2, file3, state2], [file1, file1, state1], 'one file, one state dir');
      // Its first part alone writes the downloaded install file, readable by its owner only.
      const firstDir = join(tmp, 'one-liner-write');
      mkdirSync(firstDir);
      const sh = spawnSync('sh', ['-c', write], { cwd: firstDir, encoding: 'utf8' });
      assert.equal(sh.status, 0, sh.stderr);
      assert.deepEqual(JSON.parse(readFileSync(join(firstDir, file1), 'utf8')), file, 'the one-liner writes the downloaded install file');
      assert.equal(statSync(join(firstDir, file1)).mode & 0o777, 0o600, 'umask 077: the file is private');
      // Everything before `run`, with the real agent and a test state dir: the file is stored and removed.
      const shellDir = join(tmp, 'one-liner');
      const stateDir = join(tmp, 'agent-state');
      mkdirSync(shellDir);
      const bin = join(tmp, 'bin');
      mkdirSync(bin);
      writeFileSync(join(bin, 'meshwork-agent'), `#!/bin/sh\nexec '${process.execPath}' '${AGENT_MAIN}' "$@"\n`, { mode: 0o755 });
      const setup = `${write} && ${store.split(state1).join(stateDir)}`;
      const ran = spawnSync('sh', ['-c', setup], { cwd: shellDir, encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` } });
      assert.equal(ran.status, 0, ran.stderr);
      assert.equal(existsSync(join(shellDir, file1)), false, 'the install file is removed after use');
      assert.deepEqual(JSON.parse(readFileSync(join(stateDir, 'install.json'), 'utf8')), file, 'stored in the state dir');

      // The devices list is open while the agent enrols; it must change by itself.
      await page.getByRole('link', { name: 'Devices', exact: true }).click();
      await devicesHeading(page).waitFor();
      await page.evaluate(NO_RELOAD_MARK);
      const enrolled = await enrolAgent(procs, undefined, stateDir); // the one-liner's `run --state DIR`
      ({ agent, deviceId } = enrolled);
      await deviceRow(page, deviceId).getByText('online', { exact: true }).waitFor();
      assert.equal(await page.evaluate(HAS_NO_RELOAD_MARK), true, 'the page was not reloaded');
      assert.match((await page.getByTestId('device-count').textContent()) ?? '', /^1 device$/);
      await shots.take(page, 'devices');
    });
  });

  test('terminal: a command typed into the Terminal tab runs on the device', async () => {
    needDevice();
    await withPage(browser, shots, 'terminal', asAdmin(), async ({ page }) => {
      await page.goto(server.url);
      await deviceRow(page, deviceId).getByRole('link').click();
      await deviceTab(page, 'Overview').waitFor();
      await page.getByText('Group: Lab', { exact: true }).waitFor();
      await shots.take(page, 'device-overview');
      await deviceTab(page, 'Terminal').click();
      const terminal = page.getByTestId('terminal');
      await page.getByTestId('terminal-status').getByText('Connected', { exact: false }).waitFor();
      await terminal.click();
      await page.keyboard.type('echo meshwork-$((6*7))\n');
      await terminal.getByText('meshwork-42', { exact: false }).waitFor();
      await shots.take(page, 'terminal');
    });
  });

  test('agent updates: the group page sets the policy; the device page shows the agent version', async () => {
    needDevice();
    await withPage(browser, shots, 'agent-updates', asAdmin(), async ({ page }) => {
      await page.goto(`${server.url}/groups/${groupId}`);
      const panel = page.getByTestId('agent-updates');
      const policy = panel.getByTestId('agent-update-policy');
      assert.equal(await policy.inputValue(), 'all', 'the default policy');
      await policy.selectOption('canary');
      await panel.getByText('Agent updates: Canary: update first.', { exact: true }).waitFor();
      await page.reload();
      assert.equal(await page.getByTestId('agent-update-policy').inputValue(), 'canary');
      // The enrolled agent's version, noted at its handshake (a checkout agent does not self-update).
      await panel.getByTestId('agent-update-row').first().waitFor();
      await panel.scrollIntoViewIfNeeded();
      await shots.take(page, 'group-agent-updates');
      await page.goto(`${server.url}/devices/${deviceId}`);
      const agentPanel = page.getByTestId('agent-update');
      await agentPanel.getByText('Version', { exact: true }).waitFor();
      const text = (await agentPanel.textContent()) ?? '';
      assert.match(text, /Version\s*\d+\.\d+\.\d+/, text);
      await page.goto(`${server.url}/groups/${groupId}`);
      await page.getByTestId('agent-update-policy').selectOption('all');
      await page.getByText('Agent updates: Update after the canary groups (default).', { exact: true }).waitFor();
    });
  });

  test('files: upload through the Files tab, download it back, the same SHA-256', async () => {
    needDevice();
    const name = 'upload-é.bin';
    const content = randomBytes(1024 * 1024 + 4321);
    const local = join(tmp, name);
    writeFileSync(local, content);
    await withPage(browser, shots, 'files', asAdmin(), async ({ page }) => {
      await page.goto(`${server.url}/devices/${deviceId}`);
      await deviceTab(page, 'Files').click();
      await page.getByLabel('Upload files').waitFor();
      // Into the test's own folder on the device (the path lives in the URL).
      const u = new URL(page.url());
      u.searchParams.set('path', remoteDir);
      await page.goto(u.toString());
      await page.getByLabel('Upload files').setInputFiles(local);
      await page.locator('[data-testid="transfer"][data-state="done"]').waitFor();
      const row = page.locator(`[data-testid="file-row"][data-name="${name}"]`);
      await row.waitFor();
      assert.equal(sha256(readFileSync(join(remoteDir, name))), sha256(content), 'the file arrived intact on the device');
      await shots.take(page, 'files');

      const download = page.waitForEvent('download');
      await row.getByRole('button', { name: 'Download' }).click();
      const saved = join(tmp, 'downloaded.bin');
      await (await download).saveAs(saved);
      assert.equal(sha256(readFileSync(saved)), sha256(content), 'downloaded bytes = uploaded bytes');
    });
  });

  test('a user with rights on the group but not the terminal right: the UI says so, the server refuses a forced session', async () => {
    needDevice();
    await withPage(browser, shots, 'users', asAdmin(), async ({ page }) => {
      await page.goto(`${server.url}/users`);
      await page.getByLabel('User name', { exact: true }).fill(BOB.name);
      await page.getByLabel('Password', { exact: true }).fill(BOB.password);
      await page.getByRole('button', { name: 'Create user', exact: true }).click();
      await page.getByText(`User ${BOB.name} created.`).waitFor();
      await page.getByRole('cell', { name: BOB.name, exact: true }).first().waitFor();
      await shots.take(page, 'users');

      // On the group page: Remote control, but No terminal.
      await page.goto(`${server.url}/groups/${groupId}`);
      const grant = page.getByRole('form', { name: 'Grant rights' });
      await grant.getByLabel('User or user group').selectOption({ label: BOB.name });
      await grant.getByLabel('Full rights').uncheck();
      await grant.getByLabel('Remote control', { exact: true }).check();
      await grant.getByLabel('No terminal', { exact: true }).check();
      await grant.getByRole('button', { name: 'Grant', exact: true }).click();
      await page.getByTestId(`link-row-${BOB.name}`).getByText('Remote control, No terminal').waitFor();
    });
    await withPage(browser, shots, 'no-terminal', { expectHttpErrors: [{ path: `/api/v1/devices/${deviceId}/sessions`, status: 403 }] }, async ({ page }) => {
      await page.goto(server.url);
      await submitPassword(page, BOB);
      await deviceRow(page, deviceId).getByRole('link').click();
      await deviceTab(page, 'Terminal').click();
      await page.getByTestId('terminal-denied').waitFor();
      assert.equal(await page.getByTestId('terminal').count(), 0, 'no terminal is opened');
      const forced = await pageCall<{ code: string }>(page, 'POST', `/api/v1/devices/${deviceId}/sessions`, { protocol: 'terminal' });
      assert.equal(forced.status, 403);
      assert.equal(forced.body.code, 'forbidden');
      const files = await pageCall(page, 'POST', `/api/v1/devices/${deviceId}/sessions`, { protocol: 'files' });
      assert.ok(files.status >= 200 && files.status < 300, `the files right is still there (HTTP ${files.status})`);
    });
  });

  test('a device named like markup is shown as text in the list and on its page; no script runs', async () => {
    needDevice();
    await withPage(browser, shots, 'hostile-name', asAdmin(), async ({ page }) => {
      await page.goto(server.url);
      await deviceRow(page, deviceId).waitFor();
      // Renamed through the API while the list is open: the live stream brings the new name.
      const renamed = await pageCallOk<Device>(page, 'PATCH', `/api/v1/devices/${deviceId}`, { name: HOSTILE_NAME });
      assert.equal(renamed.name, HOSTILE_NAME);
      const row = deviceRow(page, deviceId);
      await row.getByText(HOSTILE_NAME, { exact: true }).waitFor();
      assert.equal(await page.locator('img[src="x"]').count(), 0, 'no <img> element was created');
      await row.getByRole('link').click();
      await page.getByRole('heading', { name: HOSTILE_NAME }).waitFor();
      assert.equal(await page.locator('img[src="x"]').count(), 0);
      // withPage fails the test on any dialog (alert) or console error.
    });
  });

  test('events: the page lists the enrolment, naming the device as text', async () => {
    needDevice();
    await withPage(browser, shots, 'events', asAdmin(), async ({ page }) => {
      await page.goto(`${server.url}/events`);
      const table = page.getByTestId('events-table');
      const enrolled = table.getByRole('row').filter({ has: page.getByText('device.enrolled', { exact: true }) });
      await enrolled.getByRole('link', { name: HOSTILE_NAME, exact: true }).waitFor();
      assert.equal(await page.locator('img[src="x"]').count(), 0);
      await shots.take(page, 'events');
    });
  });

  test('phone width (390×844): the devices list fits without horizontal scrolling', async () => {
    needDevice();
    await withPage(browser, shots, 'phone', { ...asAdmin(), viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 }, async ({ page }) => {
      await page.goto(server.url);
      await deviceRow(page, deviceId).waitFor();
      assert.equal(await page.evaluate(HORIZONTAL_OVERFLOW), 0, 'no horizontal overflow');
      await shots.take(page, 'devices-phone');
    });
  });

  test('dark mode: the devices list renders dark, without horizontal overflow', async () => {
    needDevice();
    await withPage(browser, shots, 'dark', { ...asAdmin(), colorScheme: 'dark' }, async ({ page }) => {
      await page.goto(server.url);
      await deviceRow(page, deviceId).waitFor();
      assert.equal(await page.evaluate(HORIZONTAL_OVERFLOW), 0, 'no horizontal overflow');
      const bg = String(await page.evaluate(BODY_BACKGROUND));
      assert.ok(luminance(bg) < 0.2, `a dark background (body: ${bg})`);
      await shots.take(page, 'devices-dark');
    });
  });

  test('the device turns offline in the open list when its agent stops', async () => {
    needDevice();
    await withPage(browser, shots, 'offline', asAdmin(), async ({ page }) => {
      await page.goto(server.url);
      await deviceRow(page, deviceId).getByText('online', { exact: true }).waitFor();
      assert.ok(agent, 'needs the agent from the enrolment test');
      await stopAgent(agent);
      await deviceRow(page, deviceId).getByText('offline', { exact: true }).waitFor();
    });
  });
});

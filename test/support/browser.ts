/**
 * Real Chromium for end-to-end tests of the web UI, driven by playwright-core (no downloaded
 * browsers: the system's `chromium`, installed by `npm test`'s pretest from scripts/system-deps.json).
 *
 * The browser trusts the test server's certificate by its public-key hash
 * (`--ignore-certificate-errors-spki-list`), so pages are a secure context without certificate
 * errors — WebAuthn refuses to run on a page with one. Every page is watched: console errors, uncaught
 * exceptions, CSP violations and JavaScript dialogs are collected and fail the test at `close()`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type ConsoleMessage, type Page } from 'playwright-core';
import { DEADLINE_MS } from './poll.js';
import { ROOT } from './processes.js';

export type { Browser, BrowserContext, Page };

/** Flags for a quiet, headless, loopback-only Chromium in a container. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-default-apps',
];

/** The system Chromium; throws (the test fails, never skips) naming the install command when missing. */
export function chromiumPath(): string {
  for (const p of ['/usr/bin/chromium', '/usr/bin/chromium-browser']) if (existsSync(p)) return p;
  try {
    const found = execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim();
    if (found) return found;
  } catch {
    /* not on PATH */
  }
  throw new Error('Chromium is missing: the web UI tests need it. As root: apt-get update && apt-get install -y --no-install-recommends chromium (scripts/system-deps.json; `npm test` does this)');
}

/** Launches Chromium trusting the TLS keys whose SHA-256 SPKI hashes (base64) are given. */
export function launchChromium(trustedSpki: string[]): Promise<Browser> {
  const args = [...CHROMIUM_ARGS];
  if (trustedSpki.length > 0) args.push(`--ignore-certificate-errors-spki-list=${trustedSpki.join(',')}`);
  return chromium.launch({ executablePath: chromiumPath(), args, timeout: 60_000 });
}

/** An HTTP error status the page is expected to cause (Chromium logs every failed load to the console). */
export interface ExpectedHttpError {
  path: string | RegExp;
  status: number;
}

/**
 * What every page tolerates: the logged-out session check (401). Anything else that fails to load
 * is a finding.
 */
export const EXPECTED_ALWAYS: ExpectedHttpError[] = [{ path: '/api/v1/auth/session', status: 401 }];

export interface PageOptions extends Pick<BrowserContextOptions, 'storageState' | 'colorScheme' | 'viewport' | 'isMobile' | 'hasTouch' | 'deviceScaleFactor'> {
  /** HTTP errors this test causes on purpose. */
  expectHttpErrors?: ExpectedHttpError[];
}

/** A page in its own browser context, watched for problems. */
export interface WatchedPage {
  context: BrowserContext;
  page: Page;
  /** Problems so far: console errors, exceptions, CSP violations, dialogs. */
  problems: string[];
  /** Allows one more expected HTTP error from now on. */
  expectHttpError(e: ExpectedHttpError): void;
  /** Throws listing every problem seen. */
  assertClean(): void;
  /** Closes the context, then throws if there were problems. */
  close(): Promise<void>;
}

const FAILED_LOAD = /^Failed to load resource: the server responded with a status of (\d+)/;

/** Reports CSP violations the page sees to the test (the console message alone can be missed). */
const CSP_REPORTER = `document.addEventListener('securitypolicyviolation', (e) => {
  window.__meshworkCsp && window.__meshworkCsp('Refused (CSP ' + e.effectiveDirective + '): ' + (e.blockedURI || 'inline') + ' at ' + e.sourceFile + ':' + e.lineNumber);
});`;

export async function openPage(browser: Browser, opts: PageOptions = {}): Promise<WatchedPage> {
  const { expectHttpErrors = [], ...contextOptions } = opts;
  const expected = [...EXPECTED_ALWAYS, ...expectHttpErrors];
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true, ...contextOptions });
  context.setDefaultTimeout(DEADLINE_MS);
  const problems: string[] = [];
  await context.exposeBinding('__meshworkCsp', (_source, text: unknown) => void problems.push(String(text)));
  await context.addInitScript({ content: CSP_REPORTER });
  const page = await context.newPage();

  const onConsole = (m: ConsoleMessage): void => {
    const text = m.text();
    const where = m.location().url;
    if (text.startsWith('Refused to')) return void problems.push(`CSP: ${text} (${where})`);
    if (m.type() !== 'error') return;
    const failed = FAILED_LOAD.exec(text);
    if (failed) {
      const status = Number(failed[1]);
      const path = where ? new URL(where).pathname : '';
      if (expected.some((e) => e.status === status && (typeof e.path === 'string' ? e.path === path : e.path.test(path)))) return;
      return void problems.push(`HTTP ${status} loading ${where}`);
    }
    problems.push(`console error: ${text} (${where})`);
  };
  context.on('console', onConsole);
  context.on('weberror', (e) => void problems.push(`uncaught: ${e.error().stack ?? e.error().message}`));
  context.on('dialog', (d) => {
    problems.push(`a ${d.type()} dialog opened: ${JSON.stringify(d.message())}`);
    void d.dismiss().catch(() => undefined);
  });

  const assertClean = (): void => {
    if (problems.length > 0) throw new Error(`the page had ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
  };
  return {
    context,
    page,
    problems,
    expectHttpError: (e) => void expected.push(e),
    assertClean,
    async close() {
      await context.close();
      assertClean();
    },
  };
}

/**
 * Runs `fn` on a fresh watched page and closes its context (also when `fn` throws, after saving
 * `failure-<name>.png` next to the screenshots); fails on any problem the page had.
 */
export async function withPage<T>(browser: Browser, shots: Screenshots, name: string, opts: PageOptions, fn: (w: WatchedPage) => Promise<T>): Promise<T> {
  const w = await openPage(browser, opts);
  let result: T;
  try {
    result = await fn(w);
  } catch (e) {
    await shots.failure(w.page, name);
    const extra = w.problems.length > 0 ? `\npage problems:\n  ${w.problems.join('\n  ')}` : '';
    await w.context.close().catch(() => undefined);
    if (e instanceof Error) e.message += extra;
    throw e;
  }
  await w.close();
  return result;
}

/**
 * Screenshots: into `MESHWORK_SCREENSHOTS_DIR` when set (relative to the repository root, e.g.
 * `docs/screenshots`), else into a temporary dir of the test run (so a test run does not rewrite
 * the checked-in images).
 */
export class Screenshots {
  readonly dir: string;

  constructor(fallbackDir: string) {
    const wanted = process.env.MESHWORK_SCREENSHOTS_DIR;
    this.dir = wanted ? (isAbsolute(wanted) ? wanted : join(ROOT, wanted)) : fallbackDir;
    mkdirSync(this.dir, { recursive: true });
  }

  /** Saves the viewport as `<name>.png` once requests, fonts and animations settled; returns the path. */
  async take(page: Page, name: string): Promise<string> {
    const path = join(this.dir, `${name}.png`);
    await page.waitForLoadState('networkidle', { timeout: 5_000 }).catch(() => undefined);
    await page.evaluate('document.fonts.ready');
    await page.screenshot({ path, animations: 'disabled', caret: 'hide' });
    return path;
  }

  /** Best-effort picture of a page when a test failed. */
  async failure(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: join(this.dir, `failure-${name}.png`), timeout: 5_000 }).catch(() => undefined);
  }
}

/**
 * REST calls made from inside a page, with that page's cookie session and CSRF token: what a user
 * (or a script injected into their tab) could do directly, bypassing the UI's own checks.
 */
import type { Page } from 'playwright-core';

export interface PageResponse<T = unknown> {
  status: number;
  body: T;
}

interface CallArgs {
  method: string;
  path: string;
  body: unknown;
}

/** `fetch` in the page: reads the session's CSRF token, then sends the request with it. */
export function pageCall<T = unknown>(page: Page, method: string, path: string, body?: unknown): Promise<PageResponse<T>> {
  return page.evaluate(async ({ method, path, body }: CallArgs) => {
    const s = await fetch('/api/v1/auth/session', { credentials: 'same-origin' });
    const csrf = s.ok ? ((await s.json()) as { csrfToken: string }).csrfToken : '';
    const headers: Record<string, string> = { accept: 'application/json', 'x-csrf-token': csrf };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const r = await fetch(path, { method, credentials: 'same-origin', headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const text = await r.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* not JSON: keep the text */
    }
    return { status: r.status, body: parsed as T };
  }, { method, path, body: body ?? undefined } as CallArgs);
}

/** Like pageCall, but throws unless the status is 2xx. */
export async function pageCallOk<T = unknown>(page: Page, method: string, path: string, body?: unknown): Promise<T> {
  const r = await pageCall<T>(page, method, path, body);
  if (r.status < 200 || r.status > 299) throw new Error(`${method} ${path} → HTTP ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body;
}

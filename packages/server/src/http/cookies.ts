/** Minimal, strict cookie parsing and serialising (RFC 6265 subset). Malformed pairs are ignored. */
import type { CookieOptions } from './handler.js';

const NAME = /^[A-Za-z0-9_-]{1,64}$/;
const VALUE = /^[A-Za-z0-9_.~-]{0,512}$/;

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  if (!header || header.length > 8192) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (NAME.test(name) && VALUE.test(value)) out[name] = value;
  }
  return out;
}

export function serializeCookie(name: string, value: string, opts: CookieOptions = {}): string {
  if (!NAME.test(name) || !VALUE.test(value)) throw new Error(`invalid cookie ${name}`);
  const parts = [`${name}=${value}`, 'Path=/', 'Secure', 'SameSite=Strict'];
  if (opts.httpOnly !== false) parts.push('HttpOnly');
  if (opts.maxAgeSeconds !== undefined) parts.push(`Max-Age=${Math.max(0, Math.floor(opts.maxAgeSeconds))}`);
  return parts.join('; ');
}

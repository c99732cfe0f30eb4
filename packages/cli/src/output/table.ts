/** Human output helpers: aligned tables and compact times. Cells are raw strings, made printable here. */
import { printable } from './printable.js';

/** Columns padded to the widest cell, two spaces apart; the last column is not padded. */
export function table(headers: string[], rows: string[][]): string {
  const all = [headers, ...rows].map((r) => r.map(printable));
  const widths = headers.map((_, c) => Math.max(...all.map((r) => (r[c] ?? '').length)));
  return all
    .map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c] ?? 0))).join('  ').trimEnd())
    .join('\n');
}

/** `2026-01-02T03:04:05.678Z` → `2026-01-02 03:04:05Z`; null → `-`. */
export function time(iso: string | null): string {
  if (iso === null) return '-';
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

export function list(items: readonly string[]): string {
  return items.length > 0 ? items.join(',') : '-';
}

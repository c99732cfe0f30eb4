/**
 * Imported first by main.tsx, and built into zod's own chunk (vite.config.ts), so it runs before
 * any schema exists: zod's object parser would otherwise probe
 * `new Function('')` to decide whether it may compile fast paths, and the server's CSP (no eval)
 * refuses that with a violation on every page load. Jitless zod parses the same, without eval.
 */
import { config } from 'zod';

config({ jitless: true });

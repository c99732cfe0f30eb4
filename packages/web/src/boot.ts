/**
 * The page's entry: starts the first requests (lib/first-requests.ts) and, once the device list
 * is asked for, loads the application (main.tsx) — so the server works on the list while the
 * browser evaluates the app. index.html preloads the app's chunks (vite.config.ts): they download
 * meanwhile, and importing them here costs no extra round trip.
 */
import { startFirstRequests } from './lib/first-requests.js';

void startFirstRequests().then(() => import('./main.js'));

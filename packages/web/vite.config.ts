import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Built into dist/: index.html plus content-hashed files under assets/, which the server serves
// with a year-long immutable cache. No inline scripts (the server's CSP forbids them).
export default defineConfig({
  plugins: [react()],
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1500,
    rollupOptions: {
      output: {
        // zod and src/lib/zod-jitless.ts share one chunk, so jitless is set before any chunk that
        // defines schemas runs (with code splitting, the entry chunk's own code runs last). The
        // CSP forbids eval, which zod's fast path would otherwise probe for.
        manualChunks(id: string) {
          if (id.includes('/node_modules/zod/') || id.endsWith('/src/lib/zod-jitless.ts')) return 'zod';
          return undefined;
        },
      },
    },
  },
});

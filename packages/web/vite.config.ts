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
  },
});

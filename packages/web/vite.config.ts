import { defineConfig, type HtmlTagDescriptor, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

// Built into dist/: index.html plus content-hashed files under assets/, which the server serves
// with a year-long immutable cache. No inline scripts (the server's CSP forbids them).
export default defineConfig({
  plugins: [react(), preloadApp()],
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

/**
 * The entry (src/boot.ts) starts the first API requests and then imports the app (src/main.tsx)
 * dynamically. This puts `<link rel="modulepreload">` for the app's chunks and a preload of its
 * stylesheet in index.html, so the browser loads them while boot runs instead of after (plain
 * links: no inline script, as the CSP wants).
 */
function preloadApp(): Plugin {
  return {
    name: 'meshwork-preload-app',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(html, ctx) {
        const chunks = new Map<string, { imports: string[]; css: string[] }>();
        let app: string | undefined;
        for (const out of Object.values(ctx.bundle ?? {})) {
          if (out.type !== 'chunk') continue;
          chunks.set(out.fileName, { imports: out.imports, css: [...(out.viteMetadata?.importedCss ?? [])] });
          if (out.facadeModuleId?.endsWith('/src/main.tsx')) app = out.fileName;
        }
        if (!app) throw new Error('preloadApp: no chunk for src/main.tsx');
        const scripts = new Set<string>();
        const styles = new Set<string>();
        const visit = (file: string): void => {
          if (scripts.has(file)) return;
          scripts.add(file);
          const c = chunks.get(file);
          c?.css.forEach((f) => styles.add(f));
          c?.imports.forEach(visit);
        };
        visit(app);
        const tags: HtmlTagDescriptor[] = [];
        // `preload`, not `stylesheet`: a pending stylesheet would hold boot.ts back. The import of
        // the app puts the stylesheet in (Vite's preload helper) and waits for it, from the cache.
        for (const f of styles) if (!html.includes(`/${f}"`)) tags.push({ tag: 'link', attrs: { rel: 'preload', as: 'style', crossorigin: true, href: `/${f}` }, injectTo: 'head' });
        for (const f of scripts) if (!html.includes(`/${f}"`)) tags.push({ tag: 'link', attrs: { rel: 'modulepreload', crossorigin: true, href: `/${f}` }, injectTo: 'head' });
        return tags;
      },
    },
  };
}

// The dashboard's production build: `npm run build:web` (run by `npm ci` through scripts/prepare.mjs)
// writes web/dist, which the Warden process serves at `/` (src/api/dashboard.ts).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  // Nothing is copied from a public/ folder: every file the page loads is bundled and hashed.
  publicDir: false,
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    // Every browser the dashboard targets supports modulepreload; the polyfill would be an inline script the CSP refuses.
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1024,
  },
});

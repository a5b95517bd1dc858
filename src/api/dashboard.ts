/**
 * The web dashboard (web/, built by `npm run build` into web/dist) served by the API process:
 * `/` answers index.html, `/assets/*` the bundle Vite names by content hash. Both are public —
 * they hold no data; every figure the page shows comes from the API with the user's token.
 * The client routes in the URL fragment (#/models/spam), so no page path collides with the API.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyReply, FastifyRequest, FastifySchema } from 'fastify';
import fastifyStatic from '@fastify/static';
import type { WardenApp } from './app-deps.js';

/** The dashboard's own paths: `/` (and /index.html) and everything under /assets/. */
export const DASHBOARD_PATHS = ['/', '/index.html'] as const;
export const DASHBOARD_ASSET_PREFIX = '/assets';

/**
 * Only this origin, and nothing inline: the page can reach no other host (no CDN, no
 * tracker), and an injected script or style tag would not run.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "img-src 'self' data:",
  "style-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Whether `webDir` holds a built dashboard. */
export function dashboardBuilt(webDir: string): boolean {
  return fs.existsSync(path.join(webDir, 'index.html'));
}

/**
 * Registers the dashboard routes when `webDir` holds a build; without one, `/` stays a 404 (a
 * checkout installed without dev dependencies has the API and the CLI, not the web bundle).
 */
export async function registerDashboard(app: WardenApp, webDir: string): Promise<void> {
  if (!dashboardBuilt(webDir)) {
    app.log.debug({ webDir }, 'no dashboard build: / is not served');
    return;
  }
  await app.register(async (scope) => {
    scope.addHook('onRoute', (route) => {
      route.config = { ...route.config, public: true };
    });
    await scope.register(fastifyStatic, {
      root: webDir,
      serve: false, // only the routes below: nothing else in webDir is reachable
      cacheControl: false,
      setHeaders: (reply, file) => {
        void reply.header('x-content-type-options', 'nosniff');
        if (path.basename(file) === 'index.html') {
          // index.html names the current hashes, so it is revalidated on every load.
          void reply.header('cache-control', 'no-cache').header('content-security-policy', CONTENT_SECURITY_POLICY).header('referrer-policy', 'no-referrer');
        } else {
          // Vite names every asset by its content hash: a new build is a new name, so a year without asking again is safe.
          void reply.header('cache-control', 'public, max-age=31536000, immutable');
        }
      },
    });
    // Hidden from the OpenAPI document: the page is not part of the API.
    const hidden = { hide: true } as FastifySchema;
    const sendIndex = async (_request: FastifyRequest, reply: FastifyReply) => reply.sendFile('index.html');
    for (const url of DASHBOARD_PATHS) scope.get(url, { schema: hidden }, sendIndex);
    scope.get<{ Params: { '*': string } }>(`${DASHBOARD_ASSET_PREFIX}/*`, { schema: hidden }, async (request, reply) => reply.sendFile(request.params['*'], path.join(webDir, 'assets')));
  });
}

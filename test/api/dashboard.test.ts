/**
 * The dashboard as the API process serves it: `/` answers index.html (revalidated every load,
 * a CSP that allows only this origin), `/assets/*` the hashed bundle (cached for a year), both
 * without a token; nothing else of the build folder, and nothing at all without a build.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { openTestPlatform, type TestPlatform } from '../support/platform.js';
import { tempDir } from '../support/stores.js';

describe('dashboard static serving', () => {
  let platform: TestPlatform;
  let web: { dir: string; remove(): void };

  before(async () => {
    web = tempDir('warden-web-');
    fs.mkdirSync(path.join(web.dir, 'assets'));
    fs.writeFileSync(path.join(web.dir, 'index.html'), '<!doctype html><title>Warden</title><script type="module" src="/assets/index-abc123.js"></script>');
    fs.writeFileSync(path.join(web.dir, 'assets', 'index-abc123.js'), 'console.log("dashboard")');
    fs.writeFileSync(path.join(web.dir, 'secret.txt'), 'not for the web');
    platform = await openTestPlatform('sqlite', { WARDEN_WEB_DIR: web.dir });
  });
  after(async () => {
    await platform.close();
    web.remove();
  });

  it('answers / with index.html, revalidated on every load, under a same-origin-only CSP, without a token', async () => {
    for (const url of ['/', '/index.html']) {
      const res = await platform.app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 200, url);
      assert.match(res.headers['content-type'] as string, /^text\/html/);
      assert.match(res.body, /<title>Warden<\/title>/);
      assert.equal(res.headers['cache-control'], 'no-cache');
      const csp = res.headers['content-security-policy'] as string;
      assert.match(csp, /default-src 'self'/);
      assert.match(csp, /connect-src 'self'/);
      assert.doesNotMatch(csp, /unsafe-inline|https?:/, 'no inline code and no other host');
    }
  });

  it('answers the hashed assets as immutable for a year', async () => {
    const res = await platform.app.inject({ method: 'GET', url: '/assets/index-abc123.js' });
    assert.equal(res.statusCode, 200);
    assert.match(res.headers['content-type'] as string, /javascript/);
    assert.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(res.body, 'console.log("dashboard")');
  });

  it('serves nothing else of the build folder, and refuses to climb out of assets/', async () => {
    assert.equal((await platform.app.inject({ method: 'GET', url: '/secret.txt' })).statusCode, 404);
    assert.equal((await platform.app.inject({ method: 'GET', url: '/assets/missing.js' })).statusCode, 404);
    for (const url of ['/assets/../secret.txt', '/assets/..%2fsecret.txt', '/assets/%2e%2e/secret.txt']) {
      const res = await platform.app.inject({ method: 'GET', url });
      assert.ok([400, 403, 404].includes(res.statusCode), `${url}: ${res.statusCode}`);
      assert.doesNotMatch(res.body, /not for the web/);
    }
  });

  it('keeps the API behind its tokens and out of the page paths', async () => {
    assert.equal((await platform.app.inject({ method: 'GET', url: '/models' })).statusCode, 401);
    const docs = (await platform.app.inject({ method: 'GET', url: '/docs/json' })).json() as { paths: Record<string, unknown> };
    assert.ok(!('/' in docs.paths) && !Object.keys(docs.paths).some((p) => p.startsWith('/assets')), 'the page is not part of the API document');
  });

  it('serves no page when the folder holds no build', async () => {
    const empty = tempDir('warden-web-empty-');
    const bare = await openTestPlatform('sqlite', { WARDEN_WEB_DIR: empty.dir });
    try {
      const res = await bare.app.inject({ method: 'GET', url: '/' });
      assert.equal(res.statusCode, 404);
      assert.equal(res.json().error.code, 'NOT_FOUND');
    } finally {
      await bare.close();
      empty.remove();
    }
  });
});

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openTestPlatform, type TestPlatform } from '../support/platform.js';
import { STORE_KINDS } from '../support/stores.js';

for (const kind of STORE_KINDS) {
  describe(`app on ${kind}`, () => {
    let platform: TestPlatform;
    before(async () => {
      platform = await openTestPlatform(kind);
    });
    after(async () => platform.close());

    it('reports health without a token: status, version, store dialect, queue kind, uptime', async () => {
      const res = await platform.app.inject({ method: 'GET', url: '/health' });
      assert.equal(res.statusCode, 200);
      const body = res.json();
      assert.equal(body.status, 'ok');
      assert.match(body.version, /^\d+\.\d+\.\d+/);
      assert.equal(body.store, kind);
      assert.equal(body.queue, 'local');
      assert.ok(Number.isInteger(body.uptimeSeconds) && body.uptimeSeconds >= 0);
    });

    it('serves the OpenAPI document at /docs/json with the bearer scheme and the required roles', async () => {
      const res = await platform.app.inject({ method: 'GET', url: '/docs/json' });
      assert.equal(res.statusCode, 200);
      const doc = res.json();
      assert.equal(doc.openapi, '3.0.3');
      assert.deepEqual(doc.components.securitySchemes.bearerAuth, { type: 'http', scheme: 'bearer' });
      assert.deepEqual(doc.paths['/tokens'].post.security, [{ bearerAuth: [] }]);
      assert.match(doc.paths['/tokens'].post.description, /admin/);
      assert.ok(doc.paths['/health'].get);
      assert.equal(doc.paths['/health'].get.security, undefined);
      const ui = await platform.app.inject({ method: 'GET', url: '/docs' });
      assert.ok([200, 302].includes(ui.statusCode));
      const page = await platform.app.inject({ method: 'GET', url: '/docs/' });
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /swagger/i);
    });
  });
}

describe('health when the store is down', () => {
  it('answers 503 with status unavailable', async () => {
    const platform = await openTestPlatform('sqlite');
    try {
      await platform.app.ready();
      await platform.testDatabase.database.close();
      const res = await platform.app.inject({ method: 'GET', url: '/health' });
      assert.equal(res.statusCode, 503);
      assert.equal(res.json().status, 'unavailable');
    } finally {
      await platform.app.close();
      platform.testDatabase.database.close = async () => {};
      await platform.close();
    }
  });
});

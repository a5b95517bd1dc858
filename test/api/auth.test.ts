/**
 * Deny by default, proven over EVERY registered route: the list comes from the
 * app's onRoute hook, so a route added by any area is covered without editing this file.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ROLES, roleAllows, type Role } from '../../src/domain/auth.js';
import { isPublicPath } from '../../src/api/auth.js';
import type { RouteSummary } from '../../src/api/app.js';
import { randomBytes } from 'node:crypto';
import { createPlatform, type Platform } from '../../src/main.js';
import { openTestPlatform, testConfig, type TestPlatform } from '../support/platform.js';
import { STORE_KINDS, openTestDatabase, type TestDatabase } from '../support/stores.js';

type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';
const bodiless = (method: Method) => method === 'GET' || method === 'HEAD';

/** A concrete URL for a route pattern: params and wildcards get harmless values. */
function concreteUrl(pattern: string): string {
  return pattern.replace(/:[A-Za-z0-9_]+/g, 'zz-missing').replace(/\*/g, 'x');
}

describe('auth: every registered route', () => {
  let platform: TestPlatform;
  let routes: readonly RouteSummary[];
  const headers: Partial<Record<Role, { authorization: string }>> = {};

  before(async () => {
    platform = await openTestPlatform('sqlite');
    await platform.app.ready();
    routes = platform.app.registeredRoutes();
    for (const role of ROLES) headers[role] = await platform.auth(role);
  });
  after(async () => platform.close());

  it('collects the routes of every module (sanity check of the enumeration itself)', () => {
    const keys = new Set(routes.map((r) => `${r.method} ${r.url}`));
    for (const expected of ['GET /health', 'GET /docs', 'GET /docs/json', 'POST /tokens', 'GET /tokens', 'DELETE /tokens/:id']) {
      assert.ok(keys.has(expected), `${expected} is registered`);
    }
  });

  it('has a declaration on every route: a role, or public for /health and /docs only', () => {
    for (const route of routes) {
      const where = `${route.method} ${route.url}`;
      assert.ok(route.public || (route.role !== undefined && (ROLES as readonly string[]).includes(route.role)), `${where} declares a role`);
      assert.ok(!(route.public && route.role !== undefined), `${where} declares one of role or public, not both`);
      assert.equal(route.public, isPublicPath(route.url), `${where}: only /health and /docs are public`);
    }
  });

  it('rejects a missing or unknown token with 401 on every non-public route', async () => {
    const guarded = routes.filter((r) => !r.public);
    assert.ok(guarded.length > 0);
    for (const route of guarded) {
      const url = concreteUrl(route.url);
      const method = route.method as Method;
      for (const extra of [{}, { authorization: 'Bearer wdn_not-a-real-token' }, { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }]) {
        const res = await platform.app.inject({ method, url, headers: extra, payload: bodiless(method) ? undefined : {} });
        assert.equal(res.statusCode, 401, `${route.method} ${route.url} with ${JSON.stringify(extra)}: ${res.body}`);
        if (method !== 'HEAD') assert.equal(res.json().error.code, 'UNAUTHENTICATED');
      }
    }
  });

  it('refuses every role below the declared one with 403', async () => {
    let checked = 0;
    for (const route of routes.filter((r) => r.role !== undefined)) {
      for (const role of ROLES) {
        if (roleAllows(role, route.role as Role)) continue;
        const method = route.method as Method;
        const res = await platform.app.inject({ method, url: concreteUrl(route.url), headers: headers[role], payload: bodiless(method) ? undefined : {} });
        assert.equal(res.statusCode, 403, `${role} on ${route.method} ${route.url}: ${res.body}`);
        if (method !== 'HEAD') assert.equal(res.json().error.code, 'FORBIDDEN');
        checked++;
      }
    }
    assert.ok(checked > 0);
  });

  it('lets the declared role through auth, and junk input never causes a 5xx', async () => {
    for (const route of routes.filter((r) => r.role !== undefined)) {
      const method = route.method as Method;
      const payloads = bodiless(method) || method === 'DELETE' ? [undefined] : [{}, { name: 42, junk: [null] }];
      for (const payload of payloads) {
        const res = await platform.app.inject({ method, url: concreteUrl(route.url), headers: headers[route.role as Role], payload });
        assert.ok(res.statusCode !== 401 && res.statusCode !== 403, `${route.role} on ${route.method} ${route.url}: ${res.statusCode} ${res.body}`);
        assert.ok(res.statusCode < 500, `${route.method} ${route.url} with ${JSON.stringify(payload)}: ${res.statusCode} ${res.body}`);
      }
    }
  });

  it('serves the public routes without a token', async () => {
    for (const url of ['/health', '/docs', '/docs/json']) {
      const res = await platform.app.inject({ method: 'GET', url });
      assert.ok(res.statusCode === 200 || res.statusCode === 302, `${url}: ${res.statusCode}`);
    }
  });

  it('refuses a revoked token from the next request on', async () => {
    const issued = await platform.services.auth.issue({ name: 'short-lived', role: 'admin' });
    const auth = { authorization: `Bearer ${issued.plaintext}` };
    assert.equal((await platform.app.inject({ method: 'GET', url: '/tokens', headers: auth })).statusCode, 200);
    const revoke = await platform.app.inject({ method: 'DELETE', url: `/tokens/${issued.token.id}`, headers: headers.admin });
    assert.equal(revoke.statusCode, 200);
    assert.equal((await platform.app.inject({ method: 'GET', url: '/tokens', headers: auth })).statusCode, 401);
  });

  it('accepts the bearer scheme case-insensitively', async () => {
    const res = await platform.app.inject({ method: 'GET', url: '/tokens', headers: { authorization: `bearer  ${platform.adminToken}` } });
    assert.equal(res.statusCode, 200);
  });
});

describe('auth: deny by default', () => {
  let platform: TestPlatform;
  before(async () => {
    platform = await openTestPlatform('sqlite');
    platform.app.get('/test/undeclared', async () => ({ reached: true }));
    platform.app.get('/test/whoami', { config: { role: 'viewer' } }, async (request) => ({ actor: request.actor, role: request.principal?.role }));
  });
  after(async () => platform.close());

  it('refuses a route that declares no role with 403, even for an admin', async () => {
    for (const role of ROLES) {
      const res = await platform.app.inject({ method: 'GET', url: '/test/undeclared', headers: await platform.auth(role) });
      assert.equal(res.statusCode, 403, role);
      assert.equal(res.json().error.code, 'FORBIDDEN');
      assert.doesNotMatch(res.body, /reached/);
    }
    const route = platform.app.registeredRoutes().find((r) => r.url === '/test/undeclared');
    assert.ok(route && route.role === undefined && !route.public, 'the enumeration sees the undeclared route');
  });

  it('exposes the verified token name as request.actor', async () => {
    const res = await platform.app.inject({ method: 'GET', url: '/test/whoami', headers: await platform.auth('editor') });
    assert.deepEqual(res.json(), { actor: 'test-editor', role: 'editor' });
  });
});

for (const kind of STORE_KINDS) {
  describe(`auth: a revoked admin token on another server process (${kind})`, () => {
    // Two platforms on one database stand for two server processes: each has its own token cache.
    let database: TestDatabase;
    let a: Platform;
    let b: Platform;
    const removers: Array<() => void> = [];
    before(async () => {
      database = await openTestDatabase(kind);
      const env = { WARDEN_ADMIN_TOKEN: `test-admin-${randomBytes(16).toString('hex')}` };
      const [first, second] = [testConfig(env), testConfig(env)];
      removers.push(first.remove, second.remove);
      a = await createPlatform(first.config, { database: database.database });
      b = await createPlatform(second.config, { database: database.database });
    });
    after(async () => {
      await a.close();
      await b.close();
      await database.cleanup();
      for (const remove of removers) remove();
    });

    it('is refused by the other process on its very next admin call, and cannot mint a token', async () => {
      const issued = await a.services.auth.issue({ name: 'ops', role: 'admin' });
      const ops = { authorization: `Bearer ${issued.plaintext}` };
      // B has verified (and, before the fix, cached) the token.
      assert.equal((await b.app.inject({ method: 'GET', url: '/tokens', headers: ops })).statusCode, 200);
      assert.equal((await a.app.inject({ method: 'DELETE', url: `/tokens/${issued.token.id}`, headers: ops })).statusCode, 200);
      const minted = await b.app.inject({ method: 'POST', url: '/tokens', headers: ops, payload: { name: 'backdoor', role: 'admin' } });
      assert.equal(minted.statusCode, 401, minted.body);
      assert.equal((await b.app.inject({ method: 'GET', url: '/tokens', headers: ops })).statusCode, 401);
      // Not even through an editor route, where the service would still see an admin principal.
      assert.equal((await b.app.inject({ method: 'GET', url: '/models', headers: ops })).statusCode, 401);
      assert.ok(!(await b.services.auth.list()).some((t) => t.name === 'backdoor'));
    });
  });
}

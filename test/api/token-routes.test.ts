import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openTestPlatform, type TestPlatform } from '../support/platform.js';

describe('token routes', () => {
  let platform: TestPlatform;
  let admin: { authorization: string };
  before(async () => {
    platform = await openTestPlatform('postgres');
    admin = await platform.auth('admin');
  });
  after(async () => platform.close());

  it('issues a token once, lists it without its value, and revokes it', async () => {
    const created = await platform.app.inject({ method: 'POST', url: '/tokens', headers: admin, payload: { name: 'ci-bot', role: 'editor' } });
    assert.equal(created.statusCode, 201);
    const issued = created.json();
    assert.match(issued.token, /^wdn_/);
    assert.deepEqual({ name: issued.name, role: issued.role }, { name: 'ci-bot', role: 'editor' });

    const listed = await platform.app.inject({ method: 'GET', url: '/tokens', headers: admin });
    assert.equal(listed.statusCode, 200);
    const entry = listed.json().tokens.find((t: { id: string }) => t.id === issued.id);
    assert.deepEqual(Object.keys(entry).sort(), ['createdAt', 'id', 'lastUsedAt', 'name', 'revokedAt', 'role']);
    assert.ok(!listed.body.includes(issued.token));

    const used = await platform.app.inject({ method: 'GET', url: '/health', headers: { authorization: `Bearer ${issued.token}` } });
    assert.equal(used.statusCode, 200);

    const revoked = await platform.app.inject({ method: 'DELETE', url: `/tokens/${issued.id}`, headers: admin });
    assert.equal(revoked.statusCode, 200);
    assert.equal(typeof revoked.json().revokedAt, 'number');
    const active = await platform.app.inject({ method: 'GET', url: '/tokens', headers: admin });
    assert.ok(!active.json().tokens.some((t: { id: string }) => t.id === issued.id));
    const all = await platform.app.inject({ method: 'GET', url: '/tokens?includeRevoked=true', headers: admin });
    assert.ok(all.json().tokens.some((t: { id: string }) => t.id === issued.id));
  });

  it('tells any token its own name and role (GET /tokens/current), and a missing token nothing', async () => {
    const created = await platform.app.inject({ method: 'POST', url: '/tokens', headers: admin, payload: { name: 'dash-viewer', role: 'viewer' } });
    const viewer = { authorization: `Bearer ${created.json().token as string}` };
    const current = await platform.app.inject({ method: 'GET', url: '/tokens/current', headers: viewer });
    assert.equal(current.statusCode, 200);
    assert.deepEqual(current.json(), { name: 'dash-viewer', role: 'viewer' });
    assert.equal((await platform.app.inject({ method: 'GET', url: '/tokens/current', headers: admin })).json().role, 'admin');
    assert.equal((await platform.app.inject({ method: 'GET', url: '/tokens/current' })).statusCode, 401);
  });

  it('validates name and role, naming the field', async () => {
    for (const [payload, field] of [
      [{ name: 'x', role: 'root' }, 'body.role'],
      [{ role: 'viewer' }, 'body.name'],
      [{ name: '', role: 'viewer' }, 'body.name'],
      [{ name: 'has space', role: 'viewer' }, 'name'],
    ] as const) {
      const res = await platform.app.inject({ method: 'POST', url: '/tokens', headers: admin, payload });
      assert.equal(res.statusCode, 400, JSON.stringify(payload));
      assert.equal(res.json().error.field, field);
    }
  });

  it('refuses the name of an active token with 409 (the name is the actor in the history); a revoked token\'s name may be reused', async () => {
    const first = await platform.app.inject({ method: 'POST', url: '/tokens', headers: admin, payload: { name: 'alice', role: 'viewer' } });
    assert.equal(first.statusCode, 201);
    const again = await platform.app.inject({ method: 'POST', url: '/tokens', headers: admin, payload: { name: 'alice', role: 'admin' } });
    assert.equal(again.statusCode, 409, again.body);
    assert.deepEqual([again.json().error.code, again.json().error.field], ['TOKEN_NAME_TAKEN', 'name']);
    const bootstrap = await platform.app.inject({ method: 'POST', url: '/tokens', headers: admin, payload: { name: 'admin', role: 'viewer' } });
    assert.equal(bootstrap.statusCode, 409, 'the bootstrap admin token is named admin');
    assert.equal((await platform.app.inject({ method: 'DELETE', url: `/tokens/${first.json().id}`, headers: admin })).statusCode, 200);
    const reused = await platform.app.inject({ method: 'POST', url: '/tokens', headers: admin, payload: { name: 'alice', role: 'editor' } });
    assert.equal(reused.statusCode, 201, reused.body);
  });

  it('answers 404 TOKEN_NOT_FOUND for an unknown id', async () => {
    const res = await platform.app.inject({ method: 'DELETE', url: '/tokens/nope', headers: admin });
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().error.code, 'TOKEN_NOT_FOUND');
  });
});

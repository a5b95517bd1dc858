import fs from 'node:fs';
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Type } from '@sinclair/typebox';
import { ERROR_CATALOG, ERROR_KINDS, WardenError, type ErrorCode } from '../../src/domain/errors.js';
import { HTTP_STATUS_BY_KIND, fieldOf, httpStatusOf, toHttpFailure } from '../../src/api/http-errors.js';
import { openTestPlatform, type TestPlatform } from '../support/platform.js';

describe('error kind → HTTP status table', () => {
  it('maps every kind and every catalog code to one status', () => {
    assert.deepEqual(Object.keys(HTTP_STATUS_BY_KIND).sort(), [...ERROR_KINDS].sort());
    const expected = { invalid: 400, unauthenticated: 401, forbidden: 403, not_found: 404, conflict: 409, too_large: 413, integrity: 422, unavailable: 503, internal: 500 };
    assert.deepEqual({ ...HTTP_STATUS_BY_KIND }, expected);
    for (const code of Object.keys(ERROR_CATALOG) as ErrorCode[]) {
      assert.equal(httpStatusOf(code), expected[ERROR_CATALOG[code].kind], code);
    }
  });

  it("keeps README.md's error table and the catalog in step: every code, its status, whether it is retryable, its meaning", () => {
    const readme = fs.readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const documented = [...readme.matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \| (yes|no) \| (.+) \|$/gm)].map((m) => m.slice(1).join(' | '));
    const catalog = (Object.keys(ERROR_CATALOG) as ErrorCode[]).map((code) => [code, httpStatusOf(code), ERROR_CATALOG[code].retryable ? 'yes' : 'no', ERROR_CATALOG[code].summary].join(' | '));
    assert.deepEqual(documented, catalog, 'regenerate the table under "Errors always have one shape" in README.md from src/domain/errors.ts');
  });

  it('only unavailability and internal failures are retryable; WardenError says so', () => {
    for (const code of Object.keys(ERROR_CATALOG) as ErrorCode[]) {
      assert.equal(new WardenError(code, 'x').retryable, ['unavailable', 'internal'].includes(ERROR_CATALOG[code].kind), code);
    }
  });

  it('carries a refusal\'s details in the body, never a 5xx\'s', () => {
    const refused = toHttpFailure(new WardenError('STAGE_TRANSITION_INVALID', 'no', { field: 'force', details: { version: 3, from: 'Production', to: 'Archived' } }), 'req-2');
    assert.deepEqual(refused.body.error, { code: 'STAGE_TRANSITION_INVALID', message: 'no', field: 'force', details: { version: 3, from: 'Production', to: 'Archived' } });
    const internal = toHttpFailure(new WardenError('INTERNAL', 'secret', { details: { path: '/srv/secret' } }), 'req-3');
    assert.equal(internal.body.error.details, undefined);
  });

  it('names fields from the AJV instance path and params', () => {
    assert.equal(fieldOf('body', { keyword: 'required', instancePath: '', params: { missingProperty: 'name' } }), 'body.name');
    assert.equal(fieldOf('querystring', { keyword: 'maximum', instancePath: '/limit', params: {} }), 'query.limit');
    assert.equal(fieldOf('body', { keyword: 'type', instancePath: '/tags/0/a~1b', params: {} }), 'body.tags.0.a/b');
    assert.equal(fieldOf('params', { keyword: 'pattern', instancePath: '/name', params: {} }), 'params.name');
  });

  it('never turns an unknown error into anything but a bare 500', () => {
    const failure = toHttpFailure(new TypeError('cannot read x of undefined at /srv/secret.ts:12'), 'req-1');
    assert.equal(failure.status, 500);
    assert.equal(failure.body.error.code, 'INTERNAL');
    assert.match(failure.body.error.message, /req-1/);
    assert.doesNotMatch(failure.body.error.message, /secret|undefined/);
  });
});

describe('error answers through the app', () => {
  let platform: TestPlatform;
  let viewer: { authorization: string };

  before(async () => {
    platform = await openTestPlatform('sqlite', { WARDEN_BODY_LIMIT_BYTES: '2048' });
    viewer = await platform.auth('viewer');
    const app = platform.app;
    app.post(
      '/test/echo/:kind',
      {
        config: { role: 'viewer' },
        schema: {
          params: Type.Object({ kind: Type.String({ pattern: '^[a-z]+$' }) }),
          querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })) }),
          body: Type.Object({ name: Type.String({ minLength: 1 }), count: Type.Optional(Type.Integer({ minimum: 0 })) }),
        },
      },
      async (request) => ({ ok: true, body: request.body }),
    );
    app.get('/test/boom', { config: { role: 'viewer' } }, async () => {
      throw new Error('secret internal detail: password=hunter2 at /srv/warden/src/x.ts');
    });
    app.get('/test/store-down', { config: { role: 'viewer' } }, async () => {
      throw new WardenError('STORE_UNAVAILABLE', 'cannot connect to postgres://warden:hunter2@db:5432/warden');
    });
    const thrown: Record<string, WardenError> = {
      tampered: new WardenError('ARTIFACT_TAMPERED', 'blob abc changed'),
      conflict: new WardenError('MODEL_ALREADY_EXISTS', 'model "spam" already exists', { field: 'body.name' }),
      missing: new WardenError('VERSION_NOT_FOUND', 'model "spam" has no version 9'),
    };
    app.get('/test/throw/:which', { config: { role: 'viewer' } }, async (request) => {
      throw thrown[(request.params as { which: string }).which] ?? new Error('unreachable');
    });
  });
  after(async () => platform.close());

  const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
    platform.app.inject({ method: 'POST', url, headers: { ...viewer, ...headers }, payload: payload as string });

  it('answers a missing body field with 400 VALIDATION_FAILED naming body.<field>', async () => {
    const res = await post('/test/echo/a', { count: 1 });
    assert.equal(res.statusCode, 400);
    assert.deepEqual(res.json().error.code, 'VALIDATION_FAILED');
    assert.equal(res.json().error.field, 'body.name');
  });

  it('names query and params fields too', async () => {
    let res = await post('/test/echo/a?limit=1000', { name: 'x' });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.field, 'query.limit');
    res = await post('/test/echo/a?limit=abc', { name: 'x' });
    assert.equal(res.json().error.field, 'query.limit');
    res = await post('/test/echo/A1', { name: 'x' });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.field, 'params.kind');
    res = await post('/test/echo/a', { name: 'x', count: -1 });
    assert.equal(res.json().error.field, 'body.count');
    res = await post('/test/echo/a', { name: 'x' });
    assert.equal(res.statusCode, 200);
  });

  it('answers malformed JSON, an empty JSON body and a foreign content type with 400, never 500', async () => {
    for (const [payload, type] of [
      ['{"name":', 'application/json'],
      ['', 'application/json'],
      ['<a/>', 'application/xml'],
      ['just text', 'text/plain'],
      ['[1,2]', 'application/json'],
      ['null', 'application/json'],
    ] as const) {
      const res = await post('/test/echo/a', payload, { 'content-type': type });
      assert.equal(res.statusCode, 400, `${type} ${payload}: ${res.body}`);
      assert.equal(res.json().error.code, 'VALIDATION_FAILED');
    }
  });

  it('answers a body over the limit with 413 PAYLOAD_TOO_LARGE', async () => {
    const res = await post('/test/echo/a', { name: 'x'.repeat(4096) });
    assert.equal(res.statusCode, 413);
    assert.equal(res.json().error.code, 'PAYLOAD_TOO_LARGE');
  });

  it('answers an unknown route with 404 NOT_FOUND in the same shape', async () => {
    const res = await platform.app.inject({ method: 'GET', url: '/no/such/route?x=1', headers: viewer });
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().error.code, 'NOT_FOUND');
    assert.match(res.json().error.message, /GET \/no\/such\/route/);
    const unauthenticated = await platform.app.inject({ method: 'DELETE', url: '/nothing-here' });
    assert.equal(unauthenticated.statusCode, 404);
  });

  it('maps WardenErrors by kind and keeps their message and field', async () => {
    let res = await platform.app.inject({ method: 'GET', url: '/test/throw/conflict', headers: viewer });
    assert.equal(res.statusCode, 409);
    assert.deepEqual(res.json(), { error: { code: 'MODEL_ALREADY_EXISTS', message: 'model "spam" already exists', field: 'body.name' } });
    res = await platform.app.inject({ method: 'GET', url: '/test/throw/missing', headers: viewer });
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().error.code, 'VERSION_NOT_FOUND');
    res = await platform.app.inject({ method: 'GET', url: '/test/throw/tampered', headers: viewer });
    assert.equal(res.statusCode, 422);
    assert.equal(res.json().error.code, 'ARTIFACT_TAMPERED');
  });

  it('shows only the request id on a 500 and a 503', async () => {
    const res = await platform.app.inject({ method: 'GET', url: '/test/boom', headers: viewer });
    assert.equal(res.statusCode, 500);
    const requestId = res.headers['x-request-id'];
    assert.ok(typeof requestId === 'string' && requestId.length > 0);
    assert.equal(res.json().error.code, 'INTERNAL');
    assert.ok(res.json().error.message.includes(requestId));
    assert.doesNotMatch(res.body, /hunter2|secret|\/srv|stack/);

    const down = await platform.app.inject({ method: 'GET', url: '/test/store-down', headers: viewer });
    assert.equal(down.statusCode, 503);
    assert.equal(down.json().error.code, 'STORE_UNAVAILABLE');
    assert.ok(down.json().error.message.includes(String(down.headers['x-request-id'])));
    assert.doesNotMatch(down.body, /hunter2|postgres:/);
  });

  it('gives every request its own id', async () => {
    const a = await platform.app.inject({ method: 'GET', url: '/health' });
    const b = await platform.app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'forged' } });
    assert.notEqual(a.headers['x-request-id'], b.headers['x-request-id']);
    assert.notEqual(b.headers['x-request-id'], 'forged');
  });
});

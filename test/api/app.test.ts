import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openTestPlatform, type TestPlatform } from '../support/platform.js';
import { ROOT, trainServingVersions } from '../support/serving.js';
import { until } from '../support/wait.js';
import { buildApp, type WardenApp } from '../../src/api/app.js';
import type { RuntimeInfo } from '../../src/api/app-deps.js';
import type { Config } from '../../src/config.js';
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

describe('request logging', () => {
  let platform: TestPlatform;
  before(async () => {
    platform = await openTestPlatform('sqlite', { WARDEN_WORKER_CONCURRENCY: '1' });
  });
  after(async () => platform.close());

  /** An app on the platform's services whose log lines are captured. */
  const appLogging = async (overrides: Partial<Pick<Config, 'logLevel' | 'logFormat'>>) => {
    const lines: string[] = [];
    const runtime: RuntimeInfo = { version: '0.0.0', storeDialect: 'sqlite', queueKind: 'local', startedAt: Date.now(), checkStore: async () => {}, apiProcesses: () => ({ index: 1, running: 1, wanted: 1 }) };
    const app = await buildApp({
      config: { ...platform.config, ...overrides },
      services: platform.services,
      runtime,
      logStream: { write: (text: string) => lines.push(...text.split('\n').filter(Boolean)) },
    });
    return { app, lines };
  };
  const requests = async (app: WardenApp, model: string) => {
    const admin = { authorization: `Bearer ${platform.adminToken}` };
    await app.inject({ method: 'GET', url: '/health' });
    await app.inject({ method: 'GET', url: '/models', headers: admin });
    await app.inject({ method: 'POST', url: '/models', headers: admin, payload: { name: model, task: 'spam' } });
    await app.inject({ method: 'POST', url: '/models', headers: admin, payload: { name: 123, task: 'spam' } });
    await app.inject({ method: 'GET', url: '/no-such-route', headers: admin });
    await app.inject({ method: 'GET', url: '/models' });
    return 6;
  };

  it('writes exactly one JSON line per request at debug, with method, url, status, ms, request id and any refusal code', async () => {
    const { app, lines } = await appLogging({ logLevel: 'debug', logFormat: 'json' });
    try {
      const sent = await requests(app, 'log-debug');
      const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      const perRequest = new Map<string, number>();
      for (const r of records) if (typeof r.reqId === 'string') perRequest.set(r.reqId, (perRequest.get(r.reqId) ?? 0) + 1);
      assert.equal(perRequest.size, sent, lines.join('\n'));
      assert.ok([...perRequest.values()].every((n) => n === 1), lines.join('\n'));
      const requestLines = records.filter((r) => r.msg === 'request');
      assert.equal(requestLines.length, sent);
      assert.deepEqual(
        requestLines.map((r) => [r.method, r.url, r.status]),
        [['GET', '/health', 200], ['GET', '/models', 200], ['POST', '/models', 201], ['POST', '/models', 400], ['GET', '/no-such-route', 404], ['GET', '/models', 401]],
      );
      assert.ok(requestLines.every((r) => typeof r.ms === 'number'));
      assert.equal(requestLines[3]!.code, 'VALIDATION_FAILED');
      assert.equal(requestLines[3]!.field, 'body.name');
    } finally {
      await app.close();
    }
  });

  it('at info, successful reads are quiet: only writes and refusals get their line', async () => {
    const { app, lines } = await appLogging({ logLevel: 'info', logFormat: 'json' });
    try {
      await requests(app, 'log-info');
      const requestLines = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((r) => r.msg === 'request');
      assert.deepEqual(requestLines.map((r) => r.status), [201, 400, 404, 401]);
    } finally {
      await app.close();
    }
  });

  it('at info, a successful prediction is quiet like a read (the prediction log records it); a refused one gets its line', async () => {
    await trainServingVersions(platform, 'log-mail', [2]);
    await platform.services.registry.deploy('log-mail', 1, ROOT);
    const { app, lines } = await appLogging({ logLevel: 'info', logFormat: 'json' });
    try {
      const viewer = await platform.auth('viewer');
      await until(async () => (await app.inject({ method: 'POST', url: '/predict/log-mail', headers: viewer, payload: { text: 'free cash' } })).statusCode === 200, 'log-mail to be live', { timeoutMs: 10_000 });
      const before = lines.length;
      assert.equal((await app.inject({ method: 'POST', url: '/predict/log-mail', headers: viewer, payload: { text: 'free cash' } })).statusCode, 200);
      assert.equal((await app.inject({ method: 'POST', url: '/predict/log-mail/versions/1', headers: viewer, payload: { text: 'free cash' } })).statusCode, 200);
      assert.equal((await app.inject({ method: 'POST', url: '/predict/log-mail', headers: viewer, payload: { text: '' } })).statusCode, 400);
      const requestLines = lines.slice(before).map((line) => JSON.parse(line) as Record<string, unknown>).filter((r) => r.msg === 'request');
      assert.deepEqual(requestLines.map((r) => [r.url, r.status, r.code]), [['/predict/log-mail', 400, 'VALIDATION_FAILED']]);
    } finally {
      await app.close();
    }
  });

  it('pretty format: one readable line per record, time, level, message and fields', async () => {
    const { app, lines } = await appLogging({ logLevel: 'info', logFormat: 'pretty' });
    try {
      await app.inject({ method: 'POST', url: '/models', headers: { authorization: `Bearer ${platform.adminToken}` }, payload: { name: 'pretty-test', task: 'spam' } });
      assert.equal(lines.length, 1, lines.join('\n'));
      assert.match(lines[0]!, /^\d\d:\d\d:\d\d\.\d{3} INFO {2}request reqId=[0-9a-f]{28} method=POST url=\/models status=201 ms=[\d.]+$/);
    } finally {
      await app.close();
    }
  });
});

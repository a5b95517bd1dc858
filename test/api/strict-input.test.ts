/**
 * Input is parsed strictly at the door: a JSON body is never coerced (true is not 1, "0x1"
 * and [0.95] are not numbers, 123 is not a name) and an unknown field is refused, never
 * dropped; every refusal is a 400 VALIDATION_FAILED naming the field. Query strings and
 * path parameters are text, so they may still be read as numbers; an unknown query parameter
 * is refused like an unknown body field.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DASHBOARD_ASSET_PREFIX, DASHBOARD_PATHS } from '../../src/api/dashboard.js';
import { openTestPlatform, type TestPlatform } from '../support/platform.js';

type Json = Record<string, unknown>;
type Schema = Record<string, unknown>;

/** The smallest value `schema` accepts (required properties only), so one extra field is the only fault. */
function sample(schema: Schema): unknown {
  if (schema.default !== undefined) return schema.default;
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  const branches = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (branches) return sample(branches.find((b) => b.type !== 'null') ?? branches[0]!);
  switch (schema.type) {
    case 'object': {
      const properties = (schema.properties ?? {}) as Record<string, Schema>;
      const required = (schema.required ?? []) as string[];
      return Object.fromEntries(required.map((key) => [key, sample(properties[key]!)]));
    }
    case 'array':
      return Array.from({ length: Number(schema.minItems ?? 0) }, () => sample(schema.items as Schema));
    case 'integer':
    case 'number':
      return Math.max(1, Number(schema.minimum ?? 1));
    case 'boolean':
      return true;
    case 'null':
      return null;
    case 'string': {
      const pattern = typeof schema.pattern === 'string' ? new RegExp(schema.pattern) : undefined;
      const candidates = ['a'.repeat(Math.max(1, Number(schema.minLength ?? 1))), '0'.repeat(64), 'a1'];
      return candidates.find((c) => pattern === undefined || pattern.test(c)) ?? candidates[0];
    }
    default:
      return 'a';
  }
}

describe('strict input on every route (sqlite)', () => {
  let p: TestPlatform;
  let admin: { authorization: string };
  let editor: { authorization: string };

  before(async () => {
    p = await openTestPlatform('sqlite');
    [admin, editor] = await Promise.all([p.auth('admin'), p.auth('editor')]);
  });
  after(() => p.close());

  async function call(method: string, url: string, headers: { authorization: string }, payload?: unknown) {
    const res = await p.app.inject({ method: method as 'POST', url, headers, ...(payload === undefined ? {} : { payload: payload as Json }) });
    return { status: res.statusCode, body: res.body === '' ? {} : (res.json() as Json) };
  }
  const errorOf = (body: Json) => body.error as { code: string; field?: string; message: string };

  it('an unknown top-level body field is a 400 naming it, on every route with a JSON body', async () => {
    const routes = p.app.registeredRoutes().filter((r) => r.body !== undefined && r.method !== 'HEAD');
    assert.ok(routes.length >= 15, `only ${routes.length} routes with a body schema`);
    const accepted: string[] = [];
    for (const route of routes) {
      const params = (route.params ?? { properties: {} }) as Schema;
      const url = route.url.replace(/:([A-Za-z_]+)/g, (_, name: string) => encodeURIComponent(String(sample(((params.properties ?? {}) as Record<string, Schema>)[name] ?? { type: 'string' }))));
      const query = new URLSearchParams(Object.entries((route.querystring ? sample(route.querystring as Schema) : {}) as Record<string, unknown>).map(([k, v]): [string, string] => [k, String(v)])).toString();
      const body = { ...(sample(route.body as Schema) as Json), unexpectedField: 1 };
      const res = await call(route.method, query === '' ? url : `${url}?${query}`, admin, body);
      const error = res.body.error === undefined ? undefined : errorOf(res.body);
      if (res.status !== 400 || error?.code !== 'VALIDATION_FAILED' || error.field !== 'body.unexpectedField') {
        accepted.push(`${route.method} ${route.url} → ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
      }
    }
    assert.deepEqual(accepted, []);
  });

  it('an unknown query parameter is a 400 naming it, on every API route (none is dropped)', async () => {
    // The dashboard's pages and assets are files served to a browser, not API routes.
    const dashboardAndDocs = (url: string) => url.startsWith('/docs') || (DASHBOARD_PATHS as readonly string[]).includes(url) || url.startsWith(DASHBOARD_ASSET_PREFIX);
    const RAW_UPLOADS: Record<string, string> = { 'POST /runs/:id/artifacts': 'application/octet-stream', 'POST /datasets': 'application/x-ndjson' };
    const routes = p.app.registeredRoutes().filter((r) => r.method !== 'HEAD' && !dashboardAndDocs(r.url));
    assert.ok(routes.length >= 60, `only ${routes.length} API routes`);
    const accepted: string[] = [];
    for (const route of routes) {
      const params = (route.params ?? { properties: {} }) as Schema;
      const url = route.url.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (_, name: string) => encodeURIComponent(String(sample(((params.properties ?? {}) as Record<string, Schema>)[name] ?? { type: 'string' }))));
      const declared = Object.entries((route.querystring ? sample(route.querystring as Schema) : {}) as Record<string, unknown>).map(([k, v]): [string, string] => [k, String(v)]);
      const query = new URLSearchParams([...declared, ['unexpectedParam', '1']]).toString();
      // Uploads are raw bytes: send them as such, so the query string is what gets judged.
      const rawType = RAW_UPLOADS[`${route.method} ${route.url}`];
      const res = rawType === undefined
        ? await call(route.method, `${url}?${query}`, admin, route.body === undefined ? undefined : sample(route.body as Schema))
        : await p.app.inject({ method: 'POST', url: `${url}?${query}`, headers: { ...admin, 'content-type': rawType }, payload: '{"text":"hi","label":0}\n' }).then((r) => ({ status: r.statusCode, body: r.json() as Json }));
      const error = res.body.error === undefined ? undefined : errorOf(res.body);
      if (res.status !== 400 || error?.code !== 'VALIDATION_FAILED' || error.field !== 'query.unexpectedParam') {
        accepted.push(`${route.method} ${route.url} → ${res.status} ${JSON.stringify(res.body).slice(0, 160)}`);
      }
    }
    assert.deepEqual(accepted, []);
    const misspelt = await call('GET', '/models?limt=1', editor);
    assert.equal(misspelt.status, 400, JSON.stringify(misspelt.body));
    assert.equal(errorOf(misspelt.body).message, 'query.limt is not a known field');
  });

  it('the OpenAPI document says so: every JSON request body object refuses additional properties', async () => {
    const doc = (await call('GET', '/docs/json', admin)).body as { paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: Schema }> } }>> };
    const open: string[] = [];
    const walk = (schema: Schema, where: string): void => {
      for (const branch of (schema.anyOf ?? schema.oneOf ?? []) as Schema[]) walk(branch, where);
      if (schema.type === 'array' && schema.items !== undefined) walk(schema.items as Schema, `${where}[]`);
      if (schema.type !== 'object' || schema.properties === undefined) return;
      // An object with declared properties is closed; an open one without any is a free-form map checked by its service.
      if (Object.keys(schema.properties as object).length > 0 && schema.additionalProperties !== false) open.push(where);
      for (const [key, child] of Object.entries(schema.properties as Record<string, Schema>)) walk(child, `${where}.${key}`);
    };
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        const schema = op.requestBody?.content['application/json']?.schema;
        if (schema) walk(schema, `${method.toUpperCase()} ${path}`);
      }
    }
    assert.deepEqual(open, []);
  });

  it('unknown nested fields and values are refused too (a deploy strategy or guardrail Warden does not have)', async () => {
    await call('POST', '/models', editor, { name: 'strict', task: 'spam' });
    const deploy = await call('POST', '/models/deploy', admin, { model: 'strict', version: 1, strategy: 'rolling' });
    assert.equal(deploy.status, 400, JSON.stringify(deploy.body));
    assert.equal(errorOf(deploy.body).field, 'body.strategy');
    const guardrail = await call('POST', '/models/deploy', admin, { model: 'strict', version: 1, strategy: 'canary', guardrails: { maxErrorRat: 0.1 } });
    assert.equal(guardrail.status, 400, JSON.stringify(guardrail.body));
    assert.match(errorOf(guardrail.body).field ?? '', /^body\.guardrails/);
    const nested = await call('PATCH', '/models/strict', admin, { policy: { metric: 'eval_f1', comparison: '>', threshold: 0.5, targetStage: 'Staging', window: 3 } });
    assert.equal(nested.status, 400, JSON.stringify(nested.body));
    assert.match(errorOf(nested.body).field ?? '', /^body\.policy/);
  });

  it('retrain takes a model or all, never both', async () => {
    const both = await call('POST', '/models/retrain', editor, { model: 'strict', all: true });
    assert.equal(both.status, 400, JSON.stringify(both.body));
    assert.equal(errorOf(both.body).field, 'body.all');
    assert.match(errorOf(both.body).message, /model or all/);
    const neither = await call('POST', '/models/retrain', editor, {});
    assert.equal(neither.status, 400, JSON.stringify(neither.body));
    assert.equal(errorOf(neither.body).field, 'body.model');
  });

  it('bodies are not coerced: booleans, hex strings, arrays and numbers are refused where another type is declared', async () => {
    for (const value of [true, '0x1', [0.95], '0.95', null]) {
      const res = await call('POST', '/models/strict/versions', editor, { metrics: { eval_accuracy: value } });
      assert.equal(res.status, 400, `${JSON.stringify(value)}: ${JSON.stringify(res.body)}`);
      assert.equal(errorOf(res.body).code, 'VALIDATION_FAILED');
      assert.equal(errorOf(res.body).field, 'body.metrics.eval_accuracy');
    }
    assert.equal((await p.services.registry.getModel('strict')).latestVersion, 0);
    const named = await call('POST', '/models', editor, { name: 123, task: 'spam' });
    assert.equal(named.status, 400, JSON.stringify(named.body));
    assert.equal(errorOf(named.body).field, 'body.name');
    await assert.rejects(p.services.registry.getModel('123'), (e: Error & { code?: string }) => e.code === 'MODEL_NOT_FOUND');
    const flag = await call('POST', '/models/retrain', editor, { all: 'true' });
    assert.equal(flag.status, 400, JSON.stringify(flag.body));
  });

  it('query strings and path parameters are still read as numbers', async () => {
    const listed = await call('GET', '/models?limit=1', editor);
    assert.equal(listed.status, 200, JSON.stringify(listed.body));
    assert.equal((listed.body.models as unknown[]).length, 1);
    const bad = await call('GET', '/models?limit=x', editor);
    assert.equal(bad.status, 400);
    assert.equal(errorOf(bad.body).field, 'query.limit');
  });
});

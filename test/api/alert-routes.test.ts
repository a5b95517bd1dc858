/** /alerts through the whole platform: listing and filters, ack and silences by role, rules, webhooks (admin, no secrets), strict input. */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openTestPlatform, type TestPlatform } from '../support/platform.js';
import { until } from '../support/wait.js';

const SECRET = 'hmac-secret-for-the-api-test';

describe('alert routes', () => {
  let platform: TestPlatform;
  const call = async (method: 'GET' | 'POST' | 'DELETE', url: string, role: 'viewer' | 'editor' | 'admin', payload?: unknown) =>
    platform.app.inject({ method, url, headers: await platform.auth(role), ...(payload === undefined ? {} : { payload: payload as object }) });

  before(async () => {
    platform = await openTestPlatform('sqlite', {
      WARDEN_ALERT_WEBHOOKS: JSON.stringify([
        { name: 'ops', url: 'https://hooks.example.com/warden?key=query-secret', secret: SECRET },
        { name: 'chat', url: 'https://hooks.slack.com/services/T0/B0/path-secret', format: 'slack', minSeverity: 'critical' },
      ]),
    });
    const alerts = platform.services.alerts;
    // Each fires on a later millisecond than the one before, so "newest first" has one answer.
    const nextMs = async () => {
      const start = Date.now();
      await until(() => Date.now() > start, 'the next millisecond');
    };
    await alerts.observe({ model: 'api-a', version: 1, kind: 'performance', metric: 'accuracy', value: 0.8, baseline: 0.95 });
    await nextMs();
    await alerts.observe({ model: 'api-a', version: 1, kind: 'drift', value: 0.3, breached: true, details: { descriptors: ['invisible_per_1k'] } });
    await nextMs();
    await alerts.observe({ model: 'api-b', kind: 'data-quality', value: 1, breached: true });
    for (let i = 0; i < 2; i++) await alerts.observe({ model: 'api-b', kind: 'data-quality', value: 0, breached: false });
  });
  after(async () => platform.close());

  it('lists alerts newest first for a viewer, filtered by state, model and severity, and shows one', async () => {
    const all = await call('GET', '/alerts', 'viewer');
    assert.equal(all.statusCode, 200, all.body);
    assert.deepEqual(all.json().alerts.map((a: { rule: string }) => a.rule), ['data-quality', 'drift', 'accuracy-drop']);
    const open = (await call('GET', '/alerts?state=open', 'viewer')).json().alerts;
    assert.deepEqual(open.map((a: { rule: string }) => a.rule), ['drift', 'accuracy-drop']);
    assert.deepEqual((await call('GET', '/alerts?state=resolved', 'viewer')).json().alerts.map((a: { model: string }) => a.model), ['api-b']);
    assert.deepEqual((await call('GET', '/alerts?model=api-a&severity=critical', 'viewer')).json().alerts.map((a: { rule: string }) => a.rule), ['accuracy-drop']);
    const paged = (await call('GET', '/alerts?limit=2', 'viewer')).json();
    assert.equal(paged.alerts.length, 2);
    assert.deepEqual((await call('GET', `/alerts?limit=2&pageToken=${paged.nextPageToken}`, 'viewer')).json().alerts.map((a: { rule: string }) => a.rule), ['accuracy-drop']);
    const drift = open[0];
    const one = await call('GET', `/alerts/${drift.id}`, 'viewer');
    assert.equal(one.statusCode, 200);
    assert.deepEqual(one.json().details, { descriptors: ['invisible_per_1k'] });
    assert.equal((await call('GET', '/alerts/nope', 'viewer')).json().error.code, 'ALERT_NOT_FOUND');
  });

  it('an editor acknowledges (a viewer may not); acknowledging again keeps the first', async () => {
    const [alert] = (await call('GET', '/alerts?state=open&model=api-a', 'viewer')).json().alerts;
    assert.equal((await call('POST', `/alerts/${alert.id}/ack`, 'viewer', {})).statusCode, 403);
    const acked = await call('POST', `/alerts/${alert.id}/ack`, 'editor', {});
    assert.equal(acked.statusCode, 200, acked.body);
    assert.equal(acked.json().ackedBy, 'test-editor');
    assert.equal((await call('POST', `/alerts/${alert.id}/ack`, 'admin', {})).json().ackedBy, 'test-editor');
    assert.equal((await call('POST', `/alerts/${alert.id}/ack`, 'editor', { note: 'x' })).statusCode, 400);
    assert.equal((await call('POST', '/alerts/nope/ack', 'editor', {})).statusCode, 404);
  });

  it('silences: an editor creates, anyone lists, an editor ends; input is strict and refusals name the field', async () => {
    assert.equal((await call('POST', '/alerts/silences', 'viewer', { matchers: { model: 'api-a' }, durationMinutes: 5, reason: 'x' })).statusCode, 403);
    const created = await call('POST', '/alerts/silences', 'editor', { matchers: { model: 'api-a', severity: 'warning' }, durationMinutes: 30, reason: 'retraining' });
    assert.equal(created.statusCode, 201, created.body);
    const silence = created.json();
    assert.deepEqual([silence.createdBy, silence.active, silence.matchers], ['test-editor', true, { model: 'api-a', severity: 'warning' }]);
    assert.ok((await call('GET', '/alerts/silences?active=true', 'viewer')).json().silences.some((s: { id: string }) => s.id === silence.id));
    for (const [body, field] of [
      [{ matchers: {}, durationMinutes: 5, reason: 'x' }, 'matchers'],
      [{ matchers: { colour: 'red' }, durationMinutes: 5, reason: 'x' }, 'body.matchers.colour'],
      [{ matchers: { model: 'api-a' }, durationMinutes: '5', reason: 'x' }, 'body.durationMinutes'],
      [{ matchers: { model: 'api-a' }, reason: 'x' }, 'durationMinutes'],
      [{ matchers: { model: 'api-a', severity: 'loud' }, durationMinutes: 5, reason: 'x' }, 'body.matchers.severity'],
      [{ matchers: { model: 'api-a' }, durationMinutes: 5 }, 'body.reason'],
      [{ matchers: { model: 'api-a' }, durationMinutes: 5, reason: 'x', extra: true }, 'body.extra'],
    ] as const) {
      const refused = await call('POST', '/alerts/silences', 'editor', body);
      assert.equal(refused.statusCode, 400, JSON.stringify(body));
      assert.equal(refused.json().error.field, field, JSON.stringify(body));
    }
    assert.equal((await call('DELETE', `/alerts/silences/${silence.id}`, 'viewer')).statusCode, 403);
    const ended = await call('DELETE', `/alerts/silences/${silence.id}`, 'editor');
    assert.deepEqual([ended.statusCode, ended.json().active, ended.json().endedBy], [200, false, 'test-editor']);
    assert.equal((await call('DELETE', '/alerts/silences/nope', 'editor')).json().error.code, 'SILENCE_NOT_FOUND');
    assert.equal((await call('GET', '/alerts?state=closed', 'viewer')).json().error.field, 'query.state');
  });

  it('rules are readable by a viewer; webhooks only by an admin, without path, query or secret', async () => {
    const rules = (await call('GET', '/alerts/rules', 'viewer')).json().rules;
    const drop = rules.find((r: { id: string }) => r.id === 'accuracy-drop');
    assert.deepEqual([drop.condition, drop.severity, drop.clearAfter], [{ op: 'drop', threshold: 0.05, relative: true }, 'critical', 3]);
    assert.equal((await call('GET', '/alerts/webhooks', 'editor')).statusCode, 403);
    const hooks = await call('GET', '/alerts/webhooks', 'admin');
    assert.deepEqual(hooks.json().webhooks, [
      { name: 'ops', origin: 'https://hooks.example.com', format: 'json', minSeverity: 'warning', signed: true },
      { name: 'chat', origin: 'https://hooks.slack.com', format: 'slack', minSeverity: 'critical', signed: false },
    ]);
    for (const secret of [SECRET, 'query-secret', 'path-secret']) assert.ok(!hooks.body.includes(secret));
  });
});

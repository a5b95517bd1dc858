/** /alerts through the whole platform: listing and filters, ack and silences by role, rules, webhooks (admin, no secrets), strict input. */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { openTestPlatform, type TestPlatform } from '../support/platform.js';
import { until } from '../support/wait.js';

const SECRET = 'hmac-secret-for-the-api-test';

describe('alert routes', () => {
  let platform: TestPlatform;
  let receiver: http.Server;
  const delivered: Array<{ event: string; body: { alert: { rule: string; model: string } } }> = [];
  const call = async (method: 'GET' | 'POST' | 'DELETE', url: string, role: 'viewer' | 'editor' | 'admin', payload?: unknown) =>
    platform.app.inject({ method, url, headers: await platform.auth(role), ...(payload === undefined ? {} : { payload: payload as object }) });

  before(async () => {
    // The platform's own webhook: proves main.ts wires events → notify-webhook jobs → POST.
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        delivered.push({ event: String(req.headers['x-warden-event']), body: JSON.parse(body) });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const local = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/local`;
    platform = await openTestPlatform('sqlite', {
      WARDEN_WORKER_CONCURRENCY: '1',
      WARDEN_ALERT_WEBHOOKS: JSON.stringify([
        { name: 'local', url: local, secret: SECRET, minSeverity: 'critical' },
        { name: 'ops', url: 'https://hooks.example.com/warden?key=query-secret', secret: SECRET, minSeverity: 'critical' },
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
  after(async () => {
    await platform.close();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  });

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
      { name: 'local', origin: new URL(hooks.json().webhooks[0].origin).origin, format: 'json', minSeverity: 'critical', signed: true },
      { name: 'ops', origin: 'https://hooks.example.com', format: 'json', minSeverity: 'critical', signed: true },
      { name: 'chat', origin: 'https://hooks.slack.com', format: 'slack', minSeverity: 'critical', signed: false },
    ]);
    for (const secret of [SECRET, 'query-secret', 'path-secret']) assert.ok(!hooks.body.includes(secret));
  });

  it('the platform is wired: a redteam-failed event fails the model red-team rule, and critical alerts reach the webhook', async () => {
    await platform.events.publish({
      type: 'redteam-failed',
      campaignId: 'camp-1',
      model: 'api-rt',
      version: 4,
      semver: 'v1.3',
      task: 'spam',
      verdict: 'evaded',
      attackSuccessRate: 0.3,
      newVulnerabilities: 11,
      error: null,
      at: Date.now(),
    });
    const [alert] = await until(async () => {
      const listed = (await call('GET', '/alerts?model=api-rt', 'viewer')).json().alerts;
      return listed.length > 0 && listed;
    }, 'the red-team alert');
    assert.deepEqual([alert.rule, alert.severity, alert.version, alert.details.campaignId], ['redteam-failure', 'critical', 4, 'camp-1']);
    await until(() => delivered.some((d) => d.body.alert.model === 'api-rt'), 'the red-team alert at the webhook', { timeoutMs: 20_000 });
    assert.ok(delivered.some((d) => d.event === 'alert-fired' && d.body.alert.rule === 'accuracy-drop'), 'the critical accuracy alert was delivered too');
    assert.ok(!delivered.some((d) => d.body.alert.rule === 'drift'), 'a warning is below the webhook minSeverity');
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../src/config.js';

describe('config', () => {
  it('WARDEN_LOG_FORMAT: auto is pretty on a terminal and JSON elsewhere; pretty and json are kept; anything else names the variable', () => {
    assert.equal(loadConfig({}, '/tmp', true).logFormat, 'pretty');
    assert.equal(loadConfig({}, '/tmp', false).logFormat, 'json');
    assert.equal(loadConfig({ WARDEN_LOG_FORMAT: 'auto' }, '/tmp', true).logFormat, 'pretty');
    assert.equal(loadConfig({ WARDEN_LOG_FORMAT: 'json' }, '/tmp', true).logFormat, 'json');
    assert.equal(loadConfig({ WARDEN_LOG_FORMAT: 'pretty' }, '/tmp', false).logFormat, 'pretty');
    assert.throws(() => loadConfig({ WARDEN_LOG_FORMAT: 'yaml' }, '/tmp', true), (error: unknown) => error instanceof ConfigError && error.variable === 'WARDEN_LOG_FORMAT');
  });

  it('event outbox: retention, poll and subscriber name have defaults and bounds; a bad value names its variable', () => {
    const defaults = loadConfig({ PORT: '7071' }, '/tmp', false);
    assert.equal(defaults.eventRetentionMs, 7 * 24 * 3600 * 1000);
    assert.equal(defaults.eventPollMs, 500);
    assert.equal(defaults.eventSubscriber, null, 'derived at start from host, port and roles');
    const set = loadConfig({ WARDEN_EVENT_RETENTION_MS: '60000', WARDEN_EVENT_POLL_MS: '100', WARDEN_EVENT_SUBSCRIBER: 'api-1' }, '/tmp', false);
    assert.deepEqual([set.eventRetentionMs, set.eventPollMs, set.eventSubscriber], [60_000, 100, 'api-1']);
    for (const [variable, value] of [
      ['WARDEN_EVENT_RETENTION_MS', '10'],
      ['WARDEN_EVENT_POLL_MS', '0'],
      ['WARDEN_EVENT_SUBSCRIBER', 'has space'],
      ['WARDEN_EVENT_SUBSCRIBER', 'x'.repeat(129)],
    ] as const) {
      assert.throws(() => loadConfig({ [variable]: value }, '/tmp', false), (error: unknown) => error instanceof ConfigError && error.variable === variable, `${variable}=${value}`);
    }
  });

  it('job retention: ticks kept a day and requested jobs 90 days by default; each bound names its variable', () => {
    const defaults = loadConfig({}, '/tmp', false);
    assert.deepEqual([defaults.periodicJobRetentionMs, defaults.jobRetentionMs], [24 * 3600 * 1000, 90 * 24 * 3600 * 1000]);
    assert.equal(loadConfig({ WARDEN_JOB_RETENTION_MS: '3600000' }, '/tmp', false).jobRetentionMs, 3_600_000);
    for (const value of ['0', '999', '1e3', 'forever']) {
      assert.throws(() => loadConfig({ WARDEN_JOB_RETENTION_MS: value }, '/tmp', false), (error: unknown) => error instanceof ConfigError && error.variable === 'WARDEN_JOB_RETENTION_MS', value);
    }
  });

  it('WARDEN_ALERT_WEBHOOKS: none by default; a JSON list of checked webhooks; a bad entry names the variable and field, never the secret', () => {
    const defaults = loadConfig({}, '/tmp', false);
    assert.deepEqual([defaults.alertWebhooks, defaults.alertWebhookAttempts, defaults.alertWebhookTimeoutMs], [[], 8, 10_000]);
    const secret = 'hmac-secret-0123456789';
    const config = loadConfig({ WARDEN_ALERT_WEBHOOKS: JSON.stringify([{ name: 'ops', url: 'https://hooks.example.com/warden', secret }]), WARDEN_ALERT_WEBHOOK_ATTEMPTS: '3' }, '/tmp', false);
    assert.deepEqual(config.alertWebhooks, [{ name: 'ops', url: 'https://hooks.example.com/warden', secret, format: 'json', minSeverity: 'warning' }]);
    assert.equal(config.alertWebhookAttempts, 3);
    for (const [value, pattern] of [
      ['not json', /JSON list/],
      [JSON.stringify([{ name: 'ops', url: 'http://hooks.example.com/', secret }]), /\[0\]\.url: url must use https/],
      [JSON.stringify([{ name: 'ops', url: 'https://hooks.example.com/', secret: 'short-secret' }]), /\[0\]\.secret/],
    ] as const) {
      assert.throws(
        () => loadConfig({ WARDEN_ALERT_WEBHOOKS: value }, '/tmp', false),
        (error: unknown) => error instanceof ConfigError && error.variable === 'WARDEN_ALERT_WEBHOOKS' && pattern.test(error.message) && !error.message.includes('short-secret'),
        value,
      );
    }
    assert.throws(() => loadConfig({ WARDEN_ALERT_WEBHOOK_ATTEMPTS: '0' }, '/tmp', false), (error: unknown) => error instanceof ConfigError && error.variable === 'WARDEN_ALERT_WEBHOOK_ATTEMPTS');
  });

  it('WARDEN_ALERT_RULES: the built-in rules by default; overrides by rule id; a bad one names the variable, rule and field', () => {
    assert.equal(loadConfig({}, '/tmp', false).alertRules.length, 10);
    const rules = loadConfig({ WARDEN_ALERT_RULES: JSON.stringify({ 'accuracy-drop': { threshold: 0.03, severity: 'warning' }, drift: { enabled: false } }) }, '/tmp', false).alertRules;
    const accuracy = rules.find((r) => r.id === 'accuracy-drop');
    assert.deepEqual([accuracy?.condition, accuracy?.severity], [{ op: 'drop', threshold: 0.03, relative: true }, 'warning']);
    assert.equal(rules.find((r) => r.id === 'drift')?.enabled, false);
    for (const [value, pattern] of [
      ['[]', /keyed by rule id/],
      [JSON.stringify({ 'latency-drop': { threshold: 1 } }), /latency-drop: unknown rule/],
      [JSON.stringify({ drift: { threshold: 0.2 } }), /drift\.threshold: .*no threshold/],
      [JSON.stringify({ 'f1-drop': { clearAfter: 0 } }), /f1-drop\.clearAfter/],
      [JSON.stringify({ 'f1-drop': { colour: 'red' } }), /f1-drop\.colour: unknown field/],
    ] as const) {
      assert.throws(() => loadConfig({ WARDEN_ALERT_RULES: value }, '/tmp', false), (error: unknown) => error instanceof ConfigError && error.variable === 'WARDEN_ALERT_RULES' && pattern.test(error.message), value);
    }
  });

  it('WARDEN_SQLITE_SYNC: durable (full) by default, normal on request; anything else names the variable', () => {
    assert.equal(loadConfig({}, '/tmp', false).sqliteSync, 'full');
    assert.equal(loadConfig({ WARDEN_SQLITE_SYNC: 'normal' }, '/tmp', false).sqliteSync, 'normal');
    assert.equal(loadConfig({ WARDEN_SQLITE_SYNC: 'full' }, '/tmp', false).sqliteSync, 'full');
    for (const value of ['FULL', 'off', 'extra', ' normal']) {
      assert.throws(() => loadConfig({ WARDEN_SQLITE_SYNC: value }, '/tmp', false), (error: unknown) => error instanceof ConfigError && error.variable === 'WARDEN_SQLITE_SYNC', value);
    }
  });

  it('WARDEN_API_PROCESSES: the number of CPUs by default (1 on one CPU), 1 to 64 when given; anything else names the variable', () => {
    assert.equal(loadConfig({}, '/tmp', false, 2).apiProcesses, 2);
    assert.equal(loadConfig({}, '/tmp', false, 1).apiProcesses, 1);
    assert.equal(loadConfig({ WARDEN_API_PROCESSES: '1' }, '/tmp', false, 8).apiProcesses, 1);
    assert.equal(loadConfig({ WARDEN_API_PROCESSES: '4' }, '/tmp', false, 2).apiProcesses, 4);
    for (const value of ['0', '65', '-1', '2.5', 'auto']) {
      assert.throws(() => loadConfig({ WARDEN_API_PROCESSES: value }, '/tmp', false), (error: unknown) => error instanceof ConfigError && error.variable === 'WARDEN_API_PROCESSES', value);
    }
  });
});

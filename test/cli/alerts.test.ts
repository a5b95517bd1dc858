/** `warden alerts …` against a real server (ephemeral port) with alerts fired through the platform's AlertService. */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { listenOnLoopback, runCliCaptured } from '../support/cli.js';
import { openTestPlatform, type TestPlatform } from '../support/platform.js';

describe('warden alerts', () => {
  let platform: TestPlatform;
  let url: string;
  const as = async (role: 'admin' | 'editor' | 'viewer', ...args: string[]) => runCliCaptured(['--url', url, '--token', await platform.token(role), ...args]);

  before(async () => {
    platform = await openTestPlatform('sqlite', { WARDEN_ALERT_WEBHOOKS: JSON.stringify([{ name: 'ops', url: 'https://hooks.example.com/x', secret: 'cli-test-secret-0123456789' }]) });
    await platform.services.alerts.observe({ model: 'cli-alert', version: 2, kind: 'performance', metric: 'recall', value: 0.7, baseline: 0.9 });
    url = await listenOnLoopback(platform);
  });
  after(async () => platform.close());

  it('lists, shows and acknowledges an alert', async () => {
    const listed = await as('viewer', 'alerts', 'list', '--state', 'open', '--model', 'cli-alert');
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /│ critical │ open +│ recall-drop │ cli-alert v2 │/);
    const [alert] = JSON.parse((await as('viewer', '--json', 'alerts', 'list', '--severity', 'critical')).stdout).alerts;
    const shown = await as('viewer', 'alerts', 'show', alert.id);
    assert.match(shown.stdout, /summary: +recall of cli-alert v2 is 0.700, 22.2 % below its baseline 0.900/);
    assert.equal((await as('viewer', 'alerts', 'ack', alert.id)).code, 5, 'a viewer may not acknowledge');
    const acked = await as('editor', 'alerts', 'ack', alert.id);
    assert.equal(acked.code, 0, acked.stderr);
    assert.match(acked.stdout, new RegExp(`alert ${alert.id} acknowledged by test-editor`));
    assert.match((await as('viewer', 'alerts', 'list')).stdout, /│ critical │ acked +│ recall-drop │/);
    assert.equal((await as('viewer', 'alerts', 'show', 'nope')).code, 3);
  });

  it('silences and unsilences, and shows the rules and (to an admin) the webhooks', async () => {
    const silenced = await as('editor', '--json', 'alerts', 'silence', '--model', 'cli-alert', '--model-version', '2', '--for', '2h', '--reason', 'retraining');
    assert.equal(silenced.code, 0, silenced.stderr);
    const silence = JSON.parse(silenced.stdout);
    assert.deepEqual(silence.matchers, { model: 'cli-alert', version: 2 });
    assert.equal(silence.expiresAt - silence.createdAt, 2 * 3600 * 1000);
    assert.match((await as('viewer', 'alerts', 'silences', '--active')).stdout, new RegExp(`${silence.id} +│ model=cli-ale`));
    const active = JSON.parse((await as('viewer', '--json', 'alerts', 'silences', '--active')).stdout).silences;
    assert.deepEqual(active.map((s: { id: string; active: boolean }) => [s.id, s.active]), [[silence.id, true]]);
    assert.match((await as('editor', 'alerts', 'unsilence', silence.id)).stdout, new RegExp(`silence ${silence.id} ended by test-editor`));
    assert.match((await as('viewer', 'alerts', 'rules')).stdout, /accuracy-drop +│ critical +│ performance\/accuracy +│ 3 +│ 30 min/);
    assert.equal((await as('editor', 'alerts', 'webhooks')).code, 5);
    const hooks = await as('admin', 'alerts', 'webhooks');
    assert.match(hooks.stdout, /ops +│ https:\/\/hooks.example.com +│ json +│ warning +│ yes/);
    assert.ok(!hooks.stdout.includes('cli-test-secret'));
  });

  it('refuses malformed options naming them, before calling the server', async () => {
    for (const [args, pattern] of [
      [['alerts', 'silence', '--for', '1h', '--reason', 'x'], /at least one of --fingerprint/],
      [['alerts', 'silence', '--model', 'm', '--for', 'soon', '--reason', 'x'], /--for must be a duration/],
      [['alerts', 'silence', '--model', 'm', '--model-version', 'two', '--for', '1h', '--reason', 'x'], /--model-version must be a whole number/],
      [['alerts', 'list', '--state', 'closed'], /closed/],
    ] as const) {
      const result = await as('editor', ...args);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, pattern);
    }
  });
});

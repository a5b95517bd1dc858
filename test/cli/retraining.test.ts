/** `warden triggers` and `warden retraining …` against a real server (ephemeral port). */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { listenOnLoopback, runCliCaptured } from '../support/cli.js';
import { openTestPlatform, type TestPlatform } from '../support/platform.js';
import { SMALL_FEATURES, syntheticRows } from '../support/training.js';

describe('warden triggers / retraining', () => {
  let platform: TestPlatform;
  let url: string;
  const as = async (...args: string[]) => runCliCaptured(['--url', url, '--token', await platform.token('editor'), ...args]);

  before(async () => {
    platform = await openTestPlatform('sqlite');
    await platform.services.datasets.registerRows(syntheticRows(120), { name: 'cli-rt-data', origin: 'upload' });
    await platform.services.training.enqueueTraining({ model: 'cli-rt', family: 'lr', dataset: { datasets: ['cli-rt-data'] }, recipe: { featurizer: SMALL_FEATURES } }, { name: 'test' });
    url = await listenOnLoopback(platform);
  });
  after(async () => platform.close());

  it('a retrain from the CLI leaves a decision that list, show and triggers read back', async () => {
    const retrain = await as('retrain', 'cli-rt', '--no-watch');
    assert.equal(retrain.code, 0, retrain.stderr);
    const listed = JSON.parse((await as('--json', 'retraining', 'list', '--model', 'cli-rt', '--trigger', 'manual')).stdout).decisions;
    assert.equal(listed.length, 1);
    assert.equal(listed[0].outcome, 'retrain');
    const shown = await as('retraining', 'show', listed[0].id);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /acted on: +manual: requested by test-editor/);
    const triggers = await as('triggers', 'cli-rt');
    assert.equal(triggers.code, 0, triggers.stderr);
    assert.match(triggers.stdout, /pending signals: +\(none\)/);
    assert.match(triggers.stdout, new RegExp(listed[0].id));
    assert.equal((await as('retraining', 'show', 'nope')).code, 3);
    // Approving or rejecting is an admin's, and only for a version the decision holds (no worker ran this retrain).
    const byEditor = await as('retraining', 'approve', listed[0].id);
    assert.notEqual(byEditor.code, 0);
    assert.match(byEditor.stderr, /admin/);
    const admin = await runCliCaptured(['--url', url, '--token', await platform.token('admin'), 'retraining', 'reject', listed[0].id, '--reason', 'not held']);
    assert.notEqual(admin.code, 0);
    assert.match(admin.stderr, /is not holding a version for approval/);
    assert.notEqual((await as('retraining', 'list', '--trigger', 'moon')).code, 0);
  });

  it('list follows the pages up to --limit (past 200, the largest page of the API), says where to continue, and refuses a bad --limit', async () => {
    for (let i = 0; i < 230; i++) await platform.services.retraining.observe({ kind: 'metric-recovered', model: 'cli-paged', key: `resolved:${i}`, at: Date.now(), metric: 'accuracy' });
    const stored = (await platform.services.retraining.list({ model: 'cli-paged', limit: 500 })).map((d) => d.id);
    assert.equal(stored.length, 230);
    const all = JSON.parse((await as('--json', 'retraining', 'list', '--model', 'cli-paged', '--limit', '1000')).stdout);
    assert.deepEqual(all.decisions.map((d: { id: string }) => d.id), stored, 'every decision once, newest first, across two pages');
    assert.equal(all.nextPageToken, undefined);
    const first = JSON.parse((await as('--json', 'retraining', 'list', '--model', 'cli-paged', '--limit', '210')).stdout);
    assert.deepEqual(first.decisions.map((d: { id: string }) => d.id), stored.slice(0, 210));
    assert.equal(typeof first.nextPageToken, 'string');
    const rest = JSON.parse((await as('--json', 'retraining', 'list', '--model', 'cli-paged', '--limit', '1000', '--page-token', first.nextPageToken)).stdout);
    assert.deepEqual(rest.decisions.map((d: { id: string }) => d.id), stored.slice(210));
    const text = await as('retraining', 'list', '--model', 'cli-paged', '--limit', '3');
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /more: --page-token \S+/);
    for (const limit of ['0', '-1', 'ten']) {
      const refused = await as('retraining', 'list', '--limit', limit);
      assert.notEqual(refused.code, 0, `--limit ${limit}`);
      assert.match(refused.stderr, /--limit/);
    }
  });
});

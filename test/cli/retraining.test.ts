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
    assert.notEqual((await as('retraining', 'list', '--trigger', 'moon')).code, 0);
  });
});

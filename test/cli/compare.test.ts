/**
 * `warden compare` against a real server (ephemeral port) on models trained here: the metric
 * table, the paired test and the flipped examples, every line within 100 columns.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { listenOnLoopback, runCliCaptured } from '../support/cli.js';
import { openTestPlatform, type TestPlatform } from '../support/platform.js';
import { SMALL_FEATURES, syntheticRows, waitForJob } from '../support/training.js';

const widest = (text: string): number => Math.max(...text.split('\n').map((line) => [...line].length));

describe('warden compare', () => {
  let platform: TestPlatform;
  let url: string;
  const run = async (...args: string[]) => runCliCaptured(['--url', url, '--token', await platform.token('viewer'), ...args]);

  before(async () => {
    platform = await openTestPlatform('sqlite', { WARDEN_WORKER_CONCURRENCY: '1' });
    const { datasets, training, jobs, registry } = platform.services;
    // Long texts, so that flipped examples have to be cut to fit.
    const rows = syntheticRows(300).map((r, i) => ({ ...r, text: i % 3 === 0 ? `${r.text} ${'padding words '.repeat(30)}` : r.text }));
    await datasets.registerRows(rows, { name: 'synth', origin: 'upload' });
    for (const [model, family, epochs] of [['cli-lr', 'lr', 1], ['cli-nb', 'nb', 1]] as const) {
      const queued = await training.enqueueTraining({ model, family, dataset: { datasets: ['synth'] }, recipe: { featurizer: SMALL_FEATURES, hyperParameters: family === 'lr' ? { epochs } : {} }, task: 'spam' }, { name: 'test' });
      assert.equal((await waitForJob(jobs, queued.id)).state, 'succeeded');
    }
    await registry.registerVersion('cli-lr', { metrics: { eval_accuracy: 0.97 } }, { name: 'test' });
    url = await listenOnLoopback(platform);
  });
  after(async () => platform.close());

  it('prints the metrics, the paired test and the flips of two models within 100 columns', async () => {
    const result = await run('compare', 'cli-lr@v1.0', 'cli-nb@v1.0', '--flips', '50');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^a = cli-lr v1\.0 \(v1, /m);
    assert.match(result.stdout, /^b = cli-nb v1\.0 \(v1, /m);
    assert.match(result.stdout, /different models/);
    assert.match(result.stdout, /same \d+ rows/);
    assert.match(result.stdout, /accuracy .*higher/);
    assert.match(result.stdout, /McNemar \((exact-binomial|chi-square-cc)\) on \d+ discordant rows: p = /);
    const json = JSON.parse((await run('--json', 'compare', 'cli-lr@v1.0', 'cli-nb@v1.0', '--flips', '50')).stdout);
    assert.ok(json.paired.counts.onlyARight + json.paired.counts.onlyBRight > 0, 'the two families disagree somewhere');
    if (json.paired.counts.onlyARight > 0) assert.match(result.stdout, /only a right \(first \d+\):/);
    if (json.paired.counts.onlyBRight > 0) assert.match(result.stdout, /only b right \(first \d+\):/);
    assert.ok(widest(result.stdout) <= 100, `widest line: ${widest(result.stdout)}\n${result.stdout}`);
  });

  it('the three-argument form and the recorded-only answer', async () => {
    const result = await run('compare', 'cli-lr', '1', '2');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /NOT the same rows/);
    assert.match(result.stdout, /no winner/);
    assert.doesNotMatch(result.stdout, /McNemar/);
    assert.ok(widest(result.stdout) <= 100, result.stdout);
    const bad = await run('compare', 'v1.0', 'cli-nb@v1.0');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /model/);
  });
});

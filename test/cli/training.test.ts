/**
 * `warden train|retrain|predict` against a real server (ephemeral port, in-process
 * worker), through runCli. Not a TTY here, so --watch prints the plain lines of
 * `warden jobs watch`.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { listenOnLoopback, runCliCaptured } from '../support/cli.js';
import { openTestPlatform, type TestPlatform } from '../support/platform.js';
import { syntheticRows, waitForJob } from '../support/training.js';

describe('warden train / retrain / predict', () => {
  let platform: TestPlatform;
  let url: string;

  const run = async (...args: string[]) => {
    return runCliCaptured(['--url', url, '--token', platform.adminToken, ...args]);
  };

  before(async () => {
    platform = await openTestPlatform('sqlite', { WARDEN_WORKER_CONCURRENCY: '1' });
    await platform.services.datasets.registerRows(syntheticRows(200), { name: 'synth', origin: 'upload' });
    url = await listenOnLoopback(platform);
  });
  after(async () => platform.close());

  it('train --watch follows the job to the end and exits 0', async () => {
    const result = await run('train', 'cli-spam', '--family', 'nb', '--dataset', 'synth', '--task', 'spam', '--watch');
    assert.equal(result.code, 0, result.stderr + result.stdout);
    assert.match(result.stdout, /training cli-spam: job /);
    assert.match(result.stdout, /registered cli-spam v1\.0/);
    assert.match(result.stdout, /succeeded/);
  });

  it('retrain --no-watch --json prints the queued job; predict classifies', async () => {
    const result = await run('--json', 'retrain', 'cli-spam', '--no-watch');
    assert.equal(result.code, 0, result.stderr);
    const body = JSON.parse(result.stdout) as { jobs: Array<{ id: string; kind: string; model: string }> };
    assert.equal(body.jobs[0]?.kind, 'retrain');
    const job = await waitForJob(platform.services.jobs, body.jobs[0]!.id);
    assert.equal(job.state, 'succeeded', JSON.stringify(job.error));
    const predicted = await run('--json', 'predict', 'cli-spam', '--pinned', 'v1.1', 'free cash prize winner', 'project meeting notes');
    assert.equal(predicted.code, 0, predicted.stderr);
    assert.deepEqual((JSON.parse(predicted.stdout) as { predictions: Array<{ label: number }> }).predictions.map((p) => p.label), [1, 0]);
  });

  it('train --family with no dataset (and no stored recipe) is an error that lists the data to choose from, not a silent SpamAssassin run', async () => {
    const result = await run('train', 'cli-no-data', '--family', 'lr', '--no-watch');
    assert.equal(result.code, 2, result.stdout + result.stderr);
    assert.match(result.stderr, /--builtin <corpus> or --dataset <name>/);
    assert.match(result.stderr, /built-in corpora: spam-assassin, everyday-messages; datasets: synth/);
    assert.equal((await platform.services.jobs.list({ kind: 'train', limit: 200 })).items.filter((j) => j.payload.model === 'cli-no-data').length, 0);
    const unknown = await run('train', 'cli-no-data', '--family', 'lr', '--dataset', 'nope', '--no-watch');
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no dataset is named "nope"/);
  });

  it('usage errors exit 2 with one line', async () => {
    const neither = await run('retrain');
    assert.equal(neither.code, 2);
    assert.match(neither.stderr, /name one model or pass --all/);
    const badHp = await run('train', 'cli-spam', '--hp', 'epochs', '--no-watch');
    assert.equal(badHp.code, 2);
    assert.match(badHp.stderr, /--hp takes key=value/);
  });
});

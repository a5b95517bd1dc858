/**
 * `warden redteam run|show|list|vulnerabilities` against a real server (ephemeral port) on
 * a model trained here: a campaign followed with --watch (the job's progress lines, then the
 * results per family), read back, listed, and the ledger it filled.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { listenOnLoopback, runCliCaptured } from '../support/cli.js';
import { openTestPlatform, type TestPlatform } from '../support/platform.js';
import { SMALL_FEATURES, syntheticRows, waitForJob } from '../support/training.js';

describe('warden redteam', () => {
  let platform: TestPlatform;
  let url: string;
  const as = async (role: 'editor' | 'viewer', ...args: string[]) => runCliCaptured(['--url', url, '--token', await platform.token(role), ...args]);

  before(async () => {
    platform = await openTestPlatform('sqlite', { WARDEN_WORKER_CONCURRENCY: '1', WARDEN_REDTEAM_RETRAIN_THRESHOLD: '100000' });
    await platform.services.datasets.registerRows(syntheticRows(300, 7), { name: 'cli-rt-data', origin: 'upload' });
    const job = await platform.services.training.enqueueTraining({ model: 'cli-rt', task: 'spam-cli', family: 'lr', dataset: { datasets: ['cli-rt-data'] }, recipe: { featurizer: SMALL_FEATURES } }, { name: 'test' });
    assert.equal((await waitForJob(platform.services.jobs, job.id, 120_000)).state, 'succeeded');
    url = await listenOnLoopback(platform);
  });
  after(async () => platform.close());

  it('runs a campaign with --watch: live progress, then the results per family', async () => {
    const run = await as('editor', 'redteam', 'run', 'cli-rt', '1', '--family', 'encoding', '--family', 'dilution', '--max-inputs', '25', '--watch');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /red team against cli-rt v1\.0: campaign /);
    assert.match(run.stdout, /attacking/, 'the job’s progress while it attacks');
    assert.match(run.stdout, /state: +succeeded: (evaded|held)/);
    assert.match(run.stdout, /│ encoding +│ [\d.]+ % /);
    assert.match(run.stdout, /│ overall +│ [\d.]+ % /);
    const id = /campaign ([A-Za-z0-9_-]+)/.exec(run.stdout)![1]!;

    const shown = await as('viewer', 'redteam', 'show', id);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /target: +cli-rt v1\.0 \(version 1, task spam-cli\)/);
    const json = JSON.parse((await as('viewer', '--json', 'redteam', 'show', id)).stdout);
    assert.equal(json.id, id);

    const listed = await as('viewer', 'redteam', 'list', '--model', 'cli-rt');
    assert.match(listed.stdout, new RegExp(`${id} +│ cli-rt v1\\.0 +│ succeeded`));

    const ledger = await as('viewer', '--json', 'redteam', 'vulnerabilities', '--task', 'spam-cli', '--limit', '500');
    assert.equal(ledger.code, 0, ledger.stderr);
    const answer = JSON.parse(ledger.stdout);
    assert.equal(answer.vulnerabilities.length, json.findings.new);
    assert.equal(answer.summary.unused, json.findings.new);
    const human = await as('viewer', 'redteam', 'vulnerabilities', '--task', 'spam-cli', '--family', 'encoding');
    assert.match(human.stdout, /spam-cli: \d+ unused \(retrain of every spam-cli model at 100000\)/);
    const header = (stdout: string) => stdout.split('\n').find((line) => line.includes('adversarial'))?.split('│').map((cell) => cell.trim()) ?? [];
    assert.ok(!header(human.stdout).includes('task'), 'under --task the task column goes: every row has it, and the summary names it');
    assert.ok(header((await as('viewer', 'redteam', 'vulnerabilities', '--model', 'cli-rt', '--limit', '3')).stdout).includes('task'));
  });

  it('refuses bad options before calling the server, and a viewer may not start a campaign', async () => {
    assert.notEqual((await as('editor', 'redteam', 'run', 'cli-rt', '1', '--family', 'nope')).code, 0);
    const bad = await as('editor', 'redteam', 'run', 'cli-rt', '1', '--max-inputs', 'x', '--no-watch');
    assert.match(bad.stderr, /--max-inputs must be a whole number, not "x"/);
    assert.equal((await as('viewer', 'redteam', 'run', 'cli-rt', '1', '--no-watch')).code, 5);
  });
});

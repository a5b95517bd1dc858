/**
 * `warden monitor …` against a real server (ephemeral port): a model trained by the platform's
 * own job, traffic through the serving service, one `monitor-models` tick; then the one-shot
 * view, the bounded live view (redrawn on each refresh), the all-models line, JSON, and the
 * option errors.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { listenOnLoopback, runCliCaptured } from '../support/cli.js';
import { openTestPlatform, type TestPlatform } from '../support/platform.js';
import { ROOT } from '../support/serving.js';
import { SMALL_FEATURES, syntheticRows } from '../support/training.js';
import { jobEnded } from '../support/wait.js';

describe('warden monitor', () => {
  let platform: TestPlatform;
  let url: string;
  const as = async (...args: string[]) => runCliCaptured(['--url', url, '--token', await platform.token('viewer'), ...args]);

  before(async () => {
    platform = await openTestPlatform('sqlite', { WARDEN_WORKER_CONCURRENCY: '1', WARDEN_MONITOR_DESCRIBE_RATE: '1' });
    const { services } = platform;
    await services.datasets.registerRows(syntheticRows(600, 3), { name: 'synth-cli-monitor', origin: 'upload' });
    await services.registry.createModel({ name: 'watched', task: 'spam', policy: { enabled: false } }, ROOT);
    const job = await services.training.enqueueTraining({ model: 'watched', family: 'lr', dataset: { datasets: ['synth-cli-monitor'] }, recipe: { featurizer: SMALL_FEATURES, hyperParameters: { epochs: 3 } } }, ROOT);
    assert.equal((await jobEnded(services.jobs, job.id, 60_000)).state, 'succeeded');
    await services.registry.deploy('watched', 1, ROOT);
    const texts = syntheticRows(300, 4).map((row) => row.text);
    await services.serving.predict('watched', { requestId: randomUUID(), texts: texts.slice(0, 150), batch: true });
    await services.serving.predict('watched', { requestId: randomUUID(), texts: texts.slice(150), batch: true });
    await services.predictionLog.flush();
    await platform.handlers['monitor-models']!({} as never);
    url = await listenOnLoopback(platform);
  });
  after(() => platform.close());

  it('prints a model once: metrics beside the baseline, drift, the detectors warming up, every live process', async () => {
    const once = await as('monitor', 'watched', '--once');
    assert.equal(once.code, 0, once.stderr);
    assert.match(once.stdout, /^watched — evaluated /);
    assert.match(once.stdout, /v1\.0 \(production, Production\): 300 requests last hour, 300 last day, error rate 0\.000/);
    assert.match(once.stdout, /│ accuracy +│ \d\.\d{3} +│ - +│/, 'no labels yet: no live accuracy, the baseline beside it');
    assert.match(once.stdout, /drift: (stable|warning|drift)/);
    assert.match(once.stdout, /anomalies: 0\/6 detectors calibrated \(1 readings\)/);
    assert.match(once.stdout, /│ requestsPerMinute +│ [\d.]+ +│ - +│ warming up/);
    assert.match(once.stdout, /processes \(heartbeats\):/);
    assert.match(once.stdout, new RegExp(`:${process.pid} \\(this\\) +│ api\\+worker +│ [\\d.]+ cores +│ \\d+ MiB`));
  });

  it('the live view redraws at each refresh and stops after --count views', async () => {
    const watched = await as('monitor', 'watched', '--every', '1', '--count', '2');
    assert.equal(watched.code, 0, watched.stderr);
    assert.equal(watched.stdout.match(/^watched — evaluated /gm)?.length, 2, watched.stdout);
  });

  it('lists every model in one line per version and arm, and answers JSON with the processes', async () => {
    const all = await as('monitor');
    assert.equal(all.code, 0, all.stderr);
    // (a narrow terminal wraps the version and drift cells: match their start; a drift names what moved)
    assert.match(all.stdout, /│ watched +│ v1 [ \w]*│ 300 +│ - +│ insufficient-data +│ (stable|warning|drift)(:[ \w]*)? +│/);
    assert.match(all.stdout, /processes \(heartbeats\):/);
    const json = JSON.parse((await as('--json', 'monitor', 'watched', '--once')).stdout) as { model: string; arms: unknown[]; processes: Array<{ self: boolean; pid: number }> };
    assert.equal(json.model, 'watched');
    assert.equal(json.arms.length, 1);
    assert.deepEqual(
      json.processes.map((p) => [p.self, p.pid]),
      [[true, process.pid]],
    );
  });

  it('refuses malformed options naming them, and a model never monitored is not found', async () => {
    for (const [args, pattern] of [
      [['monitor', 'watched', '--every', '0'], /--every must be a number of seconds from 1 to 3600/],
      [['monitor', 'watched', '--every', 'soon'], /--every must be a number of seconds/],
      [['monitor', 'watched', '--count', '0'], /--count must be a whole number of views from 1/],
      [['monitor', 'watched', '--count', '2.5'], /--count must be a whole number/],
    ] as const) {
      const result = await as(...args);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, pattern);
    }
    const missing = await as('monitor', 'nobody', '--once');
    assert.equal(missing.code, 3, missing.stderr);
    assert.match(missing.stderr, /no monitoring snapshot of "nobody" yet/);
  });
});

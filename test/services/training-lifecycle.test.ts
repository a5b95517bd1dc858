/**
 * External trainers (test/fixtures/external-trainer.mjs, a real child process) and the
 * fresh → used data lifecycle end to end, through the real platform on SQLite:
 * a JSONL file dropped in fresh/<model>/ → scan → fresh-data event → retrain job →
 * v1.1 (parent v1.0) → the file moved to used/<model>/; a failing job leaves it in fresh/.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { until } from '../support/wait.js';
import type { Job } from '../../src/domain/jobs.js';
import { openTestPlatform, type TestPlatform } from '../support/platform.js';
import { DatasetService } from '../../src/services/dataset-service.js';
import { FreshDataService } from '../../src/services/fresh-data-service.js';
import { InProcessDomainEvents } from '../../src/system/in-process-domain-events.js';
import { SqlDatasetStore } from '../../src/store/sql/sql-dataset-store.js';
import { LocalArtifactStore } from '../../src/store/artifacts/local-artifact-store.js';
import { FileDatasetReader } from '../../src/store/datasets/file-dataset-reader.js';
import { FsFreshDataSource } from '../../src/store/datasets/fs-fresh-data-source.js';
import { randomIds, systemClock } from '../../src/system/clock.js';
import { SMALL_FEATURES, syntheticRows, waitForJob } from '../support/training.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/external-trainer.mjs', import.meta.url));
const actor = { name: 'test' };

function externalRecipe(mode: string, includeFresh = false) {
  return { family: 'external', command: [process.execPath, FIXTURE], hyperParameters: { mode, epochs: 2 }, dataset: { datasets: ['synth'], includeFresh } };
}

describe('training lifecycle on sqlite (real queue, real trainer processes)', () => {
  let p: TestPlatform;

  before(async () => {
    // The event poll is slow here so that an event is delivered only by the wake-up of the
    // process that raised it: the lost-event test's dying process must not be heard by a poll.
    p = await openTestPlatform('sqlite', { WARDEN_WORKER_CONCURRENCY: '1', WARDEN_EXTERNAL_TRAINERS: process.execPath, WARDEN_EVENT_POLL_MS: '60000' });
    await p.services.datasets.registerRows(syntheticRows(200), { name: 'synth', origin: 'upload' });
  });
  after(async () => p.close());

  /** Writes fresh/<model>/<name> with an old mtime, so one scan takes it. */
  function dropFresh(model: string, name: string, rows: ReadonlyArray<{ text: string; label: number }>): string {
    const dir = path.join(p.config.dataDir, 'fresh', model);
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, name);
    fs.writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(file, old, old);
    return file;
  }

  async function retrainJobFor(model: string, timeoutMs = 10_000): Promise<Job> {
    const find = async () => (await p.services.jobs.list({ kind: 'retrain', limit: 200 })).items.find((j) => j.payload.model === model);
    return until(find, `a retrain job for ${model}`, { timeoutMs, everyMs: 25 });
  }

  it('an external trainer streams progress and metrics, its files become run artifacts, and the version is registered', async () => {
    const { training, registry, tracking, artifacts, jobs } = p.services;
    const job = await waitForJob(jobs, (await training.enqueueTraining({ model: 'ext-model', recipe: externalRecipe('malformed') }, actor)).id);
    assert.equal(job.state, 'succeeded', JSON.stringify(job.error));
    const version = await registry.getVersion('ext-model', 1);
    assert.equal(version.status, 'READY');
    assert.equal(version.tags['warden.family'], 'external');
    assert.ok(version.metrics.eval_accuracy! > 0.7, String(version.metrics.eval_accuracy));
    const runId = version.sourceRunId!;
    assert.deepEqual((await tracking.getMetricHistory(runId, 'loss')).points.map((pt) => pt.step), [1, 2]);
    const names = (await artifacts.list(runId)).map((a) => a.name).sort();
    assert.deepEqual(names, ['external-model.json', 'output/model.json', 'output/tokenizer/vocab.txt']);
    const index = (await artifacts.list(runId)).find((a) => a.name === 'external-model.json')!;
    assert.equal(version.artifactDigest, index.sha256);
    const logs = (await jobs.logs(job.id)).map((l) => l.line);
    assert.equal(logs.filter((l) => l.includes('malformed line ignored')).length, 4, logs.join('\n'));
    assert.ok(logs.some((l) => l.includes('stderr: warming up')));
    // An external model is not served by the built-in loader.
    await assert.rejects(p.services.models.predict('ext-model', 1, ['x']), /external trainer/);
  });

  it('fresh data end to end: dropped file → scan → retrain v1.1 with parent v1.0 → file moved to used/', async () => {
    const { training, registry, freshData, jobs } = p.services;
    const first = await waitForJob(
      jobs,
      (await training.enqueueTraining({ model: 'fresh-lr', family: 'lr', dataset: { datasets: ['synth'], includeFresh: true }, recipe: { featurizer: SMALL_FEATURES, hyperParameters: { epochs: 2 } } }, actor)).id,
    );
    assert.equal(first.state, 'succeeded', JSON.stringify(first.error));
    const file = dropFresh('fresh-lr', 'batch-1.jsonl', syntheticRows(40, 99).map((r) => ({ text: `fresh ${r.text}`, label: r.label })));

    const scan = await freshData.scanFresh();
    const scanned = scan.models.find((m) => m.model === 'fresh-lr');
    assert.equal(scanned?.announced, true);
    const job = await waitForJob(jobs, (await retrainJobFor('fresh-lr')).id);
    assert.equal(job.state, 'succeeded', JSON.stringify(job.error));
    // The retrain went through the orchestrator: a recorded decision, acted on the fresh data, naming its job.
    const [decision] = await p.services.retraining.list({ model: 'fresh-lr', trigger: 'fresh-data', limit: 5 });
    assert.deepEqual([decision?.outcome, decision?.jobId, decision?.triggers.map((t) => [t.kind, t.values.dataset])], ['retrain', job.id, [['fresh-data', `${scanned!.dataset!.name} v${scanned!.dataset!.version}`]]]);

    const v2 = await registry.getVersion('fresh-lr', 2);
    assert.equal(v2.semver, 'v1.1');
    assert.equal(v2.parentVersion, 1);
    assert.equal(v2.retrainingCount, 1);
    assert.equal(v2.tags['warden.trigger'], 'fresh-data');
    assert.ok(v2.datasetDigests.includes(scanned!.dataset!.sha256), 'the fresh version is among the dataset digests');
    assert.equal(fs.existsSync(file), false, 'the file left fresh/');
    assert.equal(fs.existsSync(path.join(p.config.dataDir, 'used', 'fresh-lr', 'batch-1.jsonl')), true, 'the file is in used/');

    // A later retrain keeps training on the fresh data its parent used.
    const again = await waitForJob(jobs, (await training.enqueueRetrain('fresh-lr', actor)).id);
    assert.equal(again.state, 'succeeded', JSON.stringify(again.error));
    const v3 = await registry.getVersion('fresh-lr', 3);
    assert.equal(v3.semver, 'v1.2');
    assert.ok(v3.datasetDigests.includes(scanned!.dataset!.sha256));
  });

  it('a fresh-data event lost with its process is recovered after the next scan', async () => {
    const { training, registry, freshData, jobs } = p.services;
    const first = await waitForJob(
      jobs,
      (await training.enqueueTraining({ model: 'lost-event', family: 'nb', dataset: { datasets: ['synth'], includeFresh: true }, recipe: { featurizer: SMALL_FEATURES } }, actor)).id,
    );
    assert.equal(first.state, 'succeeded', JSON.stringify(first.error));
    const file = dropFresh('lost-event', 'late.jsonl', syntheticRows(30, 5));
    // Another process versions and announces the file, then dies: nobody hears its event.
    const reader = new FileDatasetReader();
    const store = new SqlDatasetStore(p.database);
    const deaf = new FreshDataService({
      datasets: new DatasetService({ store, artifacts: new LocalArtifactStore(p.config.artifactsRoot), reader, clock: systemClock, ids: randomIds, maxDatasetBytes: p.config.maxDatasetBytes }),
      store,
      fresh: new FsFreshDataSource(p.config.dataDir, reader),
      events: new InProcessDomainEvents(),
      clock: systemClock,
    });
    await p.events.deliverPending(); // nothing left in flight that could pick up the deaf process's event
    assert.equal((await deaf.scanFresh()).models.find((m) => m.model === 'lost-event')?.announced, true);
    const report = await freshData.scanFresh();
    assert.equal(report.models.find((m) => m.model === 'lost-event')?.announced, false, 'already versioned: not announced again');
    const recovered = await training.reconcileFreshData(report);
    assert.deepEqual(recovered.map((j) => j.payload.model), ['lost-event']);
    assert.deepEqual(await training.reconcileFreshData(report), [], 'idempotent');
    const job = await waitForJob(jobs, recovered[0]!.id);
    assert.equal(job.state, 'succeeded', JSON.stringify(job.error));
    assert.equal((await registry.getVersion('lost-event', 2)).parentVersion, 1);
    assert.equal(fs.existsSync(file), false, 'moved to used/');
  });

  it('a failing trainer fails the job, registers a FAILED version in None, and leaves the fresh files in fresh/', async () => {
    const { training, registry, jobs } = p.services;
    // v1.0 succeeds; the model's recipe is then switched to a trainer that exits 3.
    const ok = await waitForJob(jobs, (await training.enqueueTraining({ model: 'fresh-ext', recipe: externalRecipe('ok', true) }, actor)).id);
    assert.equal(ok.state, 'succeeded', JSON.stringify(ok.error));
    await registry.updateModel('fresh-ext', { recipe: externalRecipe('fail', true) }, actor);
    const file = dropFresh('fresh-ext', 'batch-1.jsonl', syntheticRows(20, 7));
    await p.services.freshData.scanFresh();
    const job = await waitForJob(jobs, (await retrainJobFor('fresh-ext')).id, 30_000);
    assert.equal(job.state, 'failed');
    assert.match(job.error?.message ?? '', /exited with 3/);
    const failed = await registry.getVersion('fresh-ext', 2);
    assert.equal(failed.status, 'FAILED');
    assert.equal(failed.stage, 'None');
    assert.match(failed.description, /exited with 3/);
    assert.equal(fs.existsSync(file), true, 'the file stays in fresh/');
    const logs = (await jobs.logs(job.id)).map((l) => l.line).join('\n');
    assert.match(logs, /CUDA out of memory \(simulated\)/);
  });
});

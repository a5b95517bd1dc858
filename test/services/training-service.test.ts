/**
 * The training pipeline through the real platform (createPlatform) on SQLite and PostgreSQL: the
 * in-process queue runs the jobs; datasets, tracking, artifacts and the registry are the
 * real services. Data: a small synthetic corpus made here.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SPLIT_METHOD } from '../../src/domain/datasets.js';
import { WardenError } from '../../src/domain/errors.js';
import type { JobContext } from '../../src/domain/ports/job-queue.js';
import type { JsonValue } from '../../src/domain/jobs.js';
import { ModelLoader } from '../../src/services/model-loader.js';
import { LocalArtifactStore } from '../../src/store/artifacts/local-artifact-store.js';
import { corruptLocalBlob } from '../support/artifacts.js';
import { openTestPlatform, type TestPlatform } from '../support/platform.js';
import { STORE_KINDS } from '../support/stores.js';
import { SMALL_FEATURES, syntheticRows, waitForJob } from '../support/training.js';
import { systemClock } from '../../src/system/clock.js';

const actor = { name: 'test' };

for (const kind of STORE_KINDS)
describe(`TrainingService on ${kind} (real in-process queue)`, () => {
  let p: TestPlatform;
  let synthDigest: string;

  before(async () => {
    p = await openTestPlatform(kind, { WARDEN_WORKER_CONCURRENCY: '1' });
    const registered = await p.services.datasets.registerRows(syntheticRows(300), { name: 'synth', origin: 'upload' });
    synthDigest = registered.dataset.sha256;
    await p.services.datasets.registerRows(
      Array.from({ length: 30 }, (_, i) => ({ text: `only one class ${i}`, label: 0 })),
      { name: 'one-class', origin: 'upload' },
    );
  });
  after(async () => p.close());

  const lrRecipe = { featurizer: SMALL_FEATURES, hyperParameters: { epochs: 3 } };

  it('trains LR: per-epoch metrics on a run, artifact stored and verified, version registered and auto-staged', async () => {
    const { training, registry, tracking, artifacts, models, jobs } = p.services;
    const queued = await training.enqueueTraining({ model: 'spam-lr', family: 'lr', dataset: { datasets: ['synth'] }, recipe: lrRecipe, task: 'spam' }, actor);
    assert.equal(queued.kind, 'train');
    const job = await waitForJob(jobs, queued.id);
    assert.equal(job.state, 'succeeded', JSON.stringify(job.error));
    assert.equal(job.progress?.fraction, 1);
    const result = job.result as Record<string, unknown>;
    assert.equal(result.semver, 'v1.0');

    const version = await registry.getVersion('spam-lr', 1);
    assert.equal(version.status, 'READY');
    assert.equal(version.parentVersion, null);
    assert.equal(version.retrainingCount, 0);
    assert.deepEqual(version.datasetDigests, [synthDigest]);
    for (const key of ['eval_accuracy', 'eval_precision', 'eval_recall', 'eval_f1', 'eval_roc_auc', 'eval_pr_auc', 'eval_fpr', 'eval_tp', 'eval_fp', 'eval_tn', 'eval_fn']) {
      assert.equal(typeof version.metrics[key], 'number', key);
    }
    assert.ok(version.metrics.eval_accuracy! > 0.8, `eval_accuracy ${version.metrics.eval_accuracy}`);
    // The default policy: eval_accuracy > 0.9 → Production, else Staging.
    assert.equal(version.stage, version.metrics.eval_accuracy! > 0.9 ? 'Production' : 'Staging');
    for (const key of ['cpu_seconds', 'peak_rss_bytes', 'wall_seconds']) assert.ok(version.resourceUsage[key]! > 0, key);
    assert.match(version.recipeFingerprint ?? '', /^recipe-[0-9a-f]{64}$/);

    // The run: params, one metric point per epoch, FINISHED with resource usage.
    assert.ok(version.sourceRunId);
    const run = await tracking.getRun(version.sourceRunId);
    assert.equal(run.status, 'FINISHED');
    assert.equal(run.params['hp.epochs'], '3');
    assert.equal(run.params.family, 'lr');
    assert.ok(run.resourceUsage && run.resourceUsage.cpuSeconds > 0);
    const losses = await tracking.getMetricHistory(run.id, 'train_loss');
    assert.deepEqual(losses.points.map((pt) => pt.step), [1, 2, 3]);
    assert.equal((await tracking.getMetricHistory(run.id, 'val_roc_auc')).points.length, 3);
    assert.equal(run.metrics.eval_f1?.value, version.metrics.eval_f1);

    // Artifacts: manifest, weights, and the bundle the version points at.
    const names = (await artifacts.list(run.id)).map((a) => a.name).sort();
    assert.deepEqual(names, ['manifest.json', 'model.bundle', 'reference-profile.json', 'weights.bin']);
    const bundle = (await artifacts.list(run.id)).find((a) => a.name === 'model.bundle')!;
    assert.equal(version.artifactDigest, bundle.sha256);

    // Loading verifies and predicts with the model's own chain.
    const prediction = await models.predict('spam-lr', 'v1.0', ['free cash prize click now claim', 'meeting notes for the project review']);
    assert.deepEqual(prediction.predictions.map((x) => x.label), [1, 0]);

    // The model keeps its recipe.
    const model = await registry.getModel('spam-lr');
    assert.equal((model.recipe as { family?: string } | null)?.family, 'lr');

    // The job log tells the story.
    const log = (await jobs.logs(job.id)).map((l) => l.line).join('\n');
    assert.match(log, /epoch 3\/3/);
    assert.match(log, /registered spam-lr v1\.0/);
  });

  it('a retrain of the same recipe bumps the minor, with parent and retraining count', async () => {
    const { training, registry, jobs } = p.services;
    const job = await waitForJob(jobs, (await training.enqueueRetrain('spam-lr', actor)).id);
    assert.equal(job.state, 'succeeded', JSON.stringify(job.error));
    assert.equal(job.kind, 'retrain');
    const v2 = await registry.getVersion('spam-lr', 2);
    const v1 = await registry.getVersion('spam-lr', 1);
    assert.equal(v2.semver, 'v1.1');
    assert.equal(v2.parentVersion, 1);
    assert.equal(v2.retrainingCount, 1);
    assert.equal(v2.recipeFingerprint, v1.recipeFingerprint);
  });

  it('trains NB; a new family on an existing model bumps the major', async () => {
    const { training, registry, jobs } = p.services;
    const nb = await waitForJob(jobs, (await training.enqueueTraining({ model: 'spam-nb', family: 'nb', dataset: { datasets: ['synth'] }, recipe: { featurizer: SMALL_FEATURES } }, actor)).id);
    assert.equal(nb.state, 'succeeded', JSON.stringify(nb.error));
    const nbVersion = await registry.getVersion('spam-nb', 1);
    assert.equal(nbVersion.semver, 'v1.0');
    assert.equal(nbVersion.tags['warden.family'], 'nb');
    assert.ok(nbVersion.metrics.eval_roc_auc! > 0.8);
    const predicted = await p.services.models.predict('spam-nb', 1, ['winner cash prize offer']);
    assert.equal(predicted.predictions[0]?.label, 1);

    const switched = await waitForJob(jobs, (await training.enqueueTraining({ model: 'spam-lr', family: 'nb', recipe: { featurizer: SMALL_FEATURES } }, actor)).id);
    assert.equal(switched.state, 'succeeded', JSON.stringify(switched.error));
    const v3 = await registry.getVersion('spam-lr', 3);
    assert.equal(v3.semver, 'v2.0');
    // …and the model now retrains with the new recipe.
    assert.equal(((await registry.getModel('spam-lr')).recipe as { family?: string }).family, 'nb');
  });

  it('trains on one dataset under the same duplicate rule as a merge, split by text hash, and says so on the run', async () => {
    const { training, registry, tracking, datasets, jobs } = p.services;
    const base = syntheticRows(240, 5);
    // Two repeats of a row, and one text given both labels (three rows).
    const rows = [...base, base[0]!, base[1]!, { text: base[2]!.text, label: 1 - base[2]!.label }, { text: base[2]!.text, label: base[2]!.label }];
    await datasets.registerRows(rows, { name: 'with-duplicates', origin: 'upload' });
    const queued = await training.enqueueTraining({ model: 'dedupe-lr', family: 'lr', dataset: { datasets: ['with-duplicates'] }, recipe: lrRecipe, task: 'spam' }, actor);
    const job = await waitForJob(jobs, queued.id);
    assert.equal(job.state, 'succeeded', JSON.stringify(job.error));
    const version = await registry.getVersion('dedupe-lr', 1);
    const run = await tracking.getRun(version.sourceRunId!);
    assert.equal(run.params['dataset.duplicates_dropped'], '2');
    assert.equal(run.params['dataset.conflicting_rows_dropped'], '3');
    assert.equal(run.params['dataset.rows'], String(240 - 1));
    assert.equal(run.params['split.method'], SPLIT_METHOD);
    // Exactly the rows DatasetService.split gives for this version and the recipe's split.
    const split = await datasets.split('with-duplicates', 1, { seed: 42, validation: 0.1, test: 0.2 });
    assert.equal(version.metrics.eval_rows, split.test.length);
    assert.equal(version.metrics.train_rows, split.train.length);
    assert.equal(run.params['split.validation_rows'], String(split.validation.length));
  });

  it('the champion/challenger gate: a challenger is scored against Production on its held-out rows before any promotion', async () => {
    const { training, registry, jobs } = p.services;
    const admin = { name: 'root', role: 'admin' as const };
    // A lax policy: only the gate can keep these versions out of Production.
    await registry.createModel({ name: 'gated', task: 'spam', policy: { metric: 'eval_accuracy', comparison: '>', threshold: 0.5, targetStage: 'Production', tolerance: 0.1 } }, admin);
    const train = async (recipe: Record<string, unknown>) => {
      const job = await waitForJob(jobs, (await training.enqueueTraining({ model: 'gated', family: 'lr', dataset: { datasets: ['synth'] }, recipe: { featurizer: SMALL_FEATURES, ...recipe } }, actor)).id);
      assert.equal(job.state, 'succeeded', JSON.stringify(job.error));
      return { result: job.result as { version: number; stage: string; autoStageReason: string }, log: (await jobs.logs(job.id)).map((l) => l.line).join('\n') };
    };
    const champion = await train({});
    assert.equal(champion.result.stage, 'Production', champion.result.autoStageReason);

    // Flags almost nothing: far worse than the champion on the same rows.
    const worse = await train({ threshold: { objective: 'probability', probability: 0.999 } });
    assert.equal(worse.result.stage, 'Staging');
    assert.match(worse.result.autoStageReason, /the challenger is worse than the champion: eval_accuracy [\d.]+ vs [\d.]+ \(Δ -[\d.]+, tolerance 0\.1\) against champion version 1 on the same \d+ held-out rows; McNemar p /);
    assert.match(worse.log, /against Production v1\.0 on \d+ held-out rows: accuracy [\d.]+ vs [\d.]+, only this model right on \d+, only Production on \d+ \(McNemar p [\d.e-]+\)/);
    assert.equal((await registry.getVersion('gated', 1)).stage, 'Production');

    // Another seed of the champion's recipe: as good within the tolerance → Production, naming the comparison.
    const peer = await train({ seed: 7, threshold: { objective: 'f1' } });
    assert.equal(peer.result.stage, 'Production', peer.result.autoStageReason);
    assert.match(peer.result.autoStageReason, /holds up against the champion: eval_accuracy .* against champion version 1/);
    assert.equal((await registry.getVersion('gated', 1)).stage, 'Archived');
  });

  it('a failed training registers a FAILED version in stage None, with the error, and fails the job', async () => {
    const { training, registry, tracking, jobs } = p.services;
    const job = await waitForJob(jobs, (await training.enqueueTraining({ model: 'broken', family: 'lr', dataset: { datasets: ['one-class'] }, recipe: lrRecipe }, actor)).id);
    assert.equal(job.state, 'failed');
    assert.equal(job.attempts, 1, 'an input error is not retried');
    const version = await registry.getVersion('broken', 1);
    assert.equal(version.status, 'FAILED');
    assert.equal(version.stage, 'None');
    assert.equal(version.artifactDigest, null);
    assert.match(version.description, /both classes/);
    assert.equal((await tracking.getRun(version.sourceRunId!)).status, 'FAILED');
  });

  it('refuses bad requests before queueing anything, naming the field', async () => {
    const { training } = p.services;
    const field = async (fn: () => Promise<unknown>) => {
      try {
        await fn();
      } catch (error) {
        assert.ok(error instanceof WardenError);
        return `${error.code}:${error.field ?? ''}`;
      }
      assert.fail('expected an error');
    };
    assert.equal(await field(() => training.enqueueTraining({ model: 'new-model' }, actor)), 'VALIDATION_FAILED:recipe');
    assert.equal(await field(() => training.enqueueTraining({ model: 'spam-lr', recipe: { hyperParameters: { bogus: 1 } } }, actor)), 'VALIDATION_FAILED:recipe.hyperParameters.bogus');
    assert.equal(await field(() => training.enqueueTraining({ model: 'x1', family: 'svm', dataset: { builtin: ['spam-assassin'] } }, actor)), 'VALIDATION_FAILED:recipe.family');
    assert.equal(await field(() => training.enqueueRetrain('no-such-model', actor)), 'MODEL_NOT_FOUND:model');
  });

  it('checks the data at enqueue: no dataset for a new model lists the choices; an unknown corpus, dataset or version is a 400 naming it, and nothing is spent', async () => {
    const { training, registry, jobs } = p.services;
    const refusal = async (fn: () => Promise<unknown>) => {
      try {
        await fn();
      } catch (error) {
        assert.ok(error instanceof WardenError);
        return { code: error.code, field: error.field, message: error.message };
      }
      assert.fail('expected an error');
    };
    const jobsBefore = (await jobs.list({ limit: 200 })).items.length;
    const noData = await refusal(() => training.enqueueTraining({ model: 'lr-without-data', family: 'lr' }, actor));
    assert.equal(`${noData.code}:${noData.field}`, 'VALIDATION_FAILED:dataset');
    assert.match(noData.message, /built-in corpora: spam-assassin/);
    assert.match(noData.message, /datasets: .*\bsynth\b/);
    const cases: Array<[Parameters<typeof training.enqueueTraining>[0], string]> = [
      [{ model: 'new-one', family: 'lr', dataset: { builtin: ['enron'] } }, 'dataset.builtin[0]'],
      [{ model: 'new-one', family: 'lr', recipe: { dataset: { datasets: ['synth', 'no-such-data'] } } }, 'recipe.dataset.datasets[1].name'],
      [{ model: 'new-one', family: 'lr', dataset: { datasets: [{ name: 'synth', version: 99 }] } }, 'dataset.datasets[0].version'],
      [{ model: 'spam-lr', dataset: { datasets: ['no-such-data'] } }, 'dataset.datasets[0].name'],
    ];
    const versionsBefore = (await registry.getModel('spam-lr')).latestVersion;
    for (const [request, expected] of cases) {
      const refused = await refusal(() => training.enqueueTraining(request, actor));
      assert.equal(`${refused.code}:${refused.field}`, `VALIDATION_FAILED:${expected}`, refused.message);
    }
    await assert.rejects(registry.getModel('lr-without-data'), { code: 'MODEL_NOT_FOUND' });
    await assert.rejects(registry.getModel('new-one'), { code: 'MODEL_NOT_FOUND' });
    assert.equal((await registry.getModel('spam-lr')).latestVersion, versionsBefore, 'no FAILED version spent a number');
    assert.equal((await jobs.list({ limit: 200 })).items.length, jobsBefore, 'nothing queued');
  });

  it('cancelling a running training stops it: job cancelled, run KILLED, nothing registered', async () => {
    const { training, registry, tracking, jobs } = p.services;
    const queued = await training.enqueueTraining({ model: 'cancel-me', family: 'lr', dataset: { datasets: ['synth'] }, recipe: { featurizer: SMALL_FEATURES, hyperParameters: { epochs: 1000 } } }, actor);
    const deadline = Date.now() + 30_000;
    while ((await jobs.get(queued.id)).progress?.phase !== 'training') {
      assert.ok(Date.now() < deadline, 'training never started');
      await new Promise((r) => setTimeout(r, 20));
    }
    await jobs.cancel(queued.id);
    const job = await waitForJob(jobs, queued.id);
    assert.equal(job.state, 'cancelled');
    assert.equal((await registry.searchVersions('cancel-me')).items.length, 0);
    const experiment = await tracking.getExperiment('train-cancel-me');
    const runs = await tracking.searchRuns({ experimentIds: [experiment.id] });
    assert.equal(runs.runs.length, 1, JSON.stringify(runs));
    assert.equal(runs.runs[0]?.status, 'KILLED');
  });

  it('a job re-run after a crash between registering and its checkpoint registers no duplicate', async () => {
    const { training, registry, jobs } = p.services;
    // A queued job the workers never see (kind backfill has no handler): we run its attempts by hand.
    const job = await jobs.enqueue({ kind: 'backfill', payload: { model: 'spam-nb', recipe: (await registry.getModel('spam-nb')).recipe as never, parent: 1, trigger: 'test', saveRecipe: false, actor: 'test' } });
    const attempt = (n: number): JobContext => ({
      job,
      payload: job.payload,
      attempt: n,
      signal: new AbortController().signal,
      reportProgress: () => {},
      log: () => {},
      // Nothing is ever recorded: every attempt looks like the first after a crash.
      once: <T extends JsonValue>(_key: string, fn: () => Promise<T>) => fn(),
      confirmOwnership: async () => {},
      idempotencyKey: (scope: string) => `${job.id}:${scope}`,
    });
    const first = (await training.runTrainingJob(attempt(1))) as { version: number };
    const second = (await training.runTrainingJob(attempt(2))) as { version: number };
    assert.equal(second.version, first.version);
    const versions = await registry.searchVersions('spam-nb', { tag: `warden.job_key=${job.id}:register` });
    assert.equal(versions.items.length, 1);
  });

  it('an evaluate job scores a version on a dataset and logs the metrics on a run', async () => {
    const { training, tracking, jobs } = p.services;
    const job = await waitForJob(jobs, (await training.enqueueEvaluation({ model: 'spam-lr', version: 'v1.0', dataset: 'synth' }, actor)).id);
    assert.equal(job.state, 'succeeded', JSON.stringify(job.error));
    const result = job.result as { metrics: Record<string, number>; runId: string; semver: string };
    assert.equal(result.semver, 'v1.0');
    assert.equal(result.metrics.eval_rows, 300);
    assert.ok(result.metrics.eval_accuracy! > 0.8);
    const run = await tracking.getRun(result.runId);
    assert.equal(run.status, 'FINISHED');
    assert.equal(run.metrics.eval_accuracy?.value, result.metrics.eval_accuracy);
  });

  it('loading refuses a tampered model artifact', async () => {
    const version = await p.services.registry.getVersion('spam-nb', 1);
    corruptLocalBlob(new LocalArtifactStore(p.config.artifactsRoot), version.artifactDigest!);
    const fresh = new ModelLoader({ registry: p.services.registry, artifacts: p.services.artifacts, clock: systemClock });
    await assert.rejects(fresh.predict('spam-nb', 1, ['hello']), (error: unknown) => error instanceof WardenError && error.code === 'ARTIFACT_TAMPERED');
  });
});

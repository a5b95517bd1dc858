/**
 * The built-in families behind the Trainer port: progress in the port's terms, per-epoch
 * metrics, Warden's own held-out scoring, the artifacts stored in order (the bundle last,
 * loadable and predicting as the trained model), and abort.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BuiltinTrainer, toMlRecipe } from '../../src/ml/builtin-trainer.js';
import { loadBundle, BUNDLE_NAME, MANIFEST_NAME, WEIGHTS_NAME } from '../../src/ml/model-bundle.js';
import { predictBatch } from '../../src/ml/index.js';
import { parseRecipe } from '../../src/domain/recipes.js';
import type { MetricPoint, TrainerArtifact, TrainerProgress, TrainerRequest } from '../../src/domain/ports/trainer.js';
import { sha256Hex } from '../../src/system/sha256-digest.js';
import { toyCorpus } from './toy-corpus.js';

const trainer = new BuiltinTrainer({ sha256: sha256Hex, now: () => performance.now(), yieldTurn: () => new Promise((resolve) => setImmediate(resolve)) });

function rows(n: number, seed: number) {
  const corpus = toyCorpus(n, seed);
  return corpus.texts.map((text, i) => ({ text, label: corpus.labels[i] as 0 | 1 }));
}

const splits = { train: rows(300, 31), validation: rows(100, 32), test: rows(120, 33) };

function request(recipe: Record<string, unknown>, signal = new AbortController().signal) {
  const seen = { progress: [] as TrainerProgress[], metrics: [] as MetricPoint[], log: [] as string[], milestones: [] as string[] };
  const req: TrainerRequest = {
    model: 'toy',
    recipe: parseRecipe({ dataset: { datasets: ['toy'] }, featurizer: { dimsLog2: 14 }, ...recipe }),
    splits,
    datasetDigest: 'sha256:toy',
    jobId: 'job-1',
    runId: 'run-1',
    signal,
    onProgress: (p) => seen.progress.push(p),
    onMetrics: async (points) => {
      seen.metrics.push(...points);
    },
    log: (line) => seen.log.push(line),
    milestone: (line) => seen.milestones.push(line),
  };
  return { req, seen };
}

describe('BuiltinTrainer', () => {
  it('runs lr, nb and mlp recipes, not external ones', () => {
    assert.deepEqual([...trainer.families], ['lr', 'nb', 'mlp']);
    assert.throws(() => toMlRecipe(parseRecipe({ family: 'external', command: ['/bin/true'], dataset: { datasets: ['toy'] } })), /no built-in family/);
  });

  it('reports training then evaluating, each from 0 to 1, and scores the held-out rows itself', async () => {
    const { req, seen } = request({ family: 'lr' });
    const trained = await trainer.train(req);
    const parts = seen.progress.map((p) => p.part);
    const firstEvaluating = parts.indexOf('evaluating');
    assert.ok(firstEvaluating > 0, 'training reports come first');
    assert.ok(parts.slice(firstEvaluating).every((p) => p === 'evaluating'), 'nothing trains after the evaluation starts');
    const training = seen.progress.filter((p) => p.part === 'training').map((p) => p.within);
    assert.deepEqual([...training].sort((a, b) => a - b), training, 'monotone');
    assert.ok(training.every((w) => w >= 0 && w <= 1));
    assert.deepEqual(new Set(seen.progress.filter((p) => p.part === 'training').map((p) => p.phase)), new Set(['featurising', 'training', 'calibrating']));
    assert.deepEqual(seen.progress.filter((p) => p.part === 'evaluating').map((p) => p.within), [0, 1]);

    assert.equal(trained.metricsSource, 'warden');
    assert.ok(trained.model !== null);
    assert.ok(trained.metrics.eval_accuracy! > 0.9, String(trained.metrics.eval_accuracy));
    assert.equal(trained.metrics.eval_rows, splits.test.length);
    assert.equal(trained.metrics.train_rows, splits.train.length);
    assert.ok(trained.metrics.val_accuracy! > 0.9);
    assert.equal(trained.model.metrics.eval_accuracy, trained.metrics.eval_accuracy, 'the model carries its held-out metrics');
    assert.equal(seen.milestones.length, 1);
    assert.match(seen.milestones[0]!, new RegExp(`^evaluation on ${splits.test.length} held-out rows: accuracy `));
  });

  it('with adversarial copies, says it writes them before featurising, whose count includes them', async () => {
    const { req, seen } = request({ family: 'lr', hyperParameters: { augment: true } });
    await trainer.train(req);
    const positives = splits.train.filter((row) => row.label === 1).length;
    const writing = seen.progress.filter((p) => p.message?.startsWith('writing adversarial copies') === true);
    assert.ok(writing.length >= Math.floor(positives / 32), `${writing.length} reports for ${positives} copies`);
    assert.ok(writing.every((p) => p.phase === 'featurising' && p.step === undefined && p.throughput === undefined));
    assert.equal(writing.at(-1)?.message, `writing adversarial copies ${Math.floor(positives / 32) * 32}/${positives}`);
    const featurising = seen.progress.filter((p) => p.phase === 'featurising' && p.step !== undefined);
    const firstFeaturising = seen.progress.indexOf(featurising[0]!);
    assert.ok(seen.progress.indexOf(writing.at(-1)!) < firstFeaturising, 'the copies come first');
    const rows = splits.train.length + positives + splits.validation.length;
    assert.ok(featurising.every((p) => p.totalSteps === rows && p.step! <= rows));
  });

  it('sends each epoch’s metrics once, at the epoch’s end, and logs a line per epoch', async () => {
    const { req, seen } = request({ family: 'mlp', hyperParameters: { hidden: 8, epochs: 3 } });
    await trainer.train(req);
    for (const key of ['train_loss', 'val_loss', 'val_roc_auc']) {
      assert.deepEqual(seen.metrics.filter((m) => m.key === key).map((m) => m.step), [1, 2, 3], key);
    }
    assert.deepEqual(seen.log.map((l) => l.split(' ')[1]), ['1/3', '2/3', '3/3']);
  });

  it('stores manifest.json, weights.bin, then model.bundle, whose digest the version gets; the bundle predicts as the model', async () => {
    const { req } = request({ family: 'nb' });
    const trained = await trainer.train(req);
    const stored: Array<{ artifact: TrainerArtifact; bytes: Uint8Array }> = [];
    const digest = await trained.storeArtifacts(async (artifact) => {
      const chunks: Uint8Array[] = [];
      for await (const chunk of artifact.open()) chunks.push(chunk);
      const bytes = Buffer.concat(chunks);
      assert.equal(bytes.length, artifact.size, `${artifact.name}: declared size`);
      stored.push({ artifact, bytes });
      return sha256Hex(bytes);
    });
    assert.deepEqual(stored.map((s) => s.artifact.name), [MANIFEST_NAME, WEIGHTS_NAME, BUNDLE_NAME]);
    assert.equal(stored[0]!.artifact.mediaType, 'application/json');
    assert.equal(digest, sha256Hex(stored[2]!.bytes));
    const loaded = loadBundle(stored[2]!.bytes, sha256Hex);
    const texts = splits.test.map((r) => r.text);
    assert.deepEqual(predictBatch(loaded, texts), predictBatch(trained.model!, texts));
    await trained.release();
  });

  it('stops when the job is aborted', async () => {
    const controller = new AbortController();
    const { req, seen } = request({ family: 'mlp', hyperParameters: { hidden: 8, epochs: 50 } }, controller.signal);
    req.onProgress = (p) => {
      seen.progress.push(p);
      if (p.part === 'training' && p.phase === 'training') controller.abort(new Error('cancelled by the test'));
    };
    await assert.rejects(trainer.train(req), /cancelled by the test/);
    assert.ok(!seen.progress.some((p) => p.part === 'evaluating'), 'no evaluation after the abort');
  });
});

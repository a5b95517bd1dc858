import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_LOGISTIC_REGRESSION,
  SLICE_WORK,
  classWeights,
  fitLogisticRegression,
  type EpochReport,
  type LinearWeights,
  type SliceReport,
} from '../../src/ml/logistic-regression.js';
import { createFeaturizer, featurizeMany, sparseDot, DEFAULT_FEATURIZER } from '../../src/ml/features.js';
import { rocAuc } from '../../src/ml/metrics.js';
import { WardenError } from '../../src/domain/errors.js';
import { toyCorpus } from './toy-corpus.js';

const featurizer = createFeaturizer({ ...DEFAULT_FEATURIZER, dimsLog2: 14 });

function run(gen: Generator<EpochReport | SliceReport, LinearWeights>): { reports: EpochReport[]; slices: SliceReport[]; model: LinearWeights } {
  const reports: EpochReport[] = [];
  const slices: SliceReport[] = [];
  for (;;) {
    const next = gen.next();
    if (next.done === true) return { reports, slices, model: next.value };
    if (next.value.kind === 'epoch') reports.push(next.value);
    else slices.push(next.value);
  }
}

describe('fitLogisticRegression', () => {
  it('learns a separable toy set (training AUC 1, loss falls)', () => {
    const { texts, labels } = toyCorpus(300, 1);
    const rows = featurizeMany(featurizer, texts);
    const { reports, model } = run(fitLogisticRegression(rows, labels, featurizer.dims, { ...DEFAULT_LOGISTIC_REGRESSION, epochs: 5 }, 1));
    assert.equal(reports.length, 5);
    assert.ok(reports[4]!.loss < reports[0]!.loss);
    const held = toyCorpus(200, 2);
    const scores = featurizeMany(featurizer, held.texts).map((r) => sparseDot(r, model.weights) + model.bias);
    assert.ok(rocAuc(held.labels, scores) > 0.99);
  });

  it('is deterministic for a seed and depends on it', () => {
    const { texts, labels } = toyCorpus(100, 3);
    const rows = featurizeMany(featurizer, texts);
    const params = { ...DEFAULT_LOGISTIC_REGRESSION, epochs: 2 };
    const a = run(fitLogisticRegression(rows, labels, featurizer.dims, params, 9)).model;
    const b = run(fitLogisticRegression(rows, labels, featurizer.dims, params, 9)).model;
    const c = run(fitLogisticRegression(rows, labels, featurizer.dims, params, 10)).model;
    assert.deepEqual(a.weights, b.weights);
    assert.equal(a.bias, b.bias);
    assert.notDeepEqual(a.weights, c.weights);
  });

  it('yields inside an epoch after each slice of work, so a caller can await between slices', () => {
    // Rows of 4,000 features: an epoch of 1,000 rows is ~4 slices of SLICE_WORK.
    const rows = Array.from({ length: 1_000 }, (_, r) => ({
      indices: Int32Array.from({ length: 4_000 }, (_, k) => (r * 7 + k * 13) % featurizer.dims),
      values: new Float32Array(4_000).fill(0.01),
    }));
    const labels = Array.from({ length: 1_000 }, (_, r) => r % 2);
    const { reports, slices } = run(fitLogisticRegression(rows, labels, featurizer.dims, { ...DEFAULT_LOGISTIC_REGRESSION, epochs: 2 }, 1));
    assert.equal(reports.length, 2);
    const perSlice = Math.ceil(SLICE_WORK / 4_001);
    assert.deepEqual(
      slices.filter((s) => s.epoch === 1).map((s) => s.row),
      Array.from({ length: Math.floor(999 / perSlice) }, (_, i) => (i + 1) * perSlice),
    );
    assert.ok(slices.every((s) => s.rows === 1_000 && s.epochs === 2));
  });

  it('balanced class weights up-weigh the minority class', () => {
    const [w0, w1] = classWeights([1, 0, 0, 0], 'balanced');
    assert.equal(w0, 4 / 6);
    assert.equal(w1, 2);
    assert.deepEqual(classWeights([1, 0], 'none'), [1, 1]);
  });

  it('rejects bad hyper-parameters naming the field', () => {
    assert.throws(
      () => fitLogisticRegression([], [], 16, { ...DEFAULT_LOGISTIC_REGRESSION, epochs: 0 }, 1).next(),
      (e: unknown) => e instanceof WardenError && e.field === 'hyperParameters.epochs',
    );
  });
});

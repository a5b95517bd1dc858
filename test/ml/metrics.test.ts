import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { averagePrecision, binaryMetrics, confusionMatrix, logLoss, metricsToRecord, rocAuc } from '../../src/ml/metrics.js';

const close = (actual: number, expected: number, eps = 1e-9): void => assert.ok(Math.abs(actual - expected) < eps, `${actual} ≠ ${expected}`);

// Hand-computed fixture: positives score 0.9, 0.8, 0.2; negatives 0.7, 0.3, 0.1.
const labels = [1, 1, 0, 0, 1, 0];
const scores = [0.9, 0.8, 0.7, 0.3, 0.2, 0.1];

describe('metrics', () => {
  it('confusion matrix at a threshold', () => {
    assert.deepEqual(confusionMatrix(labels, [1, 1, 1, 0, 0, 0]), { tp: 2, fp: 1, tn: 2, fn: 1 });
  });

  it('accuracy, precision, recall, F1 and FPR at 0.5', () => {
    const m = binaryMetrics(labels, scores, 0.5);
    close(m.accuracy, 4 / 6);
    close(m.precision, 2 / 3);
    close(m.recall, 2 / 3);
    close(m.f1, 2 / 3);
    close(m.fpr, 1 / 3);
    assert.deepEqual(m.support, { positive: 3, negative: 3 });
  });

  it('ROC-AUC counts ordered pairs (7 of 9) and ties as half', () => {
    close(rocAuc(labels, scores), 7 / 9);
    close(rocAuc([1, 0], [0.5, 0.5]), 0.5);
    close(rocAuc([1, 0, 1, 0], [0.9, 0.1, 0.8, 0.2]), 1);
    assert.ok(Number.isNaN(rocAuc([1, 1], [0.2, 0.3])));
  });

  it('average precision: 1/3·1 + 1/3·1 + 1/3·3/5', () => {
    close(averagePrecision(labels, scores), 1 / 3 + 1 / 3 + 0.2);
    close(averagePrecision([1, 0, 1], [0.9, 0.9, 0.1]), 0.5 * 0.5 + 0.5 * (2 / 3));
  });

  it('precision/F1 are 0 (not NaN) with no predicted positives', () => {
    const m = binaryMetrics(labels, scores, 2);
    assert.equal(m.precision, 0);
    assert.equal(m.f1, 0);
    assert.equal(m.recall, 0);
  });

  it('log loss of perfect and uniform predictions', () => {
    close(logLoss([1, 0], [0.5, 0.5]), Math.log(2));
    assert.ok(logLoss([1, 0], [1, 0]) < 1e-10);
  });

  it('flattens to a prefixed record and rejects length mismatches', () => {
    const record = metricsToRecord(binaryMetrics(labels, scores, 0.5), 'eval_');
    close(record.eval_f1!, 2 / 3);
    close(record.eval_roc_auc!, 7 / 9);
    assert.equal(record.eval_tp, 2);
    assert.throws(() => rocAuc([1, 0], [0.1]), RangeError);
  });
});

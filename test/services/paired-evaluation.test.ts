/**
 * evaluatePair: both models scored once on the same rows, metrics and the paired test derived
 * from the same predictions, and the event loop kept turning while it scores.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pairedComparison } from '../../src/domain/evaluation/index.js';
import { binaryMetrics, logLoss, metricsToRecord, predictBatch, trainTextClassifier, type TextClassifier } from '../../src/ml/index.js';
import { evaluatePair } from '../../src/services/paired-evaluation.js';
import { syntheticRows } from '../support/training.js';

const part = (rows: Array<{ text: string; label: 0 | 1 }>) => ({ texts: rows.map((r) => r.text), labels: Uint8Array.from(rows, (r) => r.label) });

function train(family: 'logistic-regression' | 'naive-bayes'): TextClassifier {
  const rows = syntheticRows(400, 3);
  return trainTextClassifier({ family, featurizer: { dimsLog2: 14 }, hyperParameters: family === 'naive-bayes' ? {} : { epochs: 2 } }, { train: part(rows.slice(0, 300)), validation: part(rows.slice(300)) }).model;
}

describe('evaluatePair', () => {
  const lr = train('logistic-regression');
  const nb = train('naive-bayes');

  it('derives each side metrics and the paired test from one set of predictions', async () => {
    const data = part(syntheticRows(150, 9));
    const pair = await evaluatePair(lr, nb, data, { maxFlips: 3 });
    assert.equal(pair.rows, 150);
    for (const [model, metrics, predictions] of [[lr, pair.metricsA, pair.predictionsA], [nb, pair.metricsB, pair.predictionsB]] as const) {
      assert.deepEqual(predictions, predictBatch(model, data.texts));
      const probabilities = Float64Array.from(predictions, (p) => p.probability);
      assert.deepEqual(metrics, { ...metricsToRecord(binaryMetrics(data.labels, probabilities, model.threshold), 'eval_'), eval_log_loss: logLoss(data.labels, probabilities) });
    }
    const labelsOf = (ps: typeof pair.predictionsA) => Uint8Array.from(ps, (p) => p.label);
    assert.deepEqual(pair.paired, pairedComparison(data.labels, labelsOf(pair.predictionsA), labelsOf(pair.predictionsB), { maxFlips: 3 }));
    assert.ok('accuracy' in (await evaluatePair(lr, nb, data, { prefix: '' })).metricsA);
  });

  it('gives the event loop turns while it scores many rows', async () => {
    const data = part(syntheticRows(20_000, 5));
    let turns = 0;
    const timer = setInterval(() => turns++, 1);
    const started = performance.now();
    try {
      await evaluatePair(lr, nb, data);
    } finally {
      clearInterval(timer);
    }
    const ms = performance.now() - started;
    // It holds the loop at most ~20 ms at a time, so a 1 ms timer fires about every 20 ms.
    assert.ok(turns >= Math.floor(ms / 100), `${turns} timer turns in ${Math.round(ms)} ms`);
    assert.ok(turns > 0);
  });
});

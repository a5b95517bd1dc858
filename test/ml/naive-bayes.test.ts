import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fitNaiveBayes } from '../../src/ml/naive-bayes.js';
import { createFeaturizer, featurizeMany, sparseDot, DEFAULT_FEATURIZER } from '../../src/ml/features.js';
import { rocAuc } from '../../src/ml/metrics.js';
import { WardenError } from '../../src/domain/errors.js';
import { toyCorpus } from './toy-corpus.js';

const featurizer = createFeaturizer({ ...DEFAULT_FEATURIZER, dimsLog2: 14, signedHash: false });

describe('fitNaiveBayes', () => {
  for (const variant of ['multinomial', 'complement'] as const) {
    it(`${variant}: separates the toy set`, () => {
      const { texts, labels } = toyCorpus(300, 4);
      const model = fitNaiveBayes(featurizeMany(featurizer, texts), labels, featurizer.dims, { variant, alpha: 0.1, fitPrior: true });
      const held = toyCorpus(200, 5);
      const scores = featurizeMany(featurizer, held.texts).map((r) => sparseDot(r, model.weights) + model.bias);
      assert.ok(rocAuc(held.labels, scores) > 0.99);
    });
  }

  it('multinomial weights are log-probability ratios with a log-prior bias', () => {
    // Two one-word documents at dims 2^14: bucket of "spam" gets log((1+α)/(1+α·D)) − log(α/(1+α·D)).
    const words = createFeaturizer({ ...DEFAULT_FEATURIZER, dimsLog2: 14, signedHash: false, charNgrams: [0, 0], wordNgrams: [1, 1] });
    const rows = featurizeMany(words, ['spam', 'ham', 'ham']);
    const alpha = 0.5;
    const model = fitNaiveBayes(rows, [1, 0, 0], words.dims, { variant: 'multinomial', alpha, fitPrior: true });
    const spamBucket = rows[0]!.indices[0]!;
    const d = words.dims;
    const expected = Math.log((1 + alpha) / (1 + alpha * d)) - Math.log(alpha / (2 + alpha * d));
    assert.ok(Math.abs(model.weights[spamBucket]! - expected) < 1e-4);
    assert.ok(Math.abs(model.bias - Math.log(1 / 2)) < 1e-12);
  });

  it('refuses signed (negative) features, naming the featuriser field', () => {
    const signed = createFeaturizer({ ...DEFAULT_FEATURIZER, dimsLog2: 14 });
    const { texts, labels } = toyCorpus(50, 6);
    assert.throws(
      () => fitNaiveBayes(featurizeMany(signed, texts), labels, signed.dims, { variant: 'multinomial', alpha: 1, fitPrior: true }),
      (e: unknown) => e instanceof WardenError && e.field === 'featurizer.signedHash',
    );
  });
});

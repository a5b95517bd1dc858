import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_MLP, fitMlp, type MlpWeights } from '../../src/ml/mlp.js';
import { createFeaturizer, featurizeMany, DEFAULT_FEATURIZER } from '../../src/ml/features.js';
import { createScorer, type TextClassifier } from '../../src/ml/classifier.js';
import { DEFAULT_NORMALIZATION } from '../../src/ml/normalize.js';
import { rocAuc } from '../../src/ml/metrics.js';
import { toyCorpus } from './toy-corpus.js';

const config = { ...DEFAULT_FEATURIZER, dimsLog2: 12 };
const featurizer = createFeaturizer(config);

function train(seed: number, texts: string[], labels: number[]): MlpWeights {
  const gen = fitMlp(featurizeMany(featurizer, texts), labels, featurizer.dims, { ...DEFAULT_MLP, hidden: 8, epochs: 4 }, seed);
  for (;;) {
    const next = gen.next();
    if (next.done === true) return next.value;
  }
}

const asModel = (w: MlpWeights): TextClassifier => ({
  family: 'mlp',
  normalization: DEFAULT_NORMALIZATION,
  featurizer: config,
  hyperParameters: { ...DEFAULT_MLP, hidden: 8 },
  tensors: { ...w },
  calibration: { a: 1, b: 0 },
  threshold: 0.5,
  metrics: {},
  datasetDigest: null,
  seed: 1,
});

describe('fitMlp', () => {
  it('learns the toy set through its hidden layer', () => {
    const { texts, labels } = toyCorpus(300, 11);
    const score = createScorer(asModel(train(1, texts, labels)));
    const held = toyCorpus(200, 12);
    assert.ok(rocAuc(held.labels, featurizeMany(featurizer, held.texts).map(score)) > 0.98);
  });

  it('is a function of the seed', () => {
    const { texts, labels } = toyCorpus(60, 13);
    assert.deepEqual(train(3, texts, labels).w2, train(3, texts, labels).w2);
    assert.notDeepEqual(train(3, texts, labels).w2, train(4, texts, labels).w2);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  TrainingCancelledError,
  augmentTraining,
  evaluateClassifier,
  resolveRecipe,
  trainTextClassifier,
  trainTextClassifierSteps,
  vectorizeTexts,
  type TrainingProgress,
  type TrainingRecipe,
} from '../../src/ml/train.js';
import { WardenError } from '../../src/domain/errors.js';
import { predict } from '../../src/ml/classifier.js';
import { toyCorpus } from './toy-corpus.js';

const data = { train: toyCorpus(400, 21), validation: toyCorpus(150, 22) };
const small = { featurizer: { dimsLog2: 14 } };

describe('trainTextClassifier', () => {
  for (const family of ['logistic-regression', 'naive-bayes', 'mlp'] as const) {
    it(`${family}: trains, calibrates and generalises to held-out toy text`, () => {
      const recipe: TrainingRecipe = { family, ...small, ...(family === 'mlp' ? { hyperParameters: { hidden: 8, epochs: 3 } } : {}) };
      const result = trainTextClassifier(recipe, data, { datasetDigest: 'sha256:toy' });
      const test = evaluateClassifier(result.model, toyCorpus(200, 23));
      assert.ok(test.f1 > 0.95, `test F1 ${test.f1}`);
      assert.ok(result.model.threshold > 0 && result.model.threshold < 1);
      assert.equal(result.model.datasetDigest, 'sha256:toy');
      assert.ok(result.model.metrics.val_f1! > 0.95);
      assert.ok(result.history.length >= 1);
    });
  }

  it('refit: keeps the held-out calibration, threshold and val metrics, retrains on train + validation, one history pass', () => {
    for (const family of ['logistic-regression', 'naive-bayes'] as const) {
      const base: TrainingRecipe = { family, ...small, featurizer: { dimsLog2: 14, idf: true } };
      const plain = trainTextClassifier(base, data);
      const seen: TrainingProgress[] = [];
      const refit = trainTextClassifier({ ...base, hyperParameters: { refit: true } }, data, { onProgress: (p) => seen.push(p) });
      assert.deepEqual(refit.model.calibration, plain.model.calibration);
      assert.equal(refit.model.threshold, plain.model.threshold);
      assert.deepEqual(refit.model.metrics, plain.model.metrics);
      assert.equal(refit.history.length, plain.history.length);
      assert.notDeepEqual(refit.model.tensors.weights, plain.model.tensors.weights);
      assert.notDeepEqual(refit.model.tensors.idf, plain.model.tensors.idf);
      // The refitted model is exactly a plain fit on train + validation (same seed, same row order).
      const both = { texts: [...data.train.texts, ...data.validation.texts], labels: Uint8Array.from([...Array.from(data.train.labels), ...Array.from(data.validation.labels)]) };
      const onAll = trainTextClassifier(base, { train: both, validation: data.validation });
      assert.deepEqual(refit.model.tensors.weights, onAll.model.tensors.weights);
      for (let i = 1; i < seen.length; i++) assert.ok(seen[i]!.fraction >= seen[i - 1]!.fraction);
      assert.equal(seen.at(-1)!.fraction, 1);
      assert.ok(evaluateClassifier(refit.model, toyCorpus(200, 23)).f1 > 0.95);
    }
    assert.throws(
      () => resolveRecipe({ family: 'logistic-regression', hyperParameters: { refit: 'yes' } }),
      (e: unknown) => e instanceof WardenError && e.field === 'recipe.hyperParameters.refit',
    );
    assert.equal('refit' in resolveRecipe({ family: 'logistic-regression' }).hyperParameters, false);
  });

  it('reports monotone progress through every phase, ending at 1', () => {
    const seen: TrainingProgress[] = [];
    trainTextClassifier({ family: 'logistic-regression', ...small, hyperParameters: { epochs: 3 } }, data, { onProgress: (p) => seen.push(p) });
    const phases = new Set(seen.map((p) => p.phase));
    assert.deepEqual([...phases], ['featurize', 'train', 'calibrate', 'done']);
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i]!.fraction >= seen[i - 1]!.fraction);
    assert.equal(seen.at(-1)!.fraction, 1);
    const epochs = seen.filter((p) => p.phase === 'train');
    assert.deepEqual(epochs.map((p) => p.epoch), [1, 2, 3]);
    assert.ok(epochs.every((p) => typeof p.loss === 'number' && Number.isFinite(p.validationRocAuc)));
  });

  it('window weights: fitted after the text’s, progress still monotone; logistic regression only, not with a refit, and only with windows', () => {
    const seen: TrainingProgress[] = [];
    const recipe: TrainingRecipe = { family: 'logistic-regression', ...small, featurizer: { dimsLog2: 12, windowChars: 64, windowWeights: true }, hyperParameters: { epochs: 3 } };
    const { model, history } = trainTextClassifier(recipe, data, { onProgress: (p) => seen.push(p) });
    assert.ok(model.tensors.windowWeights !== undefined && model.tensors.windowBias !== undefined);
    assert.equal(history.length, 3, 'the history is the text weights’ epochs');
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i]!.fraction >= seen[i - 1]!.fraction, `${seen[i - 1]!.phase} ${seen[i - 1]!.fraction} → ${seen[i]!.phase} ${seen[i]!.fraction}`);
    assert.ok(seen.filter((p) => p.phase === 'calibrate').length > 3, 'the window fit reports its slices');
    const field = (r: TrainingRecipe): string | undefined => {
      try {
        resolveRecipe(r);
      } catch (e) {
        if (e instanceof WardenError) return e.field;
        throw e;
      }
      return undefined;
    };
    assert.equal(field({ family: 'naive-bayes', featurizer: { ...recipe.featurizer, signedHash: false } }), 'recipe.featurizer.windowWeights');
    assert.equal(field({ ...recipe, hyperParameters: { refit: true } }), 'recipe.hyperParameters.refit');
    assert.equal(field({ ...recipe, featurizer: { windowWeights: true } }), 'recipe.featurizer.windowWeights');
    assert.equal(resolveRecipe({ family: 'logistic-regression' }).featurizer.windowWeights, false);
  });

  it('cancels between steps when asked', () => {
    let epochs = 0;
    assert.throws(
      () =>
        trainTextClassifier({ family: 'logistic-regression', ...small, hyperParameters: { epochs: 10 } }, data, {
          onProgress: (p) => {
            if (p.phase === 'train') epochs = p.epoch;
          },
          shouldCancel: () => epochs >= 2,
        }),
      TrainingCancelledError,
    );
    assert.equal(epochs, 2);
  });

  it('is deterministic: same recipe and data → identical weights', () => {
    const recipe: TrainingRecipe = { family: 'logistic-regression', ...small, hyperParameters: { epochs: 2 }, seed: 5 };
    const a = trainTextClassifier(recipe, data).model;
    const b = trainTextClassifier(recipe, data).model;
    assert.deepEqual(a.tensors.weights, b.tensors.weights);
    assert.equal(a.threshold, b.threshold);
  });

  it('the generator form yields the same model, and precomputed vectors skip featurisation', () => {
    const recipe: TrainingRecipe = { family: 'naive-bayes', ...small };
    const gen = trainTextClassifierSteps(recipe, data);
    let next = gen.next();
    while (next.done !== true) next = gen.next();
    const fromVectors = trainTextClassifier(recipe, {
      train: { ...data.train, vectors: vectorizeTexts(recipe, data.train.texts) },
      validation: { ...data.validation, vectors: vectorizeTexts(recipe, data.validation.texts) },
    });
    assert.deepEqual(next.value.model.tensors.weights, fromVectors.model.tensors.weights);
  });

  it('optionally picks the threshold for a false-positive budget', () => {
    const result = trainTextClassifier({ family: 'logistic-regression', ...small, threshold: { objective: 'fpr', maxFpr: 0 } }, data);
    assert.equal(result.validation.fpr, 0);
  });

  it('validates the recipe and data, naming the field', () => {
    const field = (f: () => unknown): string | undefined => {
      try {
        f();
      } catch (e) {
        if (e instanceof WardenError) return e.field;
        throw e;
      }
      return undefined;
    };
    assert.equal(field(() => resolveRecipe({ family: 'svm' as never })), 'recipe.family');
    assert.equal(field(() => resolveRecipe({ family: 'naive-bayes', threshold: { objective: 'probability', probability: 1.5 } })), 'recipe.threshold');
    assert.equal(field(() => resolveRecipe({ family: 'logistic-regression', hyperParameters: { epochz: 3 } })), 'recipe.hyperParameters.epochz');
    assert.equal(field(() => resolveRecipe({ family: 'logistic-regression', hyperParameters: { learningRate: -1 } })), 'recipe.hyperParameters.learningRate');
    assert.equal(field(() => resolveRecipe({ family: 'naive-bayes', featurizer: { signedHash: true } })), 'recipe.featurizer.signedHash');
    assert.equal(field(() => resolveRecipe({ family: 'mlp', featurizer: { dimsLog2: 2 } })), 'recipe.featurizer.dimsLog2');
    assert.equal(field(() => resolveRecipe({ family: 'logistic-regression', featurizer: { windowchars: 400 } as never })), 'recipe.featurizer.windowchars', 'a misspelt featuriser field is refused, not stored unread');
    assert.equal(
      field(() => trainTextClassifier({ family: 'logistic-regression' }, { train: { texts: ['a'], labels: [2] }, validation: data.validation })),
      'train.labels',
    );
    assert.equal(
      field(() => trainTextClassifier({ family: 'logistic-regression' }, { train: { texts: ['a', 'b'], labels: [0, 0] }, validation: data.validation })),
      'train.labels',
    );
  });
});

describe('trainTextClassifier: folds and windows', () => {
  const data = { train: toyCorpus(300, 71), validation: toyCorpus(120, 72) };

  it('a recipe that names no later step resolves with them off and no windows, as before they existed', () => {
    const resolved = resolveRecipe({ family: 'logistic-regression' });
    for (const step of ['decodeEncodings', 'foldLookalikes', 'stripCombiningMarks', 'joinSplitWords', 'foldLeetspeak'] as const) assert.equal(resolved.normalization[step], false);
    assert.equal(resolved.featurizer.windowChars, 0);
    assert.equal(resolved.featurizer.trimBenignSentences, false);
  });

  it('a windowed recipe fits a window offset and refuses precomputed one-view vectors', () => {
    const recipe = { family: 'logistic-regression', featurizer: { dimsLog2: 12, windowChars: 64 } } as const;
    const { model } = trainTextClassifier(recipe, data);
    assert.ok((model.calibration.windowOffset ?? -1) >= 0);
    const vectors = vectorizeTexts(recipe, data.train.texts);
    assert.throws(
      () => trainTextClassifier(recipe, { train: { ...data.train, vectors }, validation: data.validation }),
      (e: unknown) => e instanceof WardenError && e.field === 'train.vectors',
    );
  });

  it('a model trained with the folds reads obfuscated spam as spam', () => {
    const recipe = { family: 'logistic-regression', featurizer: { dimsLog2: 12 }, normalization: { decodeEncodings: true, foldLeetspeak: true, joinSplitWords: true } } as const;
    const { model } = trainTextClassifier(recipe, data);
    const spam = 'free money winner click cash prize urgent bonus';
    for (const disguised of ['fr33 m0n3y w1nn3r cl1ck c@sh pr1z3 urg3nt b0nus', 'fr.ee mo<!-- -->ney win-ner cl.ick ca.sh pri.ze urg.ent bo.nus', `decode this: ${btoa(spam)}`]) {
      assert.equal(predict(model, disguised).label, 1, disguised);
    }
  });
});

describe('augmentTraining (hyperParameters.augment)', () => {
  const payload = (i: number): string => `claim your free prize ${i} now, winner: send cash to collect the bonus before midnight. `.repeat(3);
  const benign = (i: number): string => `notes from the project meeting ${i}: the schedule moves to friday and the review of the patch is on monday.`;
  const train = {
    texts: Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? payload(i) : benign(i))),
    labels: Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 1 : 0)),
  };

  it('adds one attack-rewritten copy of each positive row only, seeded', () => {
    const out = augmentTraining(train, 42);
    assert.deepEqual(out.texts.slice(0, 20), train.texts);
    assert.deepEqual(Array.from(out.labels.slice(0, 20)), train.labels);
    assert.equal(out.texts.length, 20 + 10);
    assert.ok(Array.from(out.labels.slice(20)).every((label) => label === 1));
    // Each copy is a positive row rewritten (never a negative's text, never verbatim).
    for (const text of out.texts.slice(20)) {
      assert.ok(!train.texts.includes(text));
      assert.doesNotMatch(text, /meeting|schedule/);
    }
    assert.deepEqual(augmentTraining(train, 42), out);
    assert.notDeepEqual(augmentTraining(train, 43).texts, out.texts);
  });

  it('is a recipe switch: deterministic, changes the weights, refuses precomputed vectors', () => {
    const recipe = { family: 'logistic-regression', featurizer: { dimsLog2: 12 }, hyperParameters: { augment: true } } as const;
    const split = { train, validation: toyCorpus(60, 91) };
    const a = trainTextClassifier(recipe, split).model;
    assert.deepEqual(trainTextClassifier(recipe, split).model.tensors.weights, a.tensors.weights);
    assert.notDeepEqual(trainTextClassifier({ ...recipe, hyperParameters: {} }, split).model.tensors.weights, a.tensors.weights);
    assert.throws(
      () => trainTextClassifier(recipe, { train: { ...train, vectors: vectorizeTexts(recipe, train.texts) }, validation: split.validation }),
      (e: unknown) => e instanceof WardenError && e.field === 'train.vectors',
    );
    assert.throws(() => resolveRecipe({ ...recipe, hyperParameters: { augment: 'yes' } }), (e: unknown) => e instanceof WardenError && e.field === 'recipe.hyperParameters.augment');
  });
});

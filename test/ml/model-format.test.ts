import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { deserializeModel, parseManifest, serializeModel, type ModelManifest } from '../../src/ml/model-format.js';
import { predictBatch } from '../../src/ml/classifier.js';
import { trainTextClassifier, type TrainingRecipe } from '../../src/ml/train.js';
import { WardenError } from '../../src/domain/errors.js';
import { toyCorpus } from './toy-corpus.js';

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const data = { train: toyCorpus(300, 41), validation: toyCorpus(100, 42) };
const probe = toyCorpus(50, 43).texts;

const failure = (f: () => unknown): WardenError => {
  try {
    f();
  } catch (e) {
    if (e instanceof WardenError) return e;
    throw e;
  }
  assert.fail('expected a WardenError');
};

describe('model format', () => {
  for (const recipe of [
    { family: 'logistic-regression', featurizer: { dimsLog2: 12 } },
    { family: 'naive-bayes', featurizer: { dimsLog2: 12 } },
    { family: 'mlp', featurizer: { dimsLog2: 12 }, hyperParameters: { hidden: 4, epochs: 2 } },
    { family: 'logistic-regression', featurizer: { dimsLog2: 12, idf: true } },
  ] as TrainingRecipe[]) {
    it(`${recipe.family}${recipe.featurizer?.idf ? ' + idf' : ''}: round-trips through JSON and bytes with identical predictions`, () => {
      const { model } = trainTextClassifier(recipe, data, { datasetDigest: 'abc123' });
      const { manifest, weights } = serializeModel(model, sha256);
      const json = JSON.stringify(manifest);
      const loaded = deserializeModel(JSON.parse(json), weights.slice(), sha256);
      assert.deepEqual(predictBatch(loaded, probe), predictBatch(model, probe));
      assert.equal(loaded.threshold, model.threshold);
      assert.equal(loaded.datasetDigest, 'abc123');
      assert.deepEqual(loaded.normalization, model.normalization);
      assert.equal(weights.length, manifest.weights.bytes);
      assert.equal(manifest.dims, 4096);
    });
  }

  const { model } = trainTextClassifier({ family: 'logistic-regression', featurizer: { dimsLog2: 12 } }, data);
  const { manifest, weights } = serializeModel(model, sha256);

  it('stores little-endian float32: the first bytes decode to the first weight', () => {
    const entry = manifest.tensors.find((t) => t.name === 'weights')!;
    const view = new DataView(weights.buffer, weights.byteOffset);
    assert.equal(view.getFloat32(entry.offset * 4, true), model.tensors.weights![0]);
    assert.equal(view.getFloat32((entry.offset + 7) * 4, true), model.tensors.weights![7]);
  });

  it('rejects tampered weights with ARTIFACT_TAMPERED', () => {
    const tampered = weights.slice();
    tampered[100] = tampered[100]! ^ 0x01;
    assert.equal(failure(() => deserializeModel(manifest, tampered, sha256)).code, 'ARTIFACT_TAMPERED');
    assert.equal(failure(() => deserializeModel(manifest, weights.slice(0, weights.length - 4), sha256)).code, 'ARTIFACT_TAMPERED');
  });

  it('rejects a malformed manifest, naming the field', () => {
    const mutate = (change: (m: Record<string, unknown>) => void): string | undefined => {
      const copy = JSON.parse(JSON.stringify(manifest)) as Record<string, unknown>;
      change(copy);
      const error = failure(() => deserializeModel(copy, weights, sha256));
      assert.equal(error.code, 'VALIDATION_FAILED');
      return error.field;
    };
    assert.equal(mutate((m) => (m.formatVersion = 99)), 'manifest.formatVersion');
    assert.equal(mutate((m) => (m.family = 'svm')), 'manifest.family');
    assert.equal(mutate((m) => (m.threshold = 'high')), 'manifest.threshold');
    assert.equal(mutate((m) => delete m.calibration), 'manifest.calibration');
    assert.equal(mutate((m) => (m.extra = 1)), 'manifest.extra');
    assert.equal(mutate((m) => ((m.normalization as Record<string, unknown>).nfkc = 'yes')), 'manifest.normalization.nfkc');
    assert.equal(mutate((m) => ((m.featurizer as Record<string, unknown>).dimsLog2 = 13)), 'manifest.dims');
    assert.equal(mutate((m) => ((m.featurizer as Record<string, unknown>).charNgrams = [3])), 'manifest.featurizer.charNgrams');
    assert.equal(mutate((m) => ((m.hyperParameters as Record<string, unknown>).l2 = -1)), 'manifest.hyperParameters.l2');
    assert.equal(mutate((m) => ((m.tensors as Record<string, unknown>[])[1]!.name = 'b')), 'manifest.tensors.1.name');
    assert.equal(mutate((m) => ((m.weights as Record<string, unknown>).sha256 = 'xyz')), 'manifest.weights.sha256');
    assert.equal(mutate((m) => ((m.weights as Record<string, unknown>).bytes = 8)), 'manifest.weights.bytes');
    assert.equal(mutate((m) => ((m.metrics as Record<string, unknown>).val_f1 = null)), 'manifest.metrics.val_f1');
  });

  it('parses manifest JSON text and reports invalid JSON', () => {
    assert.equal((parseManifest(JSON.stringify(manifest)) as ModelManifest).family, 'logistic-regression');
    assert.equal(failure(() => parseManifest('{not json')).field, 'manifest');
  });
});

describe('model format: manifests written before the obfuscation folds and windows', () => {
  const { model } = trainTextClassifier({ family: 'logistic-regression', featurizer: { dimsLog2: 12 } }, data);
  const { manifest, weights } = serializeModel(model, sha256);
  const later = ['decodeEncodings', 'foldLookalikes', 'stripCombiningMarks', 'joinSplitWords', 'foldLeetspeak'];

  it('an old manifest (no later steps, no windowChars) loads with them off and predicts exactly as before', () => {
    const old = JSON.parse(JSON.stringify(manifest)) as Record<string, Record<string, unknown>>;
    for (const step of later) delete old.normalization![step];
    delete old.featurizer!.windowChars;
    delete old.featurizer!.lengthPrior;
    delete old.featurizer!.trimBenignSentences;
    delete old.featurizer!.windowWeights;
    assert.deepEqual(Object.keys(old.normalization!).sort(), ['collapseSpacedLetters', 'collapseWhitespace', 'foldConfusables', 'lowercase', 'nfkc', 'stripInvisible']);
    const loaded = deserializeModel(old, weights.slice(), sha256);
    for (const step of later) assert.equal(loaded.normalization[step as keyof typeof loaded.normalization], false);
    assert.equal(loaded.featurizer.windowChars, 0);
    assert.equal(loaded.featurizer.lengthPrior, false);
    assert.equal(loaded.featurizer.trimBenignSentences, false);
    assert.equal(loaded.featurizer.windowWeights, false);
    // Obfuscated probes too: the folds an old model never had stay off.
    const probes = [...probe, 'FR33 m0ney cl<!-- -->ick', 'Pyvpx urer gb pynvz lbhe cevmr', btoa('free money winner click now')];
    assert.deepEqual(predictBatch(loaded, probes), predictBatch(model, probes));
  });

  it('still refuses a manifest missing one of the original steps, an unknown step, or a bad windowOffset', () => {
    const missing = JSON.parse(JSON.stringify(manifest)) as Record<string, Record<string, unknown>>;
    delete missing.normalization!.nfkc;
    assert.equal(failure(() => parseManifest(missing)).field, 'manifest.normalization.nfkc');
    const unknown = JSON.parse(JSON.stringify(manifest)) as Record<string, Record<string, unknown>>;
    unknown.normalization!.foldEverything = true;
    assert.equal(failure(() => parseManifest(unknown)).field, 'manifest.normalization.foldEverything');
    const offset = JSON.parse(JSON.stringify(manifest)) as Record<string, Record<string, unknown>>;
    offset.calibration!.windowOffset = -1;
    assert.equal(failure(() => parseManifest(offset)).field, 'manifest.calibration.windowOffset');
    const trim = JSON.parse(JSON.stringify(manifest)) as Record<string, Record<string, unknown>>;
    trim.calibration!.trimOffset = 1;
    assert.equal(failure(() => parseManifest(trim)).field, 'manifest.calibration.trimCut');
    trim.calibration!.trimCut = -2;
    trim.calibration!.trimOffset = -1;
    assert.equal(failure(() => parseManifest(trim)).field, 'manifest.calibration.trimOffset');
  });

  it('a windowed model with every fold round-trips, window offset and sentence trimming included', () => {
    const long = {
      texts: data.train.texts.map((t, i) => (i % 3 === 0 ? `${t} ${data.train.texts[(i + 1) % data.train.texts.length]} ${t}` : t)),
      labels: data.train.labels,
    };
    const { model: windowed } = trainTextClassifier(
      { family: 'logistic-regression', featurizer: { dimsLog2: 12, windowChars: 64, lengthPrior: true, trimBenignSentences: true }, normalization: { decodeEncodings: true, foldLeetspeak: true, joinSplitWords: true, foldLookalikes: true, stripCombiningMarks: true } },
      { train: long, validation: data.validation },
    );
    assert.equal(typeof windowed.calibration.windowOffset, 'number');
    const serialized = serializeModel(windowed, sha256);
    const loaded = deserializeModel(JSON.parse(JSON.stringify(serialized.manifest)), serialized.weights.slice(), sha256);
    assert.equal(loaded.calibration.windowOffset, windowed.calibration.windowOffset);
    assert.equal(typeof windowed.calibration.trimOffset, 'number');
    assert.equal(loaded.calibration.trimOffset, windowed.calibration.trimOffset);
    assert.equal(loaded.calibration.trimCut, windowed.calibration.trimCut);
    assert.equal(loaded.featurizer.trimBenignSentences, true);
    assert.equal(loaded.featurizer.windowChars, 64);
    const probes = [...probe, long.texts[0]!, long.texts[3]!];
    assert.deepEqual(predictBatch(loaded, probes), predictBatch(windowed, probes));
  });

  it('a model whose windows have their own weights round-trips them; a manifest giving them to another family is refused', () => {
    const long = {
      texts: data.train.texts.map((t, i) => (i % 3 === 0 ? `${t} ${data.train.texts[(i + 1) % data.train.texts.length]} ${t}` : t)),
      labels: data.train.labels,
    };
    const { model: windowed } = trainTextClassifier({ family: 'logistic-regression', featurizer: { dimsLog2: 12, windowChars: 64, idf: true, windowWeights: true } }, { train: long, validation: data.validation });
    const serialized = serializeModel(windowed, sha256);
    assert.deepEqual(serialized.manifest.tensors.map((t) => t.name), ['idf', 'weights', 'bias', 'windowIdf', 'windowWeights', 'windowBias']);
    const loaded = deserializeModel(JSON.parse(JSON.stringify(serialized.manifest)), serialized.weights.slice(), sha256);
    assert.equal(loaded.featurizer.windowWeights, true);
    assert.deepEqual(loaded.tensors.windowWeights, windowed.tensors.windowWeights);
    const probes = [...probe, long.texts[0]!, long.texts[3]!];
    assert.deepEqual(predictBatch(loaded, probes), predictBatch(windowed, probes));
    const nb = JSON.parse(JSON.stringify(manifest)) as Record<string, Record<string, unknown>>;
    nb.featurizer!.windowChars = 64;
    nb.featurizer!.windowWeights = true;
    (nb as Record<string, unknown>).family = 'naive-bayes';
    assert.equal(failure(() => parseManifest(nb)).field, 'manifest.featurizer.windowWeights');
  });
});

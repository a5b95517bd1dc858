import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { serializeModel } from '../../src/ml/model-format.js';
import { predictBatch } from '../../src/ml/classifier.js';
import { trainTextClassifier } from '../../src/ml/train.js';
import { BUNDLE_MAGIC, decodeBundle, encodeBundle, loadBundle } from '../../src/ml/model-bundle.js';
import { WardenError } from '../../src/domain/errors.js';
import { toyCorpus } from './toy-corpus.js';

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const { model } = trainTextClassifier({ family: 'logistic-regression', featurizer: { dimsLog2: 10 } }, { train: toyCorpus(200, 51), validation: toyCorpus(60, 52) }, { datasetDigest: 'd1' });
const serialized = serializeModel(model, sha256);
const probe = toyCorpus(30, 53).texts;

const codeOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    if (e instanceof WardenError) return e.code;
    throw e;
  }
  return assert.fail('expected a WardenError');
};

describe('model bundle', () => {
  it('lays out magic, manifest length, manifest JSON, weights; loads back to identical predictions', () => {
    const bundle = encodeBundle(serialized);
    const manifestJson = JSON.stringify(serialized.manifest);
    const header = `${BUNDLE_MAGIC}${Buffer.byteLength(manifestJson)}\n`;
    assert.equal(Buffer.from(bundle.subarray(0, header.length)).toString('utf8'), header);
    assert.equal(Buffer.from(bundle.subarray(header.length, header.length + Buffer.byteLength(manifestJson))).toString('utf8'), manifestJson);
    assert.deepEqual(bundle.subarray(bundle.length - serialized.weights.length), serialized.weights);
    assert.deepEqual(predictBatch(loadBundle(bundle, sha256), probe), predictBatch(model, probe));
  });

  it('decodes a bundle that is a view into a larger buffer (non-zero byteOffset)', () => {
    const bundle = encodeBundle(serialized);
    const larger = new Uint8Array(bundle.length + 7);
    larger.set(bundle, 5);
    const { manifest, weights } = decodeBundle(larger.subarray(5, 5 + bundle.length));
    assert.deepEqual(manifest, decodeBundle(bundle).manifest);
    assert.deepEqual(weights, serialized.weights);
  });

  it('refuses a bad header, a bad or out-of-range length and altered weights as ARTIFACT_TAMPERED', () => {
    const bundle = encodeBundle(serialized);
    const withHeader = (header: string): Uint8Array => new Uint8Array([...Buffer.from(header, 'utf8'), ...bundle.subarray(bundle.indexOf(0x0a, BUNDLE_MAGIC.length) + 1)]);
    const badMagic = bundle.slice();
    badMagic[0] = 0x58;
    assert.equal(codeOf(() => decodeBundle(badMagic)), 'ARTIFACT_TAMPERED');
    assert.equal(codeOf(() => decodeBundle(bundle.subarray(0, 5))), 'ARTIFACT_TAMPERED');
    assert.equal(codeOf(() => decodeBundle(withHeader(`${BUNDLE_MAGIC}12x\n`))), 'ARTIFACT_TAMPERED');
    assert.equal(codeOf(() => decodeBundle(withHeader(`${BUNDLE_MAGIC}\u00b9\n`))), 'ARTIFACT_TAMPERED');
    assert.equal(codeOf(() => decodeBundle(withHeader(`${BUNDLE_MAGIC}9999999\n`))), 'ARTIFACT_TAMPERED');
    assert.equal(codeOf(() => decodeBundle(withHeader(`${BUNDLE_MAGIC}123456789\n`))), 'ARTIFACT_TAMPERED');
    const alteredWeights = bundle.slice();
    alteredWeights[alteredWeights.length - 1]! ^= 0xff;
    assert.equal(codeOf(() => loadBundle(alteredWeights, sha256)), 'ARTIFACT_TAMPERED');
  });
});

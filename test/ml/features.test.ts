import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_FEATURIZER, applyIdf, createFeaturizer, featurizeMany, fitIdf, sparseDot, type FeaturizerConfig } from '../../src/ml/features.js';
import { WardenError } from '../../src/domain/errors.js';

const config = (over: Partial<FeaturizerConfig> = {}): FeaturizerConfig => ({ ...DEFAULT_FEATURIZER, dimsLog2: 16, ...over });
const dense = (v: { indices: Int32Array; values: Float32Array }): Map<number, number> =>
  new Map([...v.indices].map((idx, k) => [idx, v.values[k]!]));

describe('createFeaturizer', () => {
  it('is deterministic: same text, same vector', () => {
    const a = createFeaturizer(config()).featurize('free money now');
    const b = createFeaturizer(config()).featurize('free money now');
    assert.deepEqual(dense(a), dense(b));
  });

  it('produces unit L2 norm and indices within dims', () => {
    const f = createFeaturizer(config());
    const v = f.featurize('win a free cruise today, click here');
    let sumSq = 0;
    for (const x of v.values) sumSq += x * x;
    assert.ok(Math.abs(sumSq - 1) < 1e-5);
    for (const idx of v.indices) assert.ok(idx >= 0 && idx < f.dims);
    assert.equal(new Set(v.indices).size, v.indices.length);
  });

  it('counts the expected number of n-grams without collisions at 2^20 dims', () => {
    // "ab cd": words ab, cd + bigram (3); char 3-grams: 3, 4-grams: 2, 5-grams: 1 (6).
    const f = createFeaturizer(config({ dimsLog2: 20, signedHash: false }));
    assert.equal(f.featurize('ab cd').indices.length, 9);
    const wordsOnly = createFeaturizer(config({ dimsLog2: 20, charNgrams: [0, 0] }));
    assert.equal(wordsOnly.featurize('ab cd ab').indices.length, 4); // ab, cd, ab_cd, cd_ab
  });

  it('applies sublinear tf: a repeated word weighs 1 + ln(count)', () => {
    const f = createFeaturizer(config({ charNgrams: [0, 0], wordNgrams: [1, 1], signedHash: false, dimsLog2: 20 }));
    const v = f.featurize('spam spam spam spam ham');
    const values = [...v.values].sort((a, b) => a - b);
    const ratio = values[1]! / values[0]!;
    assert.ok(Math.abs(ratio - (1 + Math.log(4))) < 1e-5);
    const raw = createFeaturizer(config({ charNgrams: [0, 0], wordNgrams: [1, 1], signedHash: false, dimsLog2: 20, sublinearTf: false }));
    const rv = [...raw.featurize('spam spam spam spam ham').values].sort((a, b) => a - b);
    assert.ok(Math.abs(rv[1]! / rv[0]! - 4) < 1e-5);
  });

  it('signed hashing yields negative values; unsigned never does', () => {
    const text = 'the quick brown fox jumps over the lazy dog again and again';
    assert.ok([...createFeaturizer(config()).featurize(text).values].some((x) => x < 0));
    assert.ok([...createFeaturizer(config({ signedHash: false })).featurize(text).values].every((x) => x > 0));
  });

  it('honours maxChars and seed', () => {
    const long = 'alpha beta gamma delta '.repeat(20);
    const capped = createFeaturizer(config({ maxChars: 10 })).featurize(long);
    assert.ok(capped.indices.length < createFeaturizer(config()).featurize(long).indices.length);
    const a = dense(createFeaturizer(config({ seed: 1 })).featurize('hello'));
    const b = dense(createFeaturizer(config({ seed: 2 })).featurize('hello'));
    assert.notDeepEqual([...a.keys()].sort(), [...b.keys()].sort());
  });

  it('handles empty and astral text', () => {
    const f = createFeaturizer(config());
    assert.equal(f.featurize('').indices.length, 0);
    assert.ok(f.featurize('😀😀 ok').indices.length > 0);
  });

  it('rejects a bad config naming the field', () => {
    assert.throws(() => createFeaturizer(config({ dimsLog2: 40 })), (e: unknown) => e instanceof WardenError && e.field === 'featurizer.dimsLog2');
    assert.throws(
      () => createFeaturizer(config({ charNgrams: [5, 3] })),
      (e: unknown) => e instanceof WardenError && e.field === 'featurizer.charNgrams',
    );
  });

  it('featurizeMany matches featurize row by row and sparseDot sums the matches', () => {
    const f = createFeaturizer(config());
    const rows = featurizeMany(f, ['a b c', 'hello world']);
    assert.deepEqual(dense(rows[1]!), dense(createFeaturizer(config()).featurize('hello world')));
    const w = new Float32Array(f.dims).fill(1);
    const expected = [...rows[0]!.values].reduce((s, x) => s + x, 0);
    assert.ok(Math.abs(sparseDot(rows[0]!, w) - expected) < 1e-6);
  });

  it('IDF: rare buckets weigh more, featurising with idf equals applying it afterwards', () => {
    const plain = createFeaturizer(config({ dimsLog2: 20, charNgrams: [0, 0], wordNgrams: [1, 1], signedHash: false }));
    const rows = featurizeMany(plain, ['common rare', 'common', 'common']);
    const idf = fitIdf(rows, plain.dims);
    const rare = dense(plain.featurize('rare'));
    const common = dense(plain.featurize('common'));
    const [rareIdx] = [...rare.keys()];
    const [commonIdx] = [...common.keys()];
    assert.ok(Math.abs(idf[commonIdx!]! - 1) < 1e-6); // ln(4/4) + 1
    assert.ok(Math.abs(idf[rareIdx!]! - (Math.log(4 / 2) + 1)) < 1e-6);
    const withIdf = createFeaturizer(config({ dimsLog2: 20, charNgrams: [0, 0], wordNgrams: [1, 1], signedHash: false, idf: true }), idf);
    const direct = dense(withIdf.featurize('common rare'));
    const after = dense(applyIdf([plain.featurize('common rare')], idf)[0]!);
    for (const [k, v] of direct) assert.ok(Math.abs(v - after.get(k)!) < 1e-6);
    assert.ok(direct.get(rareIdx!)! > direct.get(commonIdx!)!);
  });

  it('refuses idf without its weights', () => {
    assert.throws(() => createFeaturizer(config({ idf: true })), (e: unknown) => e instanceof WardenError && e.field === 'featurizer.idf');
  });
});

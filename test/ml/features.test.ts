import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_FEATURIZER, applyIdf, createFeaturizer, featurizeMany, fitIdf, sentencesOf, sparseDot, textViews, withFeaturizerDefaults, type FeaturizerConfig } from '../../src/ml/features.js';
import { WardenError } from '../../src/domain/errors.js';
import { FNV_OFFSET, combineHashes, fmix32, fnvStep } from '../../src/ml/hash.js';
import { createRng } from '../../src/ml/random.js';

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

/**
 * The featuriser written the plain way: substrings, a Map of counts, no tables. The
 * optimised featuriser (open-addressing table, hand-inlined loops, log lookup table,
 * fused linear scoring) must produce exactly the same vectors.
 */
function referenceFeaturize(config: FeaturizerConfig, input: string, idf?: Float32Array): Map<number, number> {
  const text = config.maxChars > 0 ? input.slice(0, config.maxChars) : input;
  const mask = (1 << config.dimsLog2) - 1;
  const seed = config.seed | 0;
  const hashWith = (offset: number, s: string): number => {
    let h = offset;
    for (let i = 0; i < s.length; i++) h = fnvStep(h, s.charCodeAt(i));
    return h;
  };
  const isWordUnit = (c: number): boolean => (c >= 0xd800 && c <= 0xdfff) || /[\p{L}\p{N}]/u.test(String.fromCharCode(c));
  const counts = new Map<number, number>();
  const order: number[] = [];
  const add = (h: number): void => {
    const idx = h & mask;
    if (!counts.has(idx)) order.push(idx);
    counts.set(idx, (counts.get(idx) ?? 0) + (config.signedHash && h < 0 ? -1 : 1));
  };
  if (config.wordNgrams[1] > 0) {
    const words: string[] = [];
    let current = '';
    for (let i = 0; i < text.length; i++) {
      if (isWordUnit(text.charCodeAt(i))) current += text[i];
      else if (current !== '') {
        words.push(current);
        current = '';
      }
    }
    if (current !== '') words.push(current);
    const hashes = words.map((w) => fmix32(hashWith((FNV_OFFSET ^ seed ^ 0x5bd1e995) | 0, w)));
    hashes.forEach((h, k) => {
      if (config.wordNgrams[0] <= 1) add(h);
      if (config.wordNgrams[1] >= 2 && k > 0) add(combineHashes(hashes[k - 1]! ^ ((0x27d4eb2f ^ seed) | 0), h));
    });
  }
  if (config.charNgrams[1] > 0) {
    for (let i = 0; i + config.charNgrams[0] <= text.length; i++) {
      for (let len = config.charNgrams[0]; len <= config.charNgrams[1] && i + len <= text.length; len++) {
        add(fmix32(hashWith((FNV_OFFSET ^ seed ^ 0x165667b1) | 0, text.slice(i, i + len)) ^ len));
      }
    }
  }
  const values = new Map<number, number>();
  let sumSq = 0;
  for (const idx of order) {
    const c = counts.get(idx)!;
    if (c === 0) continue;
    let v = config.sublinearTf ? Math.sign(c) * (1 + Math.log(Math.abs(c))) : c;
    if (idf !== undefined) v *= idf[idx]!;
    values.set(idx, Math.fround(v));
    sumSq += v * v;
  }
  const scale = sumSq > 0 ? 1 / Math.sqrt(sumSq) : 0;
  for (const [idx, v] of values) values.set(idx, Math.fround(v * scale));
  return values;
}

describe('optimised featuriser vs the reference implementation', () => {
  const PIECES = ['a', 'b', 'é', ' ', '  ', '\n', '.', 'free', 'money', 'ab', 'Σ', '😀', '\uD800', '\uDC00', '中文', '\u0301', '1', '-', '\t', 'aaaaaaaaaaaa'];
  const randomText = (rng: ReturnType<typeof createRng>, length: number): string => {
    let s = '';
    while (s.length < length) s += PIECES[rng.nextInt(PIECES.length)]!;
    return s;
  };
  const configs: FeaturizerConfig[] = [
    config(),
    config({ dimsLog2: 10, signedHash: false }), // many collisions
    config({ dimsLog2: 12, wordNgrams: [2, 2], charNgrams: [2, 6], seed: 99, maxChars: 300 }),
    config({ wordNgrams: [0, 0], charNgrams: [1, 1], sublinearTf: false }),
    config({ dimsLog2: 20, wordNgrams: [1, 1], charNgrams: [0, 0], idf: true }),
  ];

  it('gives exactly the same vectors on random Unicode texts (one featuriser reused across documents)', () => {
    const rng = createRng(11);
    for (const c of configs) {
      const idf = c.idf ? Float32Array.from({ length: 1 << c.dimsLog2 }, () => 0.5 + rng.next() * 3) : undefined;
      const f = createFeaturizer(c, idf);
      // Lengths up to 3,000 make the count table grow and shrink its use between documents.
      for (let trial = 0; trial < 60; trial++) {
        const text = randomText(rng, trial === 30 ? 3000 : rng.nextInt(400));
        const got = f.featurize(text);
        assert.deepEqual(dense(got), referenceFeaturize(c, text, idf), JSON.stringify({ config: c, text }));
      }
    }
  });

  it('linearScore equals sparseDot(featurize(text), weights), bit for bit, with and without IDF', () => {
    const rng = createRng(12);
    for (const c of [config({ dimsLog2: 14 }), config({ dimsLog2: 14, idf: true })]) {
      const dims = 1 << c.dimsLog2;
      const idf = c.idf ? Float32Array.from({ length: dims }, () => 0.5 + rng.next() * 3) : undefined;
      const weights = Float32Array.from({ length: dims }, () => rng.nextGaussian());
      const f = createFeaturizer(c, idf);
      const g = createFeaturizer(c, idf);
      for (let trial = 0; trial < 40; trial++) {
        const text = randomText(rng, rng.nextInt(1000));
        assert.equal(f.linearScore(text, weights), sparseDot(g.featurize(text), weights));
      }
      // A different weights array (the interleaved copy is per array) still scores right.
      const other = Float32Array.from({ length: dims }, () => rng.nextGaussian());
      assert.equal(f.linearScore('free money', other), sparseDot(g.featurize('free money'), other));
    }
  });

  it('linearScore shows its visitor exactly featurize(text).indices, in order, with signed collisions that cancel left out', () => {
    const rng = createRng(13);
    // 2^10 buckets with signed hashing: long texts have many collisions, some cancelling to 0.
    for (const c of [config({ dimsLog2: 10 }), config({ dimsLog2: 14, idf: true }), config({ dimsLog2: 12, signedHash: false, maxChars: 200 })]) {
      const dims = 1 << c.dimsLog2;
      const idf = c.idf ? Float32Array.from({ length: dims }, () => 0.5 + rng.next() * 3) : undefined;
      const weights = Float32Array.from({ length: dims }, () => rng.nextGaussian());
      const f = createFeaturizer(c, idf);
      for (let trial = 0; trial < 40; trial++) {
        const text = trial === 0 ? '' : randomText(rng, trial === 1 ? 3000 : rng.nextInt(1000));
        let seen: number[] | undefined;
        const score = f.linearScore(text, weights, (indices, count) => (seen = Array.from(indices.subarray(0, count))));
        assert.deepEqual(seen, Array.from(f.featurize(text).indices), JSON.stringify({ config: c, text }));
        assert.equal(score, f.linearScore(text, weights));
      }
    }
  });
});

describe('textViews', () => {
  const words = Array.from({ length: 400 }, (_, i) => `word${i}`).join(' ');

  it('is the text itself (or its first maxChars) without windows or when the text fits one window', () => {
    assert.deepEqual(textViews('short text', { maxChars: 0, windowChars: 0 }), ['short text']);
    assert.deepEqual(textViews('short text', { maxChars: 0, windowChars: 100 }), ['short text']);
    assert.deepEqual(textViews(words, { maxChars: 50 }), [words.slice(0, 50)]);
  });

  it('covers the whole text in windows half a window apart, cut at spaces, after the first maxChars', () => {
    const views = textViews(words, { maxChars: 300, windowChars: 200 });
    assert.equal(views[0], words.slice(0, 300));
    const windows = views.slice(1);
    for (const w of windows) {
      assert.ok(w.length <= 200 && w.length > 100, `window of ${w.length} characters`);
      assert.ok(!w.startsWith(' ') && words.includes(w) && /^word\d+( word\d+)*$/.test(w), `window cut inside a word: ${w.slice(0, 20)}…`);
    }
    // Every word of the text is inside some window, the last one included.
    for (const word of words.split(' ')) assert.ok(windows.some((w) => w.split(' ').includes(word)), word);
  });

  it('lengthPrior adds one feature per length class, the same for texts of one class', () => {
    const plain = createFeaturizer({ ...DEFAULT_FEATURIZER, dimsLog2: 16 });
    const prior = createFeaturizer({ ...DEFAULT_FEATURIZER, dimsLog2: 16, lengthPrior: true });
    const extra = (text: string): number[] => {
      const base = new Set(plain.featurize(text).indices);
      return [...prior.featurize(text).indices].filter((i) => !base.has(i));
    };
    assert.equal(extra('see you at six').length, 1);
    assert.deepEqual(extra('see you at six'), extra('call me at ten')); // 14 characters each
    assert.notDeepEqual(extra('see you at six'), extra('see you at six tomorrow at the station near the park'));
    const weights = Float32Array.from({ length: prior.dims }, (_, i) => Math.sin(i));
    assert.ok(Math.abs(prior.linearScore('see you at six', weights) - sparseDot(prior.featurize('see you at six'), weights)) < 1e-6);
    assert.throws(() => createFeaturizer({ ...DEFAULT_FEATURIZER, lengthPrior: 1 as unknown as boolean }), (e: unknown) => e instanceof WardenError && e.field === 'featurizer.lengthPrior');
  });

  it('windowChars is 0 or from 64 to 100000; a config without it reads 0', () => {
    assert.throws(() => createFeaturizer({ ...DEFAULT_FEATURIZER, windowChars: 10 }), (e: unknown) => e instanceof WardenError && e.field === 'featurizer.windowChars');
    assert.throws(() => createFeaturizer({ ...DEFAULT_FEATURIZER, windowChars: 1.5 }), (e: unknown) => e instanceof WardenError && e.field === 'featurizer.windowChars');
    const { windowChars: _, lengthPrior: __, trimBenignSentences: ___, windowWeights: ____, ...legacy } = DEFAULT_FEATURIZER;
    assert.deepEqual(withFeaturizerDefaults(legacy), { ...legacy, windowChars: 0, lengthPrior: false, trimBenignSentences: false, windowWeights: false });
    assert.equal(createFeaturizer(legacy).dims, createFeaturizer(DEFAULT_FEATURIZER).dims);
  });
});

describe('sentencesOf', () => {
  it('cuts a normalised text after . ! or ? (closing quotes kept), and cuts sentences longer than maxChars at spaces', () => {
    assert.deepEqual(sentencesOf('see you at six. bring the notes! is it "ok?" fine', 100), ['see you at six.', 'bring the notes!', 'is it "ok?"', 'fine']);
    assert.deepEqual(sentencesOf('version 1.5 is out. 3.14 too', 100), ['version 1.5 is out.', '3.14 too']);
    assert.deepEqual(sentencesOf('', 100), []);
    const long = Array.from({ length: 60 }, (_, i) => `w${i}`).join(' ');
    const pieces = sentencesOf(`${long}. end.`, 64);
    assert.equal(pieces.at(-1), 'end.');
    for (const piece of pieces) assert.ok(piece.length <= 64 && !piece.startsWith(' ') && !piece.endsWith(' '), piece);
    assert.equal(pieces.slice(0, -1).join(' '), `${long}.`);
  });

  it('trimBenignSentences is a boolean and needs windows', () => {
    assert.throws(() => createFeaturizer({ ...DEFAULT_FEATURIZER, trimBenignSentences: 1 as unknown as boolean }), (e: unknown) => e instanceof WardenError && e.field === 'featurizer.trimBenignSentences');
    assert.throws(() => createFeaturizer({ ...DEFAULT_FEATURIZER, trimBenignSentences: true }), (e: unknown) => e instanceof WardenError && e.field === 'featurizer.trimBenignSentences');
    assert.equal(createFeaturizer({ ...DEFAULT_FEATURIZER, windowChars: 64, trimBenignSentences: true }).config.trimBenignSentences, true);
  });

  it('windowWeights is a boolean and needs windows', () => {
    assert.throws(() => createFeaturizer({ ...DEFAULT_FEATURIZER, windowWeights: 'yes' as unknown as boolean }), (e: unknown) => e instanceof WardenError && e.field === 'featurizer.windowWeights');
    assert.throws(() => createFeaturizer({ ...DEFAULT_FEATURIZER, windowWeights: true }), (e: unknown) => e instanceof WardenError && e.field === 'featurizer.windowWeights');
    assert.equal(createFeaturizer({ ...DEFAULT_FEATURIZER, windowChars: 64, windowWeights: true }).config.windowWeights, true);
  });
});

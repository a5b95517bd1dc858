import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assignSplit, pick, splitIndices, splitPosition, splitRows } from '../../src/ml/split.js';
import { murmur3Utf8 } from '../../src/ml/hash.js';

const spec = { seed: 42, validation: 0.1, test: 0.2 };
/** Rows whose texts share most words, as mail does; about a third positive. */
const rows = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, k) => {
    const i = from + k;
    return { text: `message ${i}: please review the attached invoice ${i % 17}`, label: (i * 7919) % 3 === 0 ? 1 : 0 };
  });

describe('hash split (stable evaluation rows)', () => {
  it('places a row by a keyed hash of its text: murmur3 of the UTF-8 text with the seed, over 2^32', () => {
    const text = 'WIN A PRIZE — now';
    assert.equal(splitPosition(text, 42), murmur3Utf8(text, 42) / 2 ** 32);
    const u = splitPosition(text, 42);
    assert.equal(assignSplit(text, spec), u < 0.2 ? 'test' : u < 0.3 ? 'validation' : 'train');
    assert.notEqual(splitPosition(text, 42), splitPosition(text, 43));
  });

  it('keeps every old row in its split when the dataset grows, whatever the order', () => {
    const before = rows(0, 1_000);
    const grown = [...rows(1_000, 1_600), ...before].reverse();
    const old = splitRows(before, spec);
    const now = splitRows(grown, spec);
    for (const name of ['train', 'validation', 'test'] as const) {
      const kept = new Set(now[name].map((r) => r.text));
      for (const row of old[name]) assert.ok(kept.has(row.text), `"${row.text}" left ${name}`);
    }
    assert.equal(now.train.length + now.validation.length + now.test.length, grown.length);
  });

  it('keeps a relabelled row in its split (the key is the text, not the label)', () => {
    const data = rows(0, 500);
    const relabelled = data.map((r) => ({ ...r, label: 1 - r.label }));
    const texts = (list: ReadonlyArray<{ text: string }>) => list.map((r) => r.text);
    const a = splitRows(data, spec);
    const b = splitRows(relabelled, spec);
    assert.deepEqual(texts(b.test), texts(a.test));
    assert.deepEqual(texts(b.validation), texts(a.validation));
  });

  it('holds out the asked fractions within a tolerance on 1,000+ rows, per seed', () => {
    const data = rows(0, 5_000);
    for (const seed of [1, 42, 4_000_000_000]) {
      const s = splitIndices(data.map((r) => r.text), { ...spec, seed });
      assert.equal(s.train.length + s.validation.length + s.test.length, data.length);
      // Binomial: the standard deviation of the test share on 5,000 rows is 0.0057.
      assert.ok(Math.abs(s.test.length / data.length - 0.2) < 0.02, `seed ${seed}: test share ${s.test.length / data.length}`);
      assert.ok(Math.abs(s.validation.length / data.length - 0.1) < 0.02, `seed ${seed}: validation share ${s.validation.length / data.length}`);
      const positives = (idx: Int32Array) => pick(data, idx).filter((r) => r.label === 1).length / idx.length;
      const overall = data.filter((r) => r.label === 1).length / data.length;
      assert.ok(Math.abs(positives(s.test) - overall) < 0.03, `seed ${seed}: test positives ${positives(s.test)} vs ${overall}`);
    }
  });

  it('sends identical texts to the same split and returns indices ascending', () => {
    const texts = ['same text', 'other', 'same text', 'third', 'same text'];
    const s = splitIndices(texts, { seed: 9, validation: 0.3, test: 0.3 });
    const where = (i: number) => (s.test.includes(i) ? 'test' : s.validation.includes(i) ? 'validation' : 'train');
    assert.equal(where(0), where(2));
    assert.equal(where(0), where(4));
    for (const part of [s.train, s.validation, s.test]) assert.deepEqual([...part], [...part].sort((a, b) => a - b));
  });

  it('carving a validation slice never moves a test row', () => {
    const texts = rows(0, 2_000).map((r) => r.text);
    assert.deepEqual(splitIndices(texts, { seed: 7, validation: 0.15, test: 0.2 }).test, splitIndices(texts, { seed: 7, validation: 0, test: 0.2 }).test);
  });
});

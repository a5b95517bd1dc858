import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pick, stratifiedSplit } from '../../src/ml/split.js';
import { WardenError } from '../../src/domain/errors.js';

const labels = Array.from({ length: 1000 }, (_, i) => (i % 4 === 0 ? 1 : 0)); // 250 positives

describe('stratifiedSplit', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const a = stratifiedSplit(labels, { test: 0.2, validation: 0.1 }, 42);
    assert.deepEqual(a, stratifiedSplit(labels, { test: 0.2, validation: 0.1 }, 42));
    assert.notDeepEqual(a.test, stratifiedSplit(labels, { test: 0.2, validation: 0.1 }, 43).test);
  });

  it('partitions every row exactly once and keeps the label balance', () => {
    const s = stratifiedSplit(labels, { test: 0.2, validation: 0.1 }, 42);
    const all = [...s.train, ...s.validation, ...s.test].sort((x, y) => x - y);
    assert.deepEqual(all, labels.map((_, i) => i));
    assert.equal(s.test.length, 200);
    assert.equal(s.validation.length, 100);
    assert.equal(pick(labels, s.test).filter((y) => y === 1).length, 50);
    assert.equal(pick(labels, s.validation).filter((y) => y === 1).length, 25);
  });

  it('carving a validation slice never moves a test row', () => {
    const withVal = stratifiedSplit(labels, { test: 0.2, validation: 0.15 }, 7);
    const without = stratifiedSplit(labels, { test: 0.2 }, 7);
    assert.deepEqual(withVal.test, without.test);
    assert.equal(without.validation.length, 0);
  });

  it('rejects bad fractions naming the field', () => {
    assert.throws(() => stratifiedSplit(labels, { test: 1.2 }, 1), (e: unknown) => e instanceof WardenError && e.field === 'split.test');
    assert.throws(
      () => stratifiedSplit(labels, { test: 0.5, validation: 0.5 }, 1),
      (e: unknown) => e instanceof WardenError && e.field === 'split.validation',
    );
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../src/ml/random.js';

describe('createRng', () => {
  it('repeats the same sequence for the same seed and differs across seeds', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const xs = Array.from({ length: 5 }, () => a.next());
    assert.deepEqual(xs, Array.from({ length: 5 }, () => b.next()));
    assert.notDeepEqual(xs, Array.from({ length: 5 }, () => c.next()));
  });

  it('produces uniform floats in [0, 1) and integers in range', () => {
    const rng = createRng(1);
    let sum = 0;
    for (let i = 0; i < 10_000; i++) {
      const x = rng.next();
      assert.ok(x >= 0 && x < 1);
      sum += x;
      const k = rng.nextInt(7);
      assert.ok(Number.isInteger(k) && k >= 0 && k < 7);
    }
    assert.ok(Math.abs(sum / 10_000 - 0.5) < 0.02);
  });

  it('shuffles to a permutation, deterministically', () => {
    const shuffled = createRng(7).shuffle([1, 2, 3, 4, 5, 6, 7, 8]);
    assert.deepEqual([...shuffled].sort(), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.deepEqual(createRng(7).shuffle([1, 2, 3, 4, 5, 6, 7, 8]), shuffled);
  });

  it('draws standard normals', () => {
    const rng = createRng(3);
    let sum = 0;
    let sumSq = 0;
    for (let i = 0; i < 20_000; i++) {
      const g = rng.nextGaussian();
      sum += g;
      sumSq += g * g;
    }
    assert.ok(Math.abs(sum / 20_000) < 0.03);
    assert.ok(Math.abs(sumSq / 20_000 - 1) < 0.05);
  });
});

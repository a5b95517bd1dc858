/**
 * Deterministic stratified splits: the same labels and seed always give the same
 * row indices, and each split keeps the label balance of the whole.
 */
import { invalid } from '../domain/errors.js';
import { createRng } from './random.js';

export interface SplitFractions {
  /** Share of EACH class held out for testing, in [0, 1). */
  readonly test: number;
  /** Share of each class held out for validation (of the whole, not of what remains), in [0, 1). */
  readonly validation?: number;
}

/** Row indices per split, each sorted ascending. */
export interface SplitIndices {
  readonly train: Int32Array;
  readonly validation: Int32Array;
  readonly test: Int32Array;
}

/**
 * Splits rows by label. Within each class the indices are shuffled with a seeded PRNG
 * (one stream per class, derived from `seed` and the class), then the first
 * round(n·test) go to test and the next round(n·validation) to validation. The test
 * split therefore does not depend on `validation`: carving a validation slice never
 * moves a test row.
 */
export function stratifiedSplit(labels: ArrayLike<number>, fractions: SplitFractions, seed: number): SplitIndices {
  const validation = fractions.validation ?? 0;
  if (!(fractions.test >= 0 && fractions.test < 1)) throw invalid('split.test', 'test fraction must be in [0, 1)');
  if (!(validation >= 0 && validation < 1)) throw invalid('split.validation', 'validation fraction must be in [0, 1)');
  if (fractions.test + validation >= 1) throw invalid('split.validation', 'test + validation must leave rows to train on');
  if (!Number.isInteger(seed)) throw invalid('split.seed', 'seed must be an integer');
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i]!;
    let bucket = byClass.get(y);
    if (bucket === undefined) byClass.set(y, (bucket = []));
    bucket.push(i);
  }
  const train: number[] = [];
  const val: number[] = [];
  const test: number[] = [];
  for (const label of [...byClass.keys()].sort((a, b) => a - b)) {
    const rows = byClass.get(label)!;
    createRng((seed ^ Math.imul(label + 1, 0x9e3779b1)) >>> 0).shuffle(rows);
    const nTest = Math.round(rows.length * fractions.test);
    const nVal = Math.round(rows.length * validation);
    test.push(...rows.slice(0, nTest));
    val.push(...rows.slice(nTest, nTest + nVal));
    train.push(...rows.slice(nTest + nVal));
  }
  const sorted = (xs: number[]): Int32Array => Int32Array.from(xs).sort();
  return { train: sorted(train), validation: sorted(val), test: sorted(test) };
}

/** Picks `rows` out of `items` (e.g. texts or labels for one split). */
export function pick<T>(items: ArrayLike<T>, rows: ArrayLike<number>): T[] {
  const out = new Array<T>(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = items[rows[i]!]!;
  return out;
}

/**
 * Binary logistic regression on sparse rows, trained with AdaGrad (per-coordinate
 * learning rates suit hashed features whose frequencies span orders of magnitude),
 * L2 regularisation applied lazily to the coordinates a row touches, optional balanced
 * class weights, and a seeded shuffle each epoch.
 */
import { invalid } from '../domain/errors.js';
import { type SparseVector, sparseDot } from './features.js';
import { createRng } from './random.js';
import { sigmoid } from './calibration.js';

export interface LogisticRegressionParams {
  /** Passes over the training rows. */
  readonly epochs: number;
  /** AdaGrad base learning rate. */
  readonly learningRate: number;
  /** L2 penalty per coordinate update. */
  readonly l2: number;
  /** `balanced` weighs each class by n / (2·n_class), as scikit-learn's class_weight='balanced'. */
  readonly classWeight: 'balanced' | 'none';
}

/** Chosen by 3-fold CV on SpamAssassin (bench/train.ts --tune). */
export const DEFAULT_LOGISTIC_REGRESSION: LogisticRegressionParams = Object.freeze({
  epochs: 5,
  learningRate: 0.2,
  l2: 1e-5,
  classWeight: 'balanced',
});

/** w·x + b; the margin is a log-odds. */
export interface LinearWeights {
  readonly weights: Float32Array;
  bias: number;
}

/** Reported after every epoch. */
export interface EpochReport {
  readonly kind: 'epoch';
  readonly epoch: number;
  readonly epochs: number;
  /** Mean (class-weighted) training log loss during the epoch, before each row's update. */
  readonly loss: number;
  /** The live weights (mutated by later epochs; copy to keep a snapshot). */
  readonly model: LinearWeights;
}

/**
 * Reported inside an epoch after each slice of about {@link SLICE_WORK} inner-loop
 * operations, so a caller that awaits between reports (a job keeping its lease alive)
 * never waits for a whole epoch. Slices follow the work done, not a clock: the reports,
 * like the weights, are the same on every run.
 */
export interface SliceReport {
  readonly kind: 'slice';
  readonly epoch: number;
  readonly epochs: number;
  /** Rows of this epoch done so far. */
  readonly row: number;
  readonly rows: number;
}

/** Inner-loop operations (multiply-adds on touched coordinates) per slice: a few ms of work. */
export const SLICE_WORK = 1 << 20;

export function validateLogisticRegressionParams(p: LogisticRegressionParams, path = 'hyperParameters'): void {
  if (!Number.isInteger(p.epochs) || p.epochs < 1 || p.epochs > 1000) throw invalid(`${path}.epochs`, 'epochs must be an integer from 1 to 1000');
  if (!(p.learningRate > 0 && p.learningRate <= 100)) throw invalid(`${path}.learningRate`, 'learningRate must be in (0, 100]');
  if (!(p.l2 >= 0 && p.l2 < 1)) throw invalid(`${path}.l2`, 'l2 must be in [0, 1)');
  if (p.classWeight !== 'balanced' && p.classWeight !== 'none') throw invalid(`${path}.classWeight`, "classWeight must be 'balanced' or 'none'");
}

/** Per-class weights [w0, w1]. */
export function classWeights(labels: ArrayLike<number>, mode: 'balanced' | 'none'): [number, number] {
  if (mode === 'none') return [1, 1];
  let pos = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === 1) pos++;
  const neg = labels.length - pos;
  return [neg === 0 ? 1 : labels.length / (2 * neg), pos === 0 ? 1 : labels.length / (2 * pos)];
}

/**
 * Trains; yields a report per slice of work and one per epoch (the caller may stop
 * iterating to cancel) and returns the weights. Deterministic for a given seed and input order.
 */
export function* fitLogisticRegression(
  rows: readonly SparseVector[],
  labels: ArrayLike<number>,
  dims: number,
  params: LogisticRegressionParams,
  seed: number,
): Generator<EpochReport | SliceReport, LinearWeights> {
  validateLogisticRegressionParams(params);
  const w = new Float32Array(dims);
  const g2 = new Float32Array(dims);
  let bias = 0;
  let biasG2 = 0;
  const eps = 1e-8;
  const lr = params.learningRate;
  const l2 = params.l2;
  const [cw0, cw1] = classWeights(labels, params.classWeight);
  const rng = createRng(seed);
  const order = Int32Array.from({ length: rows.length }, (_, i) => i);
  for (let epoch = 1; epoch <= params.epochs; epoch++) {
    rng.shuffle(order);
    let lossSum = 0;
    let weightSum = 0;
    let work = 0;
    for (let o = 0; o < order.length; o++) {
      if (work >= SLICE_WORK) {
        work = 0;
        yield { kind: 'slice', epoch, epochs: params.epochs, row: o, rows: order.length };
      }
      const r = order[o]!;
      const row = rows[r]!;
      work += row.indices.length + 1;
      const y = labels[r] === 1 ? 1 : 0;
      const cw = y === 1 ? cw1 : cw0;
      const z = sparseDot(row, w) + bias;
      const p = sigmoid(z);
      lossSum += cw * (y === 1 ? -Math.log(Math.max(p, 1e-15)) : -Math.log(Math.max(1 - p, 1e-15)));
      weightSum += cw;
      const g = cw * (p - y);
      const { indices, values } = row;
      for (let k = 0; k < indices.length; k++) {
        const j = indices[k]!;
        const grad = g * values[k]! + l2 * w[j]!;
        const acc = g2[j]! + grad * grad;
        g2[j] = acc;
        w[j]! -= (lr * grad) / (Math.sqrt(acc) + eps);
      }
      biasG2 += g * g;
      bias -= (lr * g) / (Math.sqrt(biasG2) + eps);
    }
    yield { kind: 'epoch', epoch, epochs: params.epochs, loss: weightSum === 0 ? 0 : lossSum / weightSum, model: { weights: w, bias } };
  }
  return { weights: w, bias };
}

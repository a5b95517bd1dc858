/**
 * A one-hidden-layer perceptron on hashed features: sparse input layer (only the rows
 * of W1 a document touches are read and updated), ReLU hidden units, one logistic
 * output. Trained with AdaGrad and balanced class weights. Non-linear, so it can learn
 * feature interactions the linear families cannot.
 */
import { invalid } from '../domain/errors.js';
import type { SparseVector } from './features.js';
import { createRng } from './random.js';
import { sigmoid } from './calibration.js';
import { SLICE_WORK, classWeights, type SliceReport } from './logistic-regression.js';

export interface MlpParams {
  /** Hidden units (W1 holds dims × hidden floats: 2^18 × 16 = 16 MiB). */
  readonly hidden: number;
  readonly epochs: number;
  readonly learningRate: number;
  readonly l2: number;
  readonly classWeight: 'balanced' | 'none';
}

export const DEFAULT_MLP: MlpParams = Object.freeze({ hidden: 16, epochs: 4, learningRate: 0.05, l2: 1e-6, classWeight: 'balanced' });

/** Tensors: w1 [dims × hidden] row-major by input feature, b1 [hidden], w2 [hidden], b2 [1]. */
export interface MlpWeights {
  readonly w1: Float32Array;
  readonly b1: Float32Array;
  readonly w2: Float32Array;
  readonly b2: Float32Array;
}

export function validateMlpParams(p: MlpParams, path = 'hyperParameters'): void {
  if (!Number.isInteger(p.hidden) || p.hidden < 1 || p.hidden > 256) throw invalid(`${path}.hidden`, 'hidden must be an integer from 1 to 256');
  if (!Number.isInteger(p.epochs) || p.epochs < 1 || p.epochs > 1000) throw invalid(`${path}.epochs`, 'epochs must be an integer from 1 to 1000');
  if (!(p.learningRate > 0 && p.learningRate <= 100)) throw invalid(`${path}.learningRate`, 'learningRate must be in (0, 100]');
  if (!(p.l2 >= 0 && p.l2 < 1)) throw invalid(`${path}.l2`, 'l2 must be in [0, 1)');
  if (p.classWeight !== 'balanced' && p.classWeight !== 'none') throw invalid(`${path}.classWeight`, "classWeight must be 'balanced' or 'none'");
}

export interface MlpEpochReport {
  readonly kind: 'epoch';
  readonly epoch: number;
  readonly epochs: number;
  readonly loss: number;
  /** The live weights (mutated by later epochs). */
  readonly model: MlpWeights;
}

/** Trains; yields after each slice of work (see SliceReport) and each epoch; deterministic for a seed. */
export function* fitMlp(
  rows: readonly SparseVector[],
  labels: ArrayLike<number>,
  dims: number,
  params: MlpParams,
  seed: number,
): Generator<MlpEpochReport | SliceReport, MlpWeights> {
  validateMlpParams(params);
  const H = params.hidden;
  const rng = createRng(seed);
  const w1 = new Float32Array(dims * H);
  // Rows are L2-normalised, so a unit-variance init gives pre-activations of unit variance.
  for (let i = 0; i < w1.length; i++) {
    w1[i] = rng.nextGaussian();
    // W1 can hold millions of floats: initialising it is a slice of work too.
    if ((i & (SLICE_WORK - 1)) === SLICE_WORK - 1) yield { kind: 'slice', epoch: 1, epochs: params.epochs, row: 0, rows: rows.length };
  }
  const b1 = new Float32Array(H);
  const w2 = new Float32Array(H);
  for (let u = 0; u < H; u++) w2[u] = rng.nextGaussian() / Math.sqrt(H);
  const b2 = new Float32Array(1);
  const g1 = new Float32Array(dims * H);
  const gb1 = new Float32Array(H);
  const gw2 = new Float32Array(H);
  let gb2 = 0;
  const h = new Float32Array(H);
  const dh = new Float32Array(H);
  const lr = params.learningRate;
  const l2 = params.l2;
  const eps = 1e-8;
  const [cw0, cw1] = classWeights(labels, params.classWeight);
  const order = Int32Array.from({ length: rows.length }, (_, i) => i);
  const model: MlpWeights = { w1, b1, w2, b2 };
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
      const { indices, values } = rows[r]!;
      // Forward and backward passes each touch every (feature, hidden unit) pair once.
      work += 2 * (indices.length + 1) * H;
      const y = labels[r] === 1 ? 1 : 0;
      const cw = y === 1 ? cw1 : cw0;
      h.set(b1);
      for (let k = 0; k < indices.length; k++) {
        const base = indices[k]! * H;
        const v = values[k]!;
        for (let u = 0; u < H; u++) h[u]! += v * w1[base + u]!;
      }
      let z = b2[0]!;
      for (let u = 0; u < H; u++) if (h[u]! > 0) z += h[u]! * w2[u]!;
      const p = sigmoid(z);
      lossSum += cw * (y === 1 ? -Math.log(Math.max(p, 1e-15)) : -Math.log(Math.max(1 - p, 1e-15)));
      weightSum += cw;
      const g = cw * (p - y);
      for (let u = 0; u < H; u++) {
        const active = h[u]! > 0;
        dh[u] = active ? g * w2[u]! : 0;
        const grad = (active ? g * h[u]! : 0) + l2 * w2[u]!;
        gw2[u]! += grad * grad;
        w2[u]! -= (lr * grad) / (Math.sqrt(gw2[u]!) + eps);
        const gradB = dh[u]!;
        gb1[u]! += gradB * gradB;
        b1[u]! -= (lr * gradB) / (Math.sqrt(gb1[u]!) + eps);
      }
      gb2 += g * g;
      b2[0]! -= (lr * g) / (Math.sqrt(gb2) + eps);
      for (let k = 0; k < indices.length; k++) {
        const base = indices[k]! * H;
        const v = values[k]!;
        for (let u = 0; u < H; u++) {
          const i = base + u;
          const grad = dh[u]! * v + l2 * w1[i]!;
          if (grad === 0) continue;
          const acc = g1[i]! + grad * grad;
          g1[i] = acc;
          w1[i]! -= (lr * grad) / (Math.sqrt(acc) + eps);
        }
      }
    }
    yield { kind: 'epoch', epoch, epochs: params.epochs, loss: weightSum === 0 ? 0 : lossSum / weightSum, model };
  }
  return model;
}

/**
 * Naive Bayes on non-negative hashed term weights, reduced to a linear log-odds model
 * (binary case): margin = b + Σ xᵢ·wᵢ. A different inductive bias from logistic
 * regression: generative, one pass, strong with little data.
 */
import { invalid } from '../domain/errors.js';
import type { SparseVector } from './features.js';
import type { LinearWeights } from './logistic-regression.js';

export interface NaiveBayesParams {
  /** `multinomial`: wᵢ = log θ₁ᵢ − log θ₀ᵢ. `complement` (Rennie et al. 2003): complement-class estimates with per-class weight normalisation. */
  readonly variant: 'multinomial' | 'complement';
  /** Additive (Lidstone) smoothing per hash bucket. */
  readonly alpha: number;
  /** Add the log prior ratio to the bias (multinomial only). */
  readonly fitPrior: boolean;
}

/** Chosen by 3-fold CV on SpamAssassin (bench/train.ts --tune). */
export const DEFAULT_NAIVE_BAYES: NaiveBayesParams = Object.freeze({ variant: 'multinomial', alpha: 0.001, fitPrior: true });

export function validateNaiveBayesParams(p: NaiveBayesParams, path = 'hyperParameters'): void {
  if (p.variant !== 'multinomial' && p.variant !== 'complement') throw invalid(`${path}.variant`, "variant must be 'multinomial' or 'complement'");
  if (!(p.alpha > 0 && p.alpha <= 100)) throw invalid(`${path}.alpha`, 'alpha must be in (0, 100]');
  if (typeof p.fitPrior !== 'boolean') throw invalid(`${path}.fitPrior`, 'fitPrior must be a boolean');
}

/** One pass over the rows. Throws VALIDATION_FAILED (field `featurizer.signedHash`) on a negative feature value. */
export function fitNaiveBayes(
  rows: readonly SparseVector[],
  labels: ArrayLike<number>,
  dims: number,
  params: NaiveBayesParams,
): LinearWeights {
  validateNaiveBayesParams(params);
  const counts = [new Float64Array(dims), new Float64Array(dims)] as const;
  const totals = [0, 0];
  const docs = [0, 0];
  for (let r = 0; r < rows.length; r++) {
    const c = labels[r] === 1 ? 1 : 0;
    docs[c]!++;
    const { indices, values } = rows[r]!;
    const target = counts[c];
    for (let k = 0; k < indices.length; k++) {
      const v = values[k]!;
      if (v < 0) throw invalid('featurizer.signedHash', 'naive Bayes needs non-negative features: set signedHash to false');
      target[indices[k]!]! += v;
      totals[c]! += v;
    }
  }
  const alpha = params.alpha;
  const logTheta = (c: 0 | 1): Float64Array => {
    const out = new Float64Array(dims);
    const denom = Math.log(totals[c]! + alpha * dims);
    const cc = counts[c];
    for (let j = 0; j < dims; j++) out[j] = Math.log(cc[j]! + alpha) - denom;
    return out;
  };
  const theta0 = logTheta(0);
  const theta1 = logTheta(1);
  const weights = new Float32Array(dims);
  let bias = 0;
  if (params.variant === 'multinomial') {
    for (let j = 0; j < dims; j++) weights[j] = theta1[j]! - theta0[j]!;
    if (params.fitPrior && docs[0]! > 0 && docs[1]! > 0) bias = Math.log(docs[1]! / docs[0]!);
  } else {
    // Complement of class 1 is class 0 and vice versa; each class's weights are
    // normalised by their L1 norm, and the class with the smaller complement score wins.
    let norm0 = 0;
    let norm1 = 0;
    for (let j = 0; j < dims; j++) {
      norm0 += Math.abs(theta0[j]!);
      norm1 += Math.abs(theta1[j]!);
    }
    // score₁ = −Σ x·θ₀/‖θ₀‖, score₀ = −Σ x·θ₁/‖θ₁‖ → margin = score₁ − score₀
    for (let j = 0; j < dims; j++) weights[j] = theta1[j]! / norm1 - theta0[j]! / norm0;
  }
  return { weights, bias };
}

/**
 * Paired comparison of two binary classifiers scored on the SAME rows: the 2×2 table of
 * right/wrong, McNemar's test on the rows where they disagree, accuracy/recall/FPR differences
 * with paired confidence intervals, and the rows that flip each way. Pure: the caller brings
 * the labels and both models' 0/1 predictions.
 */

export interface PairedOptions {
  /** How many flipped row indices to keep each way (first N by row order). Default 10. */
  readonly maxFlips?: number;
  /** Below this many discordant pairs, McNemar uses the exact binomial test. Default 25. */
  readonly exactBelow?: number;
  /** Confidence level of the intervals, in (0, 1). Default 0.95. */
  readonly confidence?: number;
}

export const DEFAULT_PAIRED_OPTIONS = { maxFlips: 10, exactBelow: 25, confidence: 0.95 } as const;

/** Right/wrong agreement of A and B over the same rows. */
export interface PairedCounts {
  readonly rows: number;
  readonly bothRight: number;
  readonly onlyARight: number;
  readonly onlyBRight: number;
  readonly bothWrong: number;
}

export const MCNEMAR_METHODS = ['exact-binomial', 'chi-square-cc'] as const;
export type McNemarMethod = (typeof MCNEMAR_METHODS)[number];

export interface McNemarTest {
  /** `exact-binomial`: two-sided binomial(n = discordant, ½); `chi-square-cc`: χ² (1 df) with continuity correction. */
  readonly method: McNemarMethod;
  /** Rows where exactly one of A and B is right (onlyARight + onlyBRight). */
  readonly discordant: number;
  /** (|b − c| − 1)² / (b + c) for the χ² form; null for the exact form. */
  readonly statistic: number | null;
  /** Two-sided; 1 when there are no discordant rows. */
  readonly pValue: number;
}

export interface ConfidenceInterval {
  readonly lower: number;
  readonly upper: number;
  readonly level: number;
  /** Newcombe (1998) square-and-add interval for paired proportions (his method 10). */
  readonly method: 'newcombe-paired';
}

/** One metric computed on the same rows for both sides; delta = b − a. */
export interface PairedDelta {
  readonly a: number;
  readonly b: number;
  readonly delta: number;
  /** Interval for b − a; null when the metric is undefined on these rows (e.g. no positives for recall). */
  readonly ci: ConfidenceInterval | null;
}

export interface PairedComparison {
  readonly counts: PairedCounts;
  readonly mcnemar: McNemarTest;
  /** Rows over which each metric is defined: all rows, positives (recall), negatives (FPR). */
  readonly deltas: { readonly accuracy: PairedDelta; readonly recall: PairedDelta | null; readonly fpr: PairedDelta | null };
  /** Row indices (ascending) where only A is right / only B is right, first `maxFlips` each. */
  readonly flips: { readonly onlyARight: readonly number[]; readonly onlyBRight: readonly number[] };
}

/**
 * Compares predictions `predA` and `predB` (0/1) against `labels` (0/1) row by row.
 * Throws RangeError when the arrays differ in length, are empty, or hold values other than 0/1,
 * or when an option is out of range: those are the caller's bugs, not user input.
 */
export function pairedComparison(labels: Uint8Array, predA: Uint8Array, predB: Uint8Array, options: PairedOptions = {}): PairedComparison {
  const maxFlips = options.maxFlips ?? DEFAULT_PAIRED_OPTIONS.maxFlips;
  const exactBelow = options.exactBelow ?? DEFAULT_PAIRED_OPTIONS.exactBelow;
  const level = options.confidence ?? DEFAULT_PAIRED_OPTIONS.confidence;
  if (!Number.isInteger(maxFlips) || maxFlips < 0) throw new RangeError(`maxFlips must be a non-negative integer, got ${maxFlips}`);
  if (!Number.isInteger(exactBelow) || exactBelow < 0) throw new RangeError(`exactBelow must be a non-negative integer, got ${exactBelow}`);
  if (!(level > 0 && level < 1)) throw new RangeError(`confidence must be in (0, 1), got ${level}`);
  if (labels.length !== predA.length || labels.length !== predB.length) {
    throw new RangeError(`labels (${labels.length}), predA (${predA.length}) and predB (${predB.length}) differ in length`);
  }
  if (labels.length === 0) throw new RangeError('no rows to compare');

  const all = new Table();
  const positives = new Table();
  const negatives = new Table();
  const onlyARight: number[] = [];
  const onlyBRight: number[] = [];
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i]!;
    const pa = predA[i]!;
    const pb = predB[i]!;
    if (y > 1 || pa > 1 || pb > 1) throw new RangeError(`row ${i}: labels and predictions must be 0 or 1`);
    const aRight = pa === y;
    const bRight = pb === y;
    all.add(aRight, bRight);
    (y === 1 ? positives : negatives).add(aRight, bRight);
    if (aRight && !bRight && onlyARight.length < maxFlips) onlyARight.push(i);
    if (bRight && !aRight && onlyBRight.length < maxFlips) onlyBRight.push(i);
  }

  const z = normalQuantile(1 - (1 - level) / 2);
  const specificity = negatives.rows() === 0 ? null : pairedDelta(negatives, z, level);
  return {
    counts: all.counts(),
    mcnemar: mcnemar(all.onlyA, all.onlyB, exactBelow),
    deltas: {
      accuracy: pairedDelta(all, z, level),
      recall: positives.rows() === 0 ? null : pairedDelta(positives, z, level),
      // FPR = 1 − specificity, so its difference is the specificity difference negated.
      fpr: specificity === null ? null : negateDelta(specificity),
    },
    flips: { onlyARight, onlyBRight },
  };
}

class Table {
  both = 0;
  onlyA = 0;
  onlyB = 0;
  neither = 0;

  add(aRight: boolean, bRight: boolean): void {
    if (aRight && bRight) this.both++;
    else if (aRight) this.onlyA++;
    else if (bRight) this.onlyB++;
    else this.neither++;
  }

  rows(): number {
    return this.both + this.onlyA + this.onlyB + this.neither;
  }

  counts(): PairedCounts {
    return { rows: this.rows(), bothRight: this.both, onlyARight: this.onlyA, onlyBRight: this.onlyB, bothWrong: this.neither };
  }
}

/**
 * McNemar's test on b = rows only A got right and c = rows only B got right. Exact binomial
 * below `exactBelow` discordant rows, where the χ² approximation is poor; χ² with Yates/Edwards
 * continuity correction from there on.
 */
export function mcnemar(b: number, c: number, exactBelow: number = DEFAULT_PAIRED_OPTIONS.exactBelow): McNemarTest {
  const n = b + c;
  if (n < exactBelow) return { method: 'exact-binomial', discordant: n, statistic: null, pValue: exactBinomialTwoSided(Math.min(b, c), n) };
  const statistic = n === 0 ? 0 : (Math.abs(b - c) - 1) ** 2 / n;
  // χ² with 1 df: P(X > s) = P(|Z| > √s) = erfc(√(s/2)).
  return { method: 'chi-square-cc', discordant: n, statistic, pValue: n === 0 ? 1 : Math.min(1, erfc(Math.sqrt(statistic / 2))) };
}

/** Two-sided p of k successes in n fair coin flips (k ≤ n/2): 2·P(X ≤ k), capped at 1. */
function exactBinomialTwoSided(k: number, n: number): number {
  if (n === 0) return 1;
  // Summed in log space term by term so that large n does not underflow 2⁻ⁿ.
  let logTerm = -n * Math.LN2;
  let tail = Math.exp(logTerm);
  for (let i = 1; i <= k; i++) {
    logTerm += Math.log((n - i + 1) / i);
    tail += Math.exp(logTerm);
  }
  return Math.min(1, 2 * tail);
}

/** Accuracy-like difference (b − a) of the right-rates in `t`, with Newcombe's paired interval. */
function pairedDelta(t: Table, z: number, level: number): PairedDelta {
  const n = t.rows();
  const rightA = t.both + t.onlyA;
  const rightB = t.both + t.onlyB;
  const p1 = rightA / n;
  const p2 = rightB / n;
  const [l1, u1] = wilson(rightA, n, z);
  const [l2, u2] = wilson(rightB, n, z);
  // φ: the correlation of A's and B's right/wrong, shrunk towards 0 when positive (Newcombe's
  // continuity adjustment) and 0 when a margin is empty.
  const product = rightA * (n - rightA) * rightB * (n - rightB);
  const cross = t.both * t.neither - t.onlyA * t.onlyB;
  let phi = 0;
  if (product > 0) {
    if (cross > n / 2) phi = (cross - n / 2) / Math.sqrt(product);
    else if (cross < 0) phi = cross / Math.sqrt(product);
  }
  // Interval for θ = p1 − p2, then turned round for b − a.
  const d1 = p1 - l1;
  const e2 = u2 - p2;
  const d2 = p2 - l2;
  const e1 = u1 - p1;
  const lowerTheta = p1 - p2 - Math.sqrt(Math.max(0, d1 * d1 + e2 * e2 - 2 * phi * d1 * e2));
  const upperTheta = p1 - p2 + Math.sqrt(Math.max(0, d2 * d2 + e1 * e1 - 2 * phi * d2 * e1));
  return {
    a: p1,
    b: p2,
    delta: p2 - p1,
    ci: { lower: Math.max(-1, -upperTheta), upper: Math.min(1, -lowerTheta), level, method: 'newcombe-paired' },
  };
}

function negateDelta(d: PairedDelta): PairedDelta {
  return {
    a: 1 - d.a,
    b: 1 - d.b,
    delta: -d.delta,
    ci: d.ci === null ? null : { ...d.ci, lower: -d.ci.upper, upper: -d.ci.lower },
  };
}

/**
 * The variance of the difference of two independent proportions, Agresti–Caffo's way: one
 * success and one failure added to each, so it stays honest at a handful of trials and at
 * rates of 0 or 1 (where the plain estimate is zero).
 */
export function agrestiCaffoVariance(a: { readonly successes: number; readonly trials: number }, b: { readonly successes: number; readonly trials: number }): number {
  const one = (p: { readonly successes: number; readonly trials: number }) => {
    const rate = (p.successes + 1) / (p.trials + 2);
    return (rate * (1 - rate)) / (p.trials + 2);
  };
  return one(a) + one(b);
}

/** Wilson score interval for x successes in n (z: the normal quantile of the level). */
export function wilson(x: number, n: number, z: number): [number, number] {
  const p = x / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/**
 * Complementary error function, from W. H. Press et al., Numerical Recipes (erfcc: Chebyshev
 * fit, relative error below 1.2e-7 everywhere), enough for a p-value.
 */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/**
 * Standard normal quantile (P. J. Acklam's rational approximation, relative error below
 * 1.2e-9), so the interval level can be any value in (0, 1), not only 95 %.
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile needs p in (0, 1), got ${p}`);
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  if (p > 1 - low) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

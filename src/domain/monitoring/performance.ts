/**
 * Live performance from predictions joined with feedback labels: accuracy, precision,
 * recall and F1 with confidence intervals, over sliding windows (last N labelled, last hour,
 * last day), compared with the version's evaluation metrics at deployment; and a label-free
 * estimate from calibrated scores (CBPE-style) as a leading indicator while labels are few.
 *
 * Intervals:
 * - accuracy, precision, recall are binomial proportions: Wilson score intervals;
 * - F1 = 2J / (1 + J) where J = tp / (tp + fp + fn) (the threat score). Given the number
 *   of rows positive in label or prediction, tp is binomial with rate J, so the Wilson
 *   interval of J mapped through the increasing 2J / (1 + J) is an interval for F1 — exact
 *   in the same sense as Wilson's, no resampling and no seed;
 * - the CBPE estimate's interval is the delta-method spread of the realised metric if the
 *   scores are calibrated (it does not cover a calibration that has itself drifted).
 */
import { normalQuantile, wilson } from '../evaluation/paired.js';

/** Counts of (label, prediction) pairs; the positive class is 1. */
export interface ConfusionCounts {
  readonly tp: number;
  readonly fp: number;
  readonly tn: number;
  readonly fn: number;
}

export const EMPTY_CONFUSION: ConfusionCounts = Object.freeze({ tp: 0, fp: 0, tn: 0, fn: 0 });

export const LIVE_METRICS = ['accuracy', 'precision', 'recall', 'f1'] as const;
export type LiveMetric = (typeof LIVE_METRICS)[number];

export interface MetricEstimate {
  /** Null when the metric's denominator is 0 (no predicted positives for precision, …). */
  readonly value: number | null;
  readonly lower: number | null;
  readonly upper: number | null;
  /** Rows behind the value: its denominator (labelled rows; predicted positives; actual positives; tp + fp + fn). */
  readonly support: number;
}

export interface LivePerformance {
  readonly labelled: number;
  readonly counts: ConfusionCounts;
  /** Confidence level of the intervals. */
  readonly level: number;
  readonly metrics: Readonly<Record<LiveMetric, MetricEstimate>>;
}

export function addConfusion(a: ConfusionCounts, b: ConfusionCounts): ConfusionCounts {
  return { tp: a.tp + b.tp, fp: a.fp + b.fp, tn: a.tn + b.tn, fn: a.fn + b.fn };
}

/** Metrics with their intervals at `level` (default 95 %). */
export function livePerformance(counts: ConfusionCounts, level = 0.95): LivePerformance {
  if (!(level > 0 && level < 1)) throw new RangeError(`level must be in (0, 1), got ${level}`);
  const z = normalQuantile(1 - (1 - level) / 2);
  const { tp, fp, tn, fn } = counts;
  const proportion = (x: number, n: number): MetricEstimate => {
    if (n === 0) return { value: null, lower: null, upper: null, support: 0 };
    const [lower, upper] = wilson(x, n, z);
    return { value: x / n, lower, upper, support: n };
  };
  const labelled = tp + fp + tn + fn;
  const jaccard = proportion(tp, tp + fp + fn);
  const toF1 = (j: number | null): number | null => (j === null ? null : (2 * j) / (1 + j));
  return {
    labelled,
    counts,
    level,
    metrics: {
      accuracy: proportion(tp + tn, labelled),
      precision: proportion(tp, tp + fp),
      recall: proportion(tp, tp + fn),
      f1: { value: toF1(jaccard.value), lower: toF1(jaccard.lower), upper: toF1(jaccard.upper), support: jaccard.support },
    },
  };
}

/** The last `capacity` labelled predictions, with their counts kept up to date in O(1) per addition. */
export class LastLabelled {
  private readonly cells: Uint8Array;
  private next = 0;
  private size = 0;
  private tally = { tp: 0, fp: 0, tn: 0, fn: 0 };

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    this.cells = new Uint8Array(capacity);
  }

  /** Records one labelled prediction (label and prediction are 0 or 1). */
  add(label: number, predicted: number): void {
    const cell = (label === 1 ? 2 : 0) + (predicted === 1 ? 1 : 0);
    if (this.size === this.capacity) this.count(this.cells[this.next]!, -1);
    else this.size++;
    this.cells[this.next] = cell;
    this.count(cell, 1);
    this.next = (this.next + 1) % this.capacity;
  }

  counts(): ConfusionCounts {
    return { ...this.tally };
  }

  private count(cell: number, delta: number): void {
    if (cell === 3) this.tally.tp += delta;
    else if (cell === 2) this.tally.fn += delta;
    else if (cell === 1) this.tally.fp += delta;
    else this.tally.tn += delta;
  }
}

/**
 * Confusion counts in time buckets (e.g. 1,440 one-minute buckets: the last hour and the
 * last day from one structure). Times are passed in (ms since the epoch), never read from
 * a clock; a bucket is reset when its slot comes round again, so memory stays fixed.
 */
export class TimeBucketedCounts {
  private readonly cells: Float64Array;
  private readonly bucketIds: Float64Array;

  constructor(
    readonly bucketMs: number,
    readonly buckets: number,
  ) {
    if (!(bucketMs > 0) || !Number.isInteger(buckets) || buckets < 1) throw new RangeError('bucketMs must be positive and buckets a positive integer');
    this.cells = new Float64Array(4 * buckets);
    this.bucketIds = new Float64Array(buckets).fill(-1);
  }

  /** Adds counts observed at `timeMs`; counts older than the structure's span are dropped. */
  add(timeMs: number, counts: ConfusionCounts): void {
    const id = Math.floor(timeMs / this.bucketMs);
    const slot = id % this.buckets;
    if (this.bucketIds[slot] !== id) {
      if (this.bucketIds[slot]! > id) return;
      this.bucketIds[slot] = id;
      this.cells.fill(0, 4 * slot, 4 * slot + 4);
    }
    this.cells[4 * slot]! += counts.tp;
    this.cells[4 * slot + 1]! += counts.fp;
    this.cells[4 * slot + 2]! += counts.tn;
    this.cells[4 * slot + 3]! += counts.fn;
  }

  /** Records one labelled prediction at `timeMs`. */
  addPrediction(timeMs: number, label: number, predicted: number): void {
    this.add(timeMs, {
      tp: label === 1 && predicted === 1 ? 1 : 0,
      fp: label !== 1 && predicted === 1 ? 1 : 0,
      tn: label !== 1 && predicted !== 1 ? 1 : 0,
      fn: label === 1 && predicted !== 1 ? 1 : 0,
    });
  }

  /** Counts of the buckets that overlap (nowMs − windowMs, nowMs]; the window is capped at the structure's span. */
  counts(nowMs: number, windowMs: number): ConfusionCounts {
    const newest = Math.floor(nowMs / this.bucketMs);
    const span = Math.min(this.buckets, Math.ceil(windowMs / this.bucketMs));
    let tp = 0;
    let fp = 0;
    let tn = 0;
    let fn = 0;
    for (let id = newest - span + 1; id <= newest; id++) {
      const slot = ((id % this.buckets) + this.buckets) % this.buckets;
      if (this.bucketIds[slot] !== id) continue;
      tp += this.cells[4 * slot]!;
      fp += this.cells[4 * slot + 1]!;
      tn += this.cells[4 * slot + 2]!;
      fn += this.cells[4 * slot + 3]!;
    }
    return { tp, fp, tn, fn };
  }
}

export interface PerformanceDropPolicy {
  /** Largest tolerated drop: 0.05 = five points (absolute) or 5 % of the baseline (relative). */
  readonly maxDrop: number;
  readonly mode: 'absolute' | 'relative';
  /** Rows a metric's denominator needs before it is judged. */
  readonly minSupport: number;
  /** Also require the interval's upper bound below the baseline, so a small window's noise is no drop. */
  readonly requireSignificance: boolean;
  /** Which metrics are judged. */
  readonly metrics: readonly LiveMetric[];
}

export const DEFAULT_PERFORMANCE_DROP_POLICY: PerformanceDropPolicy = Object.freeze({
  maxDrop: 0.05,
  mode: 'absolute',
  minSupport: 100,
  requireSignificance: true,
  metrics: LIVE_METRICS,
});

export const PERFORMANCE_VERDICTS = ['insufficient-data', 'ok', 'degraded'] as const;
export type PerformanceVerdict = (typeof PERFORMANCE_VERDICTS)[number];

export interface MetricComparison {
  readonly metric: LiveMetric;
  readonly verdict: PerformanceVerdict;
  readonly baseline: number;
  readonly live: MetricEstimate;
  /** baseline − live value (positive = worse); null without a live value. */
  readonly drop: number | null;
  /** The live value below which it is a drop: baseline − maxDrop (absolute) or baseline·(1 − maxDrop) (relative). */
  readonly limit: number;
}

export interface PerformanceComparison {
  /** 'degraded' when any judged metric is; 'insufficient-data' when none could be judged. */
  readonly verdict: PerformanceVerdict;
  readonly degraded: readonly LiveMetric[];
  readonly metrics: readonly MetricComparison[];
}

/**
 * Judges live metrics against the baseline (the version's evaluation metrics at deployment).
 * A metric without a baseline value is skipped; one with too little support is
 * 'insufficient-data'; one below its limit (and, with `requireSignificance`, whose interval
 * lies wholly below the baseline) is 'degraded'.
 */
export function compareWithBaseline(
  live: LivePerformance,
  baseline: Readonly<Partial<Record<LiveMetric, number>>>,
  policy: PerformanceDropPolicy = DEFAULT_PERFORMANCE_DROP_POLICY,
): PerformanceComparison {
  const metrics: MetricComparison[] = [];
  for (const metric of policy.metrics) {
    const reference = baseline[metric];
    if (reference === undefined || !Number.isFinite(reference)) continue;
    const estimate = live.metrics[metric];
    const limit = policy.mode === 'absolute' ? reference - policy.maxDrop : reference * (1 - policy.maxDrop);
    if (estimate.value === null || estimate.support < policy.minSupport) {
      metrics.push({ metric, verdict: 'insufficient-data', baseline: reference, live: estimate, drop: estimate.value === null ? null : reference - estimate.value, limit });
      continue;
    }
    const below = estimate.value < limit;
    const significant = !policy.requireSignificance || (estimate.upper !== null && estimate.upper < reference);
    metrics.push({ metric, verdict: below && significant ? 'degraded' : 'ok', baseline: reference, live: estimate, drop: reference - estimate.value, limit });
  }
  const degraded = metrics.filter((m) => m.verdict === 'degraded').map((m) => m.metric);
  const judged = metrics.some((m) => m.verdict !== 'insufficient-data');
  return { verdict: degraded.length > 0 ? 'degraded' : judged ? 'ok' : 'insufficient-data', degraded, metrics };
}

/**
 * What calibrated scores say to expect, before any label: for the rows predicted positive
 * and negative, how many, the sum of their probabilities (expected true positives / false
 * negatives) and the sum of p(1 − p) (the variance of those counts). Mergeable by addition.
 */
export interface ExpectedConfusion {
  readonly predictedPositive: { readonly rows: number; readonly sumProbability: number; readonly sumVariance: number };
  readonly predictedNegative: { readonly rows: number; readonly sumProbability: number; readonly sumVariance: number };
}

/** Accumulates calibrated probabilities of the positive class; a probability ≥ `threshold` was predicted positive. */
export function expectedConfusion(probabilities: ArrayLike<number>, threshold: number): ExpectedConfusion {
  let posRows = 0;
  let posSum = 0;
  let posVariance = 0;
  let negRows = 0;
  let negSum = 0;
  let negVariance = 0;
  for (let i = 0; i < probabilities.length; i++) {
    const p = probabilities[i]!;
    if (!(p >= 0 && p <= 1)) continue;
    if (p >= threshold) {
      posRows++;
      posSum += p;
      posVariance += p * (1 - p);
    } else {
      negRows++;
      negSum += p;
      negVariance += p * (1 - p);
    }
  }
  return {
    predictedPositive: { rows: posRows, sumProbability: posSum, sumVariance: posVariance },
    predictedNegative: { rows: negRows, sumProbability: negSum, sumVariance: negVariance },
  };
}

export function addExpectedConfusion(a: ExpectedConfusion, b: ExpectedConfusion): ExpectedConfusion {
  const add = (x: ExpectedConfusion['predictedPositive'], y: ExpectedConfusion['predictedPositive']) => ({
    rows: x.rows + y.rows,
    sumProbability: x.sumProbability + y.sumProbability,
    sumVariance: x.sumVariance + y.sumVariance,
  });
  return { predictedPositive: add(a.predictedPositive, b.predictedPositive), predictedNegative: add(a.predictedNegative, b.predictedNegative) };
}

/** A label-free estimate: always marked, so nobody mistakes it for measured performance. */
export interface EstimatedPerformance {
  readonly estimated: true;
  readonly method: 'cbpe';
  readonly rows: number;
  readonly level: number;
  readonly metrics: Readonly<Record<LiveMetric, MetricEstimate>>;
}

/**
 * Confidence-based performance estimation: the metrics the confusion counts would have if
 * the scores are calibrated (E[tp] = Σ p over predicted positives, E[fn] = Σ p over predicted
 * negatives, …), with delta-method intervals for the realised value.
 */
export function estimatePerformance(expected: ExpectedConfusion, level = 0.95): EstimatedPerformance {
  if (!(level > 0 && level < 1)) throw new RangeError(`level must be in (0, 1), got ${level}`);
  const z = normalQuantile(1 - (1 - level) / 2);
  const pos = expected.predictedPositive;
  const neg = expected.predictedNegative;
  const rows = pos.rows + neg.rows;
  const tp = pos.sumProbability;
  const fp = pos.rows - tp;
  const fn = neg.sumProbability;
  const varTp = pos.sumVariance;
  const varFn = neg.sumVariance;
  const estimate = (value: number | null, variance: number, support: number): MetricEstimate => {
    if (value === null) return { value: null, lower: null, upper: null, support };
    const half = z * Math.sqrt(Math.max(0, variance));
    return { value, lower: Math.max(0, value - half), upper: Math.min(1, value + half), support };
  };
  // Correct rows: tp among predicted positives, (rows − fn) among predicted negatives; each row's correctness is Bernoulli with variance p(1 − p).
  const accuracy = rows === 0 ? null : (tp + neg.rows - fn) / rows;
  const precision = pos.rows === 0 ? null : tp / pos.rows;
  const positives = tp + fn;
  const recall = positives > 0 ? tp / positives : null;
  const f1Denominator = tp + pos.rows + fn;
  const f1 = f1Denominator > 0 ? (2 * tp) / f1Denominator : null;
  return {
    estimated: true,
    method: 'cbpe',
    rows,
    level,
    metrics: {
      accuracy: estimate(accuracy, rows === 0 ? 0 : (varTp + varFn) / rows ** 2, rows),
      precision: estimate(precision, pos.rows === 0 ? 0 : varTp / pos.rows ** 2, pos.rows),
      // R = tp / (tp + fn): ∂R/∂tp = fn / P², ∂R/∂fn = −tp / P².
      recall: estimate(recall, positives > 0 ? (fn * fn * varTp + tp * tp * varFn) / positives ** 4 : 0, Math.round(positives)),
      // F1 = 2tp / (tp + n₊ + fn): ∂/∂tp = 2(n₊ + fn) / D², ∂/∂fn = −2tp / D².
      f1: estimate(
        f1,
        f1Denominator > 0 ? (4 * (pos.rows + fn) ** 2 * varTp + 4 * tp * tp * varFn) / f1Denominator ** 4 : 0,
        Math.round(tp + fp + fn),
      ),
    },
  };
}

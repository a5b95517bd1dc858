/**
 * How a model's traffic is split between its live versions, which arm one request goes
 * to, and whether two arms differ on a proportion (A/B tests).
 */
import { agrestiCaffoVariance, erfc, normalQuantile, wilson } from '../evaluation/paired.js';
import type { ArmReadings } from './guardrails.js';

export type ArmName = 'baseline' | 'candidate';

export interface TrafficArm {
  readonly arm: ArmName;
  readonly version: number;
  /** Share of requests answered by this arm, in percent; the weights of the serving arms add up to 100. */
  readonly percent: number;
}

export interface TrafficSplit {
  /** The arms that answer requests. */
  readonly serving: readonly TrafficArm[];
  /** A version that receives a copy of `percent` % of requests and never answers (shadow). */
  readonly mirror: TrafficArm | null;
}

/**
 * The arm one request goes to, from a number `u` in [0, 1): uniform per request for a
 * canary, derived from the subject (an HMAC of its key) for a sticky A/B test, so the same
 * subject always lands in the same arm while the weights stay the same.
 */
export function pickArm<A extends { readonly percent: number }>(arms: readonly A[], u: number): A {
  if (!(u >= 0 && u < 1)) throw new RangeError(`u must be in [0, 1), got ${u}`);
  const serving = arms.filter((arm) => arm.percent > 0);
  if (serving.length === 0) throw new RangeError('no arm takes traffic');
  let cumulative = 0;
  for (const arm of serving) {
    cumulative += arm.percent / 100;
    if (u < cumulative) return arm;
  }
  // Rounding can leave the top of [0, 1) uncovered by a hair: it belongs to the last arm.
  return serving[serving.length - 1]!;
}

/** Whether this request also goes to a mirror (shadow) arm of `percent` %, from an independent u in [0, 1). */
export function mirrors(mirror: { readonly percent: number } | null, u: number): boolean {
  return mirror !== null && u < mirror.percent / 100;
}

/** Maps the first 8 bytes of a digest (e.g. HMAC-SHA256 of the subject key) to [0, 1). */
export function unitFromDigest(digest: Uint8Array): number {
  if (digest.length < 7) throw new RangeError('the digest needs at least 7 bytes');
  // 53 bits: the most a double holds exactly, so every value maps to a distinct u.
  let value = 0;
  for (let i = 0; i < 6; i++) value = value * 256 + digest[i]!;
  value = value * 32 + (digest[6]! >> 3);
  return value / 2 ** 53;
}

export interface Proportion {
  readonly successes: number;
  readonly trials: number;
}

export interface ProportionComparison {
  /** candidate rate − baseline rate; null without trials on either arm. */
  readonly difference: number | null;
  /** Newcombe's hybrid score interval for the difference (his method 10 for independent samples). */
  readonly interval: { readonly lower: number; readonly upper: number; readonly level: number; readonly method: 'newcombe-independent' } | null;
  /** Two-sided p-value of the pooled two-proportion z test. */
  readonly pValue: number | null;
  readonly significant: boolean;
}

/**
 * Compares two independent proportions (e.g. the accuracy of two A/B arms on labelled
 * predictions): the difference with Newcombe's interval, which stays inside [-1, 1] and
 * behaves at rates near 0 or 1 where the Wald interval does not, and the z-test p-value.
 */
export function compareProportions(baseline: Proportion, candidate: Proportion, confidence = 0.95, alpha = 1 - confidence): ProportionComparison {
  for (const [name, p] of [['baseline', baseline], ['candidate', candidate]] as const) {
    if (!Number.isInteger(p.trials) || !Number.isInteger(p.successes) || p.trials < 0 || p.successes < 0 || p.successes > p.trials) {
      throw new RangeError(`${name}: successes and trials must be integers with 0 ≤ successes ≤ trials`);
    }
  }
  if (baseline.trials === 0 || candidate.trials === 0) return { difference: null, interval: null, pValue: null, significant: false };
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const rateA = baseline.successes / baseline.trials;
  const rateB = candidate.successes / candidate.trials;
  const difference = rateB - rateA;
  const [lowA, highA] = wilson(baseline.successes, baseline.trials, z);
  const [lowB, highB] = wilson(candidate.successes, candidate.trials, z);
  const interval = {
    lower: difference - Math.sqrt((rateB - lowB) ** 2 + (highA - rateA) ** 2),
    upper: difference + Math.sqrt((highB - rateB) ** 2 + (rateA - lowA) ** 2),
    level: confidence,
    method: 'newcombe-independent' as const,
  };
  const pooled = (baseline.successes + candidate.successes) / (baseline.trials + candidate.trials);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / baseline.trials + 1 / candidate.trials));
  const pValue = se === 0 ? (difference === 0 ? 1 : 0) : erfc(Math.abs(difference) / se / Math.SQRT2);
  return { difference, interval, pValue, significant: pValue < alpha };
}

/**
 * The mixture SPRT's prior on the difference of the two proportions: a normal of this standard
 * deviation, i.e. the test is tuned to effects of about ten points and still valid for any.
 */
export const SEQUENTIAL_MIXING_SD = 0.1;

/** A test whose p-value may be read after every label without inflating its error rate. */
export interface SequentialComparison {
  /** Always-valid p-value, min(1, 1/Λ) at the current counts; null while an arm has no trials. */
  readonly pValue: number | null;
  /** pValue < alpha: by Ville's inequality, a stream that never differs crosses this with probability ≤ alpha, however often it is looked at. */
  readonly significant: boolean;
  readonly method: 'msprt-normal-mixture';
  readonly mixingSd: number;
}

/**
 * The mixture sequential probability ratio test (Johari, Pekelis & Walsh, "Always valid
 * inference", 2017) on candidate − baseline: Λ = √(V/(V+τ²)) · exp(d²τ² / (2V(V+τ²))), with d
 * the observed difference, V its variance (Agresti–Caffo rates, so an arm at 0 or 1 keeps a
 * variance) and τ the mixing SD. The A/B page re-reads the test every few seconds; a fixed-sample
 * p-value watched that way crosses 0.05 by chance in a large share of tests with no difference.
 */
export function sequentialCompareProportions(baseline: Proportion, candidate: Proportion, alpha = 0.05, mixingSd = SEQUENTIAL_MIXING_SD): SequentialComparison {
  const method = 'msprt-normal-mixture' as const;
  if (baseline.trials === 0 || candidate.trials === 0) return { pValue: null, significant: false, method, mixingSd };
  const difference = candidate.successes / candidate.trials - baseline.successes / baseline.trials;
  const variance = agrestiCaffoVariance(baseline, candidate);
  const prior = mixingSd * mixingSd;
  const logLambda = 0.5 * Math.log(variance / (variance + prior)) + (difference * difference * prior) / (2 * variance * (variance + prior));
  const pValue = Math.min(1, Math.exp(-logLambda));
  return { pValue, significant: pValue < alpha, method, mixingSd };
}

/** The proportions an A/B test can be decided on: each has a success and a trial per labelled prediction. */
export const AB_METRICS = ['accuracy', 'precision', 'recall'] as const;
export type AbMetric = (typeof AB_METRICS)[number];

/** What one arm did, as rates beside the counts they come from (null where the arm has no denominator). */
export interface AbArm {
  readonly requests: number;
  readonly errors: number;
  readonly errorRate: number | null;
  readonly p99Ms: number | null;
  readonly positiveRate: number | null;
  readonly labelled: number;
  readonly metrics: Readonly<Record<AbMetric, Proportion & { readonly value: number | null }>>;
}

export interface AbStatistics {
  /** The metric the test decides on. */
  readonly metric: AbMetric;
  /** Labelled predictions (trials of the metric) each arm needs before a verdict. */
  readonly minTrials: number;
  readonly arms: { readonly baseline: AbArm; readonly candidate: AbArm };
  /** The fixed-sample test: valid read once, at a sample size chosen in advance. */
  readonly comparison: ProportionComparison;
  /** The always-valid test the verdict follows: valid read at every look. */
  readonly sequential: SequentialComparison;
  /** insufficient-data until both arms have minTrials; then which arm is significantly better by the sequential test, if either. */
  readonly verdict: 'insufficient-data' | 'candidate-better' | 'baseline-better' | 'no-significant-difference';
}

function abArm(readings: ArmReadings): AbArm {
  const trueNegatives = readings.labelled - readings.truePositives - readings.falsePositives - readings.falseNegatives;
  const proportion = (successes: number, trials: number) => ({ successes, trials, value: trials === 0 ? null : successes / trials });
  const answered = readings.requests - readings.errors;
  return {
    requests: readings.requests,
    errors: readings.errors,
    errorRate: readings.requests === 0 ? null : readings.errors / readings.requests,
    p99Ms: readings.p99Ms,
    positiveRate: answered <= 0 ? null : readings.positives / answered,
    labelled: readings.labelled,
    metrics: {
      accuracy: proportion(readings.truePositives + trueNegatives, readings.labelled),
      precision: proportion(readings.truePositives, readings.truePositives + readings.falsePositives),
      recall: proportion(readings.truePositives, readings.truePositives + readings.falseNegatives),
    },
  };
}

/**
 * An A/B test's state on the labelled predictions of both arms: per-arm rates and the
 * two-proportion test on `metric`. Precision and recall are proportions over their own
 * denominators (predicted positive, truly positive), so the same test applies to each; F1 is
 * no proportion and is not offered. No verdict before both arms have `minTrials` trials: a
 * test checked continuously on a handful of labels would call winners by chance.
 */
export function abStatistics(readings: { readonly baseline: ArmReadings; readonly candidate: ArmReadings }, metric: AbMetric, minTrials: number, confidence = 0.95): AbStatistics {
  if (!(AB_METRICS as readonly string[]).includes(metric)) throw new RangeError(`metric must be one of ${AB_METRICS.join(', ')}`);
  if (!Number.isInteger(minTrials) || minTrials < 1) throw new RangeError('minTrials must be a positive integer');
  const baseline = abArm(readings.baseline);
  const candidate = abArm(readings.candidate);
  const comparison = compareProportions(baseline.metrics[metric], candidate.metrics[metric], confidence);
  const sequential = sequentialCompareProportions(baseline.metrics[metric], candidate.metrics[metric], 1 - confidence);
  const enough = baseline.metrics[metric].trials >= minTrials && candidate.metrics[metric].trials >= minTrials;
  const verdict = !enough || comparison.difference === null ? 'insufficient-data' : !sequential.significant ? 'no-significant-difference' : comparison.difference > 0 ? 'candidate-better' : 'baseline-better';
  return { metric, minTrials, arms: { baseline, candidate }, comparison, sequential, verdict };
}

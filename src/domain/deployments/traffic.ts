/**
 * How a model's traffic is split between its live versions, which arm one request goes
 * to, and whether two arms differ on a proportion (A/B tests).
 */
import { erfc, normalQuantile, wilson } from '../evaluation/paired.js';

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

/**
 * Guardrails of a progressive rollout: what the candidate's live readings may not do
 * compared with the baseline's in the same window. Judged only on enough traffic, so a
 * quiet minute neither passes nor fails a step.
 */
import { invalid } from '../errors.js';
import { agrestiCaffoVariance } from '../evaluation/paired.js';

export interface GuardrailPolicy {
  /** Highest tolerated share of failed candidate requests. */
  readonly maxErrorRate: number;
  /** Highest tolerated candidate p99 latency, in ms. */
  readonly maxP99Ms: number;
  /** The candidate's p99 may be at most this many times the baseline's. */
  readonly maxP99Ratio: number;
  /** Largest tolerated absolute difference of the positive (malicious) rate between candidate and baseline. */
  readonly maxPositiveRateShift: number;
  /** Largest tolerated absolute drop of live precision or recall against the baseline, once both have `minLabelled` labels. */
  readonly maxMetricDrop: number;
  /** Candidate requests a step needs before it is judged (and may advance). */
  readonly minRequests: number;
  /** Labelled candidate and baseline predictions needed before precision and recall are judged. */
  readonly minLabelled: number;
  /** Breached checks in a row that roll the deployment back. */
  readonly maxConsecutiveBreaches: number;
}

export const DEFAULT_GUARDRAILS: GuardrailPolicy = {
  maxErrorRate: 0.02,
  maxP99Ms: 250,
  maxP99Ratio: 2,
  maxPositiveRateShift: 0.1,
  maxMetricDrop: 0.05,
  minRequests: 20,
  minLabelled: 50,
  maxConsecutiveBreaches: 2,
};

const BOUNDS: Record<keyof GuardrailPolicy, { min: number; max: number; integer: boolean }> = {
  maxErrorRate: { min: 0, max: 1, integer: false },
  maxP99Ms: { min: 1, max: 600_000, integer: false },
  maxP99Ratio: { min: 1, max: 1_000, integer: false },
  maxPositiveRateShift: { min: 0, max: 1, integer: false },
  maxMetricDrop: { min: 0, max: 1, integer: false },
  minRequests: { min: 0, max: 10_000_000, integer: true },
  minLabelled: { min: 1, max: 10_000_000, integer: true },
  maxConsecutiveBreaches: { min: 1, max: 100, integer: true },
};

/** The defaults with `overrides` applied; every key and value is checked (VALIDATION_FAILED naming `field.key`). */
export function guardrailPolicy(overrides: unknown, field = 'guardrails'): GuardrailPolicy {
  if (overrides === undefined) return DEFAULT_GUARDRAILS;
  if (typeof overrides !== 'object' || overrides === null || Array.isArray(overrides)) throw invalid(field, `${field} must be an object`);
  const policy: Record<string, number> = { ...DEFAULT_GUARDRAILS };
  for (const [key, value] of Object.entries(overrides)) {
    const bounds = (BOUNDS as Record<string, (typeof BOUNDS)[keyof GuardrailPolicy] | undefined>)[key];
    if (!bounds) throw invalid(`${field}.${key}`, `${field}.${key} is not a guardrail; known: ${Object.keys(BOUNDS).join(', ')}`);
    if (typeof value !== 'number' || !Number.isFinite(value) || (bounds.integer && !Number.isInteger(value)) || value < bounds.min || value > bounds.max) {
      throw invalid(`${field}.${key}`, `${field}.${key} must be ${bounds.integer ? 'an integer' : 'a number'} from ${bounds.min} to ${bounds.max}`);
    }
    policy[key] = value;
  }
  return policy as unknown as GuardrailPolicy;
}

/** What one arm did in the window being judged. */
export interface ArmReadings {
  readonly requests: number;
  readonly errors: number;
  /** null when the arm answered no request in the window. */
  readonly p99Ms: number | null;
  /** Predictions labelled malicious. */
  readonly positives: number;
  /** Of the predictions that received a feedback label: */
  readonly labelled: number;
  readonly truePositives: number;
  readonly falsePositives: number;
  readonly falseNegatives: number;
}

/** The latency under which the p99 ratio to the baseline is never a breach (only maxP99Ms applies). */
export const P99_RATIO_FLOOR_MS = 20;

export const NO_READINGS: ArmReadings = { requests: 0, errors: 0, p99Ms: null, positives: 0, labelled: 0, truePositives: 0, falsePositives: 0, falseNegatives: 0 };

export type GuardrailCheck = 'error-rate' | 'p99-latency' | 'positive-rate-shift' | 'precision' | 'recall';

export interface GuardrailReading {
  readonly check: GuardrailCheck;
  readonly candidate: number;
  /** The baseline's value in the same window, or null for an absolute limit. */
  readonly baseline: number | null;
  readonly limit: number;
  /**
   * For the checks that compare two arms' proportions (positive rate, precision, recall): how
   * many standard errors the difference lies beyond its limit. A breach needs at least
   * BREACH_Z; absent for the absolute checks.
   */
  readonly z?: number;
  readonly breached: boolean;
}

/**
 * One-sided 95 %: a comparative check breaches when the sample supports a difference beyond
 * its limit, not when a few dozen requests' noise crosses it. A canary judged at 20 requests
 * (or 50 labels) a step otherwise rolls back a good candidate on a point estimate a hair past
 * the limit (precision 0.9245 against a limit of 0.9267 did, on a candidate better on every
 * held-out metric); a real regression keeps the evidence as the window fills.
 */
export const BREACH_Z = 1.645;

/** A proportion as successes of trials, the form the two-arm checks test. */
interface Proportion {
  readonly successes: number;
  readonly trials: number;
}

/**
 * Standard errors by which `excess` (the candidate's difference beyond its limit, in the harmful
 * direction: lower, or any side for a shift) lies past the limit.
 */
function zBeyond(excess: number, candidate: Proportion, baseline: Proportion): number {
  return excess / Math.sqrt(agrestiCaffoVariance(candidate, baseline));
}

export interface GuardrailVerdict {
  /** 'insufficient' until the candidate has `minRequests` requests in the window. */
  readonly outcome: 'pass' | 'breach' | 'insufficient';
  readonly readings: readonly GuardrailReading[];
}

function ratio(part: number, whole: number): number | null {
  return whole > 0 ? part / whole : null;
}

/**
 * Judges the candidate against its limits and the baseline. Without a baseline (or with a
 * silent one) only the absolute limits apply; precision and recall only with enough labels on both.
 */
export function judgeGuardrails(policy: GuardrailPolicy, candidate: ArmReadings, baseline: ArmReadings | null): GuardrailVerdict {
  if (candidate.requests < Math.max(1, policy.minRequests)) return { outcome: 'insufficient', readings: [] };
  const readings: GuardrailReading[] = [];
  const errorRate = candidate.errors / candidate.requests;
  readings.push({ check: 'error-rate', candidate: errorRate, baseline: null, limit: policy.maxErrorRate, breached: errorRate > policy.maxErrorRate });
  if (candidate.p99Ms !== null) {
    const baselineP99 = baseline?.p99Ms ?? null;
    // Below a few milliseconds a ratio is scheduling noise (one GC pause doubles it), not a regression anyone sees.
    const limit = baselineP99 === null ? policy.maxP99Ms : Math.min(policy.maxP99Ms, Math.max(baselineP99 * policy.maxP99Ratio, P99_RATIO_FLOOR_MS));
    readings.push({ check: 'p99-latency', candidate: candidate.p99Ms, baseline: baselineP99, limit, breached: candidate.p99Ms > limit });
  }
  const baselineAnswered = baseline ? baseline.requests - baseline.errors : 0;
  if (baseline && baselineAnswered >= Math.max(1, policy.minRequests)) {
    const candidateAnswered = candidate.requests - candidate.errors;
    const candidateRate = ratio(candidate.positives, candidateAnswered) ?? 0;
    const baselineRate = baseline.positives / baselineAnswered;
    const excess = Math.abs(candidateRate - baselineRate) - policy.maxPositiveRateShift;
    const z = zBeyond(excess, { successes: candidate.positives, trials: candidateAnswered }, { successes: baseline.positives, trials: baselineAnswered });
    readings.push({ check: 'positive-rate-shift', candidate: candidateRate, baseline: baselineRate, limit: policy.maxPositiveRateShift, z, breached: excess > 0 && z >= BREACH_Z });
  }
  if (baseline && candidate.labelled >= policy.minLabelled && baseline.labelled >= policy.minLabelled) {
    const metrics = [
      ['precision', { successes: candidate.truePositives, trials: candidate.truePositives + candidate.falsePositives }, { successes: baseline.truePositives, trials: baseline.truePositives + baseline.falsePositives }],
      ['recall', { successes: candidate.truePositives, trials: candidate.truePositives + candidate.falseNegatives }, { successes: baseline.truePositives, trials: baseline.truePositives + baseline.falseNegatives }],
    ] as const;
    for (const [check, candidateCounts, baselineCounts] of metrics) {
      const candidateValue = ratio(candidateCounts.successes, candidateCounts.trials);
      const baselineValue = ratio(baselineCounts.successes, baselineCounts.trials);
      if (candidateValue === null || baselineValue === null) continue;
      const limit = baselineValue - policy.maxMetricDrop;
      const excess = limit - candidateValue;
      const z = zBeyond(excess, candidateCounts, baselineCounts);
      readings.push({ check, candidate: candidateValue, baseline: baselineValue, limit, z, breached: excess > 0 && z >= BREACH_Z });
    }
  }
  return { outcome: readings.some((reading) => reading.breached) ? 'breach' : 'pass', readings };
}

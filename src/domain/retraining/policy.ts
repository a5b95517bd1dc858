/**
 * A model's retraining policy: which metric drops count and how large, the hysteresis and
 * cooldown that keep a flapping metric from retraining again and again, the evidence a drop
 * needs (α and power), which triggers may skip the cooldown, and an optional cron schedule.
 */
import { invalid } from '../errors.js';
import { LIVE_METRICS, type LiveMetric } from '../monitoring/performance.js';
import { parseCron } from './schedule.js';
import { DEFAULT_PROMOTION_POLICY, parsePromotionPolicy, type PromotionPolicy } from './promotion.js';

export const TRIGGER_KINDS = ['metric-drop', 'drift', 'vulnerabilities', 'fresh-data', 'schedule', 'manual'] as const;
export type TriggerKind = (typeof TRIGGER_KINDS)[number];

export interface MetricDropRule {
  /** Largest tolerated drop: 0.05 = five points (absolute) or 5 % of the baseline (relative). */
  readonly maxDrop: number;
  readonly mode: 'absolute' | 'relative';
  readonly enabled: boolean;
}

export interface RetrainingPolicy {
  readonly metrics: Readonly<Record<LiveMetric, MetricDropRule>>;
  /**
   * Hysteresis: after a metric's drop triggered a retrain, it counts again only once it was
   * seen back within `rearmFraction` × its threshold (or its alert resolved). A metric
   * hovering around the threshold therefore triggers once, not on every crossing.
   */
  readonly rearmFraction: number;
  /** After a retrain decision, triggers not in `cooldownExempt` are declined for this long (ms). */
  readonly cooldownMs: number;
  /** Triggers that carry new material (data, vulnerabilities) or a person's word, so they skip the cooldown. */
  readonly cooldownExempt: readonly TriggerKind[];
  /** Level of the test a drop must be detectable at, and the power to detect it (minimum labelled predictions). */
  readonly alpha: number;
  readonly power: number;
  /** Whether a drift verdict alone starts a retrain. */
  readonly retrainOnDrift: boolean;
  /** Cron schedule (UTC) of periodic retrains; null = none. */
  readonly schedule: string | null;
  /** How a retrained version that cleared the gates reaches Production (see promotion.ts). */
  readonly promotion: PromotionPolicy;
  /**
   * Whether a retrain the orchestrator decides (metric drop, drift, schedule) also learns from
   * the model's labelled feedback: the newest `feedbackMaxRows` labelled predictions whose
   * input serving sampled. Off by default: those texts were kept to explain drift.
   */
  readonly trainOnFeedback: boolean;
  readonly feedbackMaxRows: number;
}

const HOUR = 3_600_000;

export const DEFAULT_RETRAINING_POLICY: RetrainingPolicy = Object.freeze({
  metrics: Object.freeze(
    Object.fromEntries(LIVE_METRICS.map((metric) => [metric, Object.freeze({ maxDrop: 0.05, mode: 'relative', enabled: true })])) as Record<LiveMetric, MetricDropRule>,
  ),
  rearmFraction: 0.5,
  cooldownMs: 6 * HOUR,
  cooldownExempt: Object.freeze(['manual', 'vulnerabilities', 'fresh-data'] as TriggerKind[]),
  alpha: 0.05,
  power: 0.8,
  retrainOnDrift: true,
  schedule: null,
  promotion: DEFAULT_PROMOTION_POLICY,
  trainOnFeedback: false,
  feedbackMaxRows: 10_000,
});

/** The drop threshold of `rule` in the metric's units, for a given baseline. */
export function absoluteThreshold(rule: MetricDropRule, baseline: number): number {
  return rule.mode === 'absolute' ? rule.maxDrop : rule.maxDrop * baseline;
}

function record(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(field, `${field} must be an object`);
  return value as Record<string, unknown>;
}

function fraction(value: unknown, field: string, openAtZero = true): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value >= 1 || value < 0 || (openAtZero && value === 0)) {
    throw invalid(field, `${field} must be a number in ${openAtZero ? '(0, 1)' : '[0, 1)'}`);
  }
  return value;
}

function metricRule(value: unknown, base: MetricDropRule, field: string): MetricDropRule {
  let rule = base;
  for (const [key, setting] of Object.entries(record(value, field))) {
    const at = `${field}.${key}`;
    if (key === 'maxDrop') rule = { ...rule, maxDrop: fraction(setting, at) };
    else if (key === 'mode') {
      if (setting !== 'absolute' && setting !== 'relative') throw invalid(at, `${at} must be 'absolute' or 'relative'`);
      rule = { ...rule, mode: setting };
    } else if (key === 'enabled') {
      if (typeof setting !== 'boolean') throw invalid(at, `${at} must be a boolean`);
      rule = { ...rule, enabled: setting };
    } else throw invalid(at, `${at} is not a setting; known: maxDrop, mode, enabled`);
  }
  return rule;
}

/** The default policy with `overrides` applied (undefined → the defaults); VALIDATION_FAILED names the field. */
export function retrainingPolicy(overrides: unknown, field = 'retraining', base: RetrainingPolicy = DEFAULT_RETRAINING_POLICY): RetrainingPolicy {
  if (overrides === undefined) return base;
  let policy: RetrainingPolicy = base;
  for (const [key, value] of Object.entries(record(overrides, field))) {
    const at = `${field}.${key}`;
    switch (key) {
      case 'metrics': {
        const metrics: Record<string, MetricDropRule> = { ...policy.metrics };
        for (const [metric, rule] of Object.entries(record(value, at))) {
          if (!(LIVE_METRICS as readonly string[]).includes(metric)) throw invalid(`${at}.${metric}`, `${at}.${metric} is not a metric; known: ${LIVE_METRICS.join(', ')}`);
          metrics[metric] = metricRule(rule, policy.metrics[metric as LiveMetric], `${at}.${metric}`);
        }
        policy = { ...policy, metrics: metrics as Record<LiveMetric, MetricDropRule> };
        break;
      }
      case 'rearmFraction':
        policy = { ...policy, rearmFraction: fraction(value, at, false) };
        break;
      case 'cooldownMs':
        if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 365 * 24 * HOUR) throw invalid(at, `${at} must be a whole number of ms from 0 to one year`);
        policy = { ...policy, cooldownMs: value };
        break;
      case 'cooldownExempt':
        if (!Array.isArray(value) || value.some((kind) => !(TRIGGER_KINDS as readonly unknown[]).includes(kind))) {
          throw invalid(at, `${at} must be a list of trigger kinds: ${TRIGGER_KINDS.join(', ')}`);
        }
        policy = { ...policy, cooldownExempt: [...new Set(value as TriggerKind[])] };
        break;
      case 'alpha':
      case 'power':
        policy = { ...policy, [key]: fraction(value, at) };
        break;
      case 'retrainOnDrift':
        if (typeof value !== 'boolean') throw invalid(at, `${at} must be a boolean`);
        policy = { ...policy, retrainOnDrift: value };
        break;
      case 'schedule':
        policy = { ...policy, schedule: value === null ? null : parseCron(value, at) };
        break;
      case 'trainOnFeedback':
        if (typeof value !== 'boolean') throw invalid(at, `${at} must be a boolean`);
        policy = { ...policy, trainOnFeedback: value };
        break;
      case 'feedbackMaxRows':
        if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 100_000) throw invalid(at, `${at} must be a whole number from 1 to 100000`);
        policy = { ...policy, feedbackMaxRows: value };
        break;
      case 'promotion':
        policy = { ...policy, promotion: parsePromotionPolicy(value, at, policy.promotion) };
        break;
      default:
        throw invalid(at, `${at} is not a setting; known: ${Object.keys(DEFAULT_RETRAINING_POLICY).join(', ')}`);
    }
  }
  return policy;
}

/** The cluster's retraining policies: one for every model, and per-model overrides on top of it. */
export interface RetrainingPolicies {
  readonly base: RetrainingPolicy;
  readonly models: Readonly<Record<string, RetrainingPolicy>>;
}

/**
 * Reads `{...settings, models: {<model>: {...settings}}}` (WARDEN_RETRAINING_POLICY): the
 * settings change the defaults for every model, each model's apply on top of those.
 */
export function retrainingPolicies(overrides: unknown, field = 'retraining'): RetrainingPolicies {
  if (overrides === undefined) return { base: DEFAULT_RETRAINING_POLICY, models: {} };
  const { models, ...settings } = record(overrides, field);
  const base = retrainingPolicy(settings, field);
  const perModel: Record<string, RetrainingPolicy> = {};
  if (models !== undefined) {
    for (const [model, modelOverrides] of Object.entries(record(models, `${field}.models`))) {
      perModel[model] = retrainingPolicy(modelOverrides, `${field}.models.${model}`, base);
    }
  }
  return { base, models: perModel };
}

/** The policy in force for `model`. */
export function policyFor(policies: RetrainingPolicies, model: string): RetrainingPolicy {
  return Object.hasOwn(policies.models, model) ? policies.models[model]! : policies.base;
}

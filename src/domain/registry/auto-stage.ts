import { invalid } from '../errors.js';
import { compareMetric, isMetricComparison, type MetricComparison, type Stage, type VersionStatus } from './vocabulary.js';

/** Stages a policy may assign at registration. */
export const AUTO_STAGE_TARGETS = ['None', 'Staging', 'Production'] as const;
export type AutoStageTarget = (typeof AUTO_STAGE_TARGETS)[number];

/**
 * How a newly registered version is staged: when `metric comparison threshold` holds, the
 * version goes to `targetStage`, otherwise to `otherwiseStage`. A FAILED version always
 * stays in None; so does a PENDING one (it has no artifact to serve yet).
 */
export type AutoStagePolicy =
  | { readonly enabled: false }
  | {
      readonly enabled: true;
      readonly metric: string;
      readonly comparison: MetricComparison;
      readonly threshold: number;
      readonly targetStage: AutoStageTarget;
      readonly otherwiseStage: AutoStageTarget;
    };

/** The platform's rule: `eval_accuracy > 0.9` → Production, otherwise Staging. */
export const DEFAULT_AUTO_STAGE_POLICY: AutoStagePolicy = Object.freeze({
  enabled: true,
  metric: 'eval_accuracy',
  comparison: '>',
  threshold: 0.9,
  targetStage: 'Production',
  otherwiseStage: 'Staging',
});

export interface AutoStageDecision {
  readonly stage: Stage;
  /** Names the rule and the value that decided, e.g. `eval_accuracy 0.93 > 0.9 → Production`. */
  readonly reason: string;
}

const METRIC_KEY = /^[A-Za-z0-9_.\-/]{1,128}$/;

/**
 * Validates a policy given by a user. Accepts `{enabled:false}` or
 * `{metric, comparison, threshold, targetStage, otherwiseStage?}` (`enabled` optional, default true;
 * `otherwiseStage` defaults to Staging, or None when the target is Staging). Throws VALIDATION_FAILED
 * naming the offending `policy.<field>`.
 */
export function parseAutoStagePolicy(raw: unknown, field = 'policy'): AutoStagePolicy {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalid(field, 'policy must be an object');
  const p = raw as Record<string, unknown>;
  if (p.enabled !== undefined && typeof p.enabled !== 'boolean') throw invalid(`${field}.enabled`, 'enabled must be true or false');
  if (p.enabled === false) return { enabled: false };
  if (typeof p.metric !== 'string' || !METRIC_KEY.test(p.metric)) throw invalid(`${field}.metric`, 'metric must be a metric name like eval_accuracy');
  if (!isMetricComparison(p.comparison)) throw invalid(`${field}.comparison`, 'comparison must be one of >, >=, <, <=, =');
  if (typeof p.threshold !== 'number' || !Number.isFinite(p.threshold)) throw invalid(`${field}.threshold`, 'threshold must be a finite number');
  if (!isTarget(p.targetStage)) throw invalid(`${field}.targetStage`, `targetStage must be one of ${AUTO_STAGE_TARGETS.join(', ')}`);
  const otherwise = p.otherwiseStage ?? (p.targetStage === 'Production' ? 'Staging' : 'None');
  if (!isTarget(otherwise)) throw invalid(`${field}.otherwiseStage`, `otherwiseStage must be one of ${AUTO_STAGE_TARGETS.join(', ')}`);
  return { enabled: true, metric: p.metric, comparison: p.comparison, threshold: p.threshold, targetStage: p.targetStage, otherwiseStage: otherwise };
}

function isTarget(value: unknown): value is AutoStageTarget {
  return typeof value === 'string' && (AUTO_STAGE_TARGETS as readonly string[]).includes(value);
}

const NEGATED: Record<MetricComparison, string> = { '>': '≤', '>=': '<', '<': '≥', '<=': '>', '=': '≠' };

/** The stage a new version gets under `policy`, with the reason that names the rule and the value. */
export function decideAutoStage(
  policy: AutoStagePolicy,
  version: { readonly status: VersionStatus; readonly metrics: Readonly<Record<string, number>> },
): AutoStageDecision {
  if (version.status === 'FAILED') return { stage: 'None', reason: 'auto-stage: status FAILED → None' };
  if (version.status === 'PENDING') return { stage: 'None', reason: 'auto-stage: status PENDING → None (staged once READY)' };
  if (!policy.enabled) return { stage: 'None', reason: 'auto-stage disabled by the model policy → None' };
  const rule = `rule ${policy.metric} ${policy.comparison} ${policy.threshold}`;
  const value = version.metrics[policy.metric];
  if (value === undefined) {
    return { stage: policy.otherwiseStage, reason: `auto-stage ${rule}: ${policy.metric} not reported → ${policy.otherwiseStage}` };
  }
  if (compareMetric(value, policy.comparison, policy.threshold)) {
    return { stage: policy.targetStage, reason: `auto-stage ${rule}: ${policy.metric} ${value} ${policy.comparison} ${policy.threshold} → ${policy.targetStage}` };
  }
  return {
    stage: policy.otherwiseStage,
    reason: `auto-stage ${rule}: ${policy.metric} ${value} ${NEGATED[policy.comparison]} ${policy.threshold} → ${policy.otherwiseStage}`,
  };
}

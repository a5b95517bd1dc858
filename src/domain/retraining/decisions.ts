/**
 * A retraining decision as recorded: the arbiter's plan, the job it queued, and what became
 * of it afterwards (trained, compared, promoted, held for approval, rejected), appended as it
 * happens so one record tells the whole story of a retrain.
 */
import type { JsonObject } from '../jobs.js';
import type { LiveMetric } from '../monitoring/performance.js';
import type { ArbiterState, RetrainingDecisionPlan } from './arbitration.js';
import type { TriggerKind } from './policy.js';

export const DECISION_OUTCOME_KINDS = [
  'queued',
  'requeued',
  'queue-failed',
  'trained',
  'training-failed',
  'compared',
  'rollout-started',
  'rollout-failed',
  'promoted',
  'held',
  'approved',
  'rejected',
] as const;
export type DecisionOutcomeKind = (typeof DECISION_OUTCOME_KINDS)[number];

export interface DecisionOutcome {
  readonly kind: DecisionOutcomeKind;
  readonly at: number;
  readonly detail: string;
  readonly values: JsonObject;
}

export interface RetrainingDecision extends RetrainingDecisionPlan {
  readonly id: string;
  /** The retrain job queued for it; null for a no-retrain decision (or until queued). */
  readonly jobId: string | null;
  readonly outcomes: readonly DecisionOutcome[];
}

/** The trigger kinds a decision acted on, once each, in order of first appearance. */
export function decisionTriggerKinds(decision: RetrainingDecisionPlan): TriggerKind[] {
  return [...new Set(decision.triggers.map((t) => t.kind))];
}

/** Outcomes that say the decided retrain did not happen: no job could be queued, or its job failed, was cancelled or is gone. */
export const FAILED_RETRAIN_OUTCOMES = ['queue-failed', 'training-failed'] as const satisfies readonly DecisionOutcomeKind[];

/** A retrain decision whose retrain did not happen (it holds no cooldown and disarms no metric). */
export function retrainFailed(decision: RetrainingDecision): boolean {
  return decision.outcome === 'retrain' && decision.outcomes.some((o) => (FAILED_RETRAIN_OUTCOMES as readonly string[]).includes(o.kind));
}

/**
 * A retrain decision whose retrain has no known fate yet: not queued, or queued and nothing
 * recorded since (a finished retrain records what came of it: trained, promoted, …).
 */
export function awaitsRetrain(decision: RetrainingDecision): boolean {
  return decision.outcome === 'retrain' && decision.outcomes.every((o) => o.kind === 'queued' || o.kind === 'requeued');
}

/**
 * Fresh data and red-team vulnerabilities are retrained on by their own requests, which
 * carry the material (the fresh version, the vulnerability corpus) and are asked again by
 * their own recovery (the fresh-data scan re-queues a retrain whose event was lost); a
 * repair that queued a plain retrain of the recipe instead would train without it.
 */
export function repairMayRequeue(decision: RetrainingDecisionPlan): boolean {
  return !decision.triggers.some((t) => t.kind === 'fresh-data' || t.kind === 'vulnerabilities');
}

const droppedMetrics = (decision: RetrainingDecisionPlan): LiveMetric[] =>
  decision.triggers.filter((t) => t.kind === 'metric-drop').map((t) => t.values.metric as LiveMetric);

/**
 * The arbiter state once `failed` is known not to have retrained: the cooldown it started is
 * given back (the last retrain is again `previousRetrainAt`, the newest earlier retrain that
 * did not fail) unless a later retrain moved it, and the metrics whose drop it acted on count
 * again, unless a later retrain (`later`, those that did not fail) acted on them too. Without
 * this a lost job would hold the model in cooldown, and leave a metric that never recovers
 * (nothing was retrained) disarmed for good.
 */
export function releaseFailedRetrain(state: ArbiterState, failed: RetrainingDecisionPlan, previousRetrainAt: number | null, later: readonly RetrainingDecisionPlan[]): ArbiterState {
  const stillActedOn = new Set(later.flatMap(droppedMetrics));
  const rearmed = new Set(droppedMetrics(failed).filter((metric) => !stillActedOn.has(metric)));
  return {
    lastRetrainAt: state.lastRetrainAt === failed.decidedAt ? previousRetrainAt : state.lastRetrainAt,
    disarmed: state.disarmed.filter((metric) => !rearmed.has(metric)),
  };
}

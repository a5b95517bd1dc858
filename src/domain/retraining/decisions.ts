/**
 * A retraining decision as recorded: the arbiter's plan, the job it queued, and what became
 * of it afterwards (trained, compared, promoted, held for approval, rejected), appended as it
 * happens so one record tells the whole story of a retrain.
 */
import type { JsonObject } from '../jobs.js';
import type { RetrainingDecisionPlan } from './arbitration.js';
import type { TriggerKind } from './policy.js';

export const DECISION_OUTCOME_KINDS = ['queued', 'queue-failed', 'trained', 'training-failed', 'promoted', 'held', 'rejected', 'rollout-started'] as const;
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

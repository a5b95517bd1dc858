import type { ArbiterState, TriggerSignal } from '../retraining/arbitration.js';
import type { DecisionOutcome, RetrainingDecision } from '../retraining/decisions.js';
import type { TriggerKind } from '../retraining/policy.js';

export interface DecisionFilter {
  readonly model?: string;
  readonly outcome?: 'retrain' | 'no-retrain';
  /** Only decisions that acted on this trigger kind. */
  readonly trigger?: TriggerKind;
  readonly limit: number;
  /** Only decisions made before this one (newest first paging). */
  readonly before?: { readonly decidedAt: number; readonly id: string };
}

/**
 * Retraining signals, decisions and each model's arbiter state. A signal's key is unique per
 * model, so the same event delivered twice (or seen by two processes) is stored once; a
 * decision consumes its signals and moves the arbiter state in ONE transaction, refused when
 * another process decided for the model first.
 */
export interface RetrainingStore {
  /** Stores a pending signal; false when the model already has a signal with that key (pending or decided). */
  addSignal(signal: TriggerSignal): Promise<boolean>;
  /** The model's signals no decision has consumed yet, oldest first. */
  pendingSignals(model: string): Promise<TriggerSignal[]>;
  /** Models that have pending signals. */
  modelsWithPendingSignals(): Promise<string[]>;
  /** The model's arbiter state and its revision (0 = never decided). */
  arbiterState(model: string): Promise<{ readonly state: ArbiterState; readonly revision: number }>;
  /**
   * Records `decision`, marks `consumed` (keys of the model's pending signals) as decided by it
   * and writes `next` — only if the state is still at `revision` and every consumed signal
   * still pending; otherwise writes nothing and returns false.
   */
  recordDecision(decision: RetrainingDecision, consumed: readonly string[], next: ArbiterState, revision: number): Promise<boolean>;
  /** Appends an outcome (and sets the job when given); undefined for an unknown decision. */
  appendOutcome(id: string, outcome: DecisionOutcome, jobId?: string): Promise<RetrainingDecision | undefined>;
  /**
   * A retrain that did not happen (its job failed, was cancelled or lost, or was never
   * queued): appends `outcome` and writes the model's arbiter state `next` together — only
   * if the decision still has `outcomeCount` outcomes and the state is still at `revision`;
   * otherwise writes nothing and returns false (another process settled it or decided meanwhile).
   */
  settleFailedRetrain(id: string, outcome: DecisionOutcome, outcomeCount: number, next: ArbiterState, revision: number): Promise<boolean>;
  /** Appends an outcome only if the decision still has `outcomeCount` outcomes (false otherwise, or for an unknown decision). */
  appendOutcomeIf(id: string, outcome: DecisionOutcome, outcomeCount: number, jobId?: string): Promise<boolean>;
  getDecision(id: string): Promise<RetrainingDecision | undefined>;
  /** The decision that queued this job, if any. */
  decisionOfJob(jobId: string): Promise<RetrainingDecision | undefined>;
  /** Newest first. */
  listDecisions(filter: DecisionFilter): Promise<RetrainingDecision[]>;
}

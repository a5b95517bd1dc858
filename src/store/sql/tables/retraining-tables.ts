export interface RetrainingSignalRow {
  model: string;
  key: string;
  kind: string;
  at: number;
  /** The decision that consumed it; null while pending. */
  decision_id: string | null;
  document: string; // JSON of the domain TriggerSignal
}

export interface RetrainingDecisionRow {
  id: string;
  model: string;
  decided_at: number;
  outcome: string;
  /** The trigger kinds acted on, as ",kind,kind," so one LIKE finds a kind on both dialects. */
  trigger_kinds: string;
  job_id: string | null;
  document: string; // JSON of the domain RetrainingDecision
}

export interface RetrainingStateRow {
  model: string;
  revision: number; // optimistic concurrency: a decision names the revision it read
  document: string; // JSON of the domain ArbiterState
}

export interface RetrainingTables {
  retraining_signals: RetrainingSignalRow;
  retraining_decisions: RetrainingDecisionRow;
  retraining_state: RetrainingStateRow;
}

import type { ArmReadings } from '../deployments/guardrails.js';
import type { FailedPredictionRecord, MonitoredDescriptors, PredictionRecord, StoredPrediction } from '../serving.js';

/** Feedback for one recorded prediction: its true label, who gave it and when. */
export interface FeedbackWrite {
  readonly id: string;
  readonly label: number;
  readonly actor: string;
  readonly at: number;
}

/**
 * The prediction log: what every answered input was, and later its true label.
 * Written in batches by the serving path's writer; read by feedback and monitoring.
 */
export interface PredictionStore {
  /** Appends records; an id already recorded is left as it is (a retried flush writes nothing twice). */
  insertMany(records: readonly PredictionRecord[]): Promise<void>;
  /** Appends requests an arm failed to answer; a request and arm already recorded is left as it is. */
  insertFailures(records: readonly FailedPredictionRecord[]): Promise<void>;
  /** The recorded predictions among `ids` (missing ids are simply absent). */
  findByIds(ids: readonly string[]): Promise<StoredPrediction[]>;
  /** Attaches true labels (a later feedback replaces an earlier one); returns the ids that exist. */
  attachFeedback(items: readonly FeedbackWrite[]): Promise<string[]>;
  /** The newest predictions of a model, newest first. */
  listRecent(model: string, limit: number): Promise<StoredPrediction[]>;
  /**
   * What one arm of a model answered from `since` on (ms): requests (answered and failed texts),
   * errors (failed texts), positives, p99 latency of the answers and, of those labelled by
   * feedback, the confusion counts; the guardrails of a deployment read this.
   */
  armReadings(model: string, version: number, arm: string, since: number): Promise<ArmReadings>;
  /**
   * A shadow's answers (arm `shadow`, version `version`) from `since` on, each beside the live
   * answer it copied: how many were compared, how many disagree, and the newest disagreements.
   */
  shadowComparison(model: string, version: number, since: number, limit: number): Promise<ShadowComparison>;
  /**
   * A model's predictions from `since` on (ms), newest first, at most `limit`, with what
   * monitoring reads: the answer, latency, feedback, descriptors and the sampled text if any.
   */
  monitoringRows(model: string, since: number, limit: number): Promise<MonitoringRow[]>;
  /** The newest `limit` labelled predictions of one version and arm: (predicted, true) label pairs, newest first. */
  lastLabelled(model: string, version: number, arm: string, limit: number): Promise<Array<{ readonly label: number; readonly feedbackLabel: number }>>;
  /**
   * The newest `limit` labelled predictions of a model (any version or arm) whose input text
   * was sampled: (text, true label) rows a retrain may learn from when its policy allows. The
   * text is the sample serving kept (WARDEN_MONITOR_SAMPLE_RATE / _CHARS), never more.
   */
  labelledSamples(model: string, limit: number): Promise<Array<{ readonly text: string; readonly label: number }>>;
  /** Failed texts of a model from `since` on, by version, arm and error code. */
  failureCounts(model: string, since: number): Promise<Array<{ readonly version: number; readonly arm: string; readonly code: string; readonly inputs: number }>>;
  /** Deletes up to `limit` predictions and failed requests (together) made before `before` (ms); returns how many. */
  deleteOlderThan(before: number, limit: number): Promise<number>;
}

/** One prediction as monitoring reads it. */
export interface MonitoringRow {
  readonly version: number;
  readonly arm: string;
  readonly label: number;
  readonly probability: number;
  readonly latencyMs: number;
  readonly createdAt: number;
  readonly feedbackLabel: number | null;
  readonly chars: number;
  readonly nonAsciiShare: number;
  readonly urlCount: number;
  /** Null on rows recorded without descriptors. */
  readonly monitored: MonitoredDescriptors | null;
  readonly sample: string | null;
}

/** One live answer and its shadow's different answer to the same input. */
export interface ShadowDisagreement {
  /** The live prediction's id (feedback names it). */
  readonly id: string;
  readonly requestId: string;
  readonly at: number;
  readonly live: { readonly version: number; readonly label: number; readonly probability: number };
  readonly shadow: { readonly version: number; readonly label: number; readonly probability: number };
}

export interface ShadowComparison {
  readonly compared: number;
  readonly disagreements: number;
  readonly examples: readonly ShadowDisagreement[];
}

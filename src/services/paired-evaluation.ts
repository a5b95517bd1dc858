/**
 * Scores two classifiers on the same labelled rows: each one's metrics (eval_*) and the paired
 * comparison (McNemar, paired deltas, flipped rows). The one place where two models meet the
 * same rows, used by the champion/challenger gate of training jobs and by version comparison.
 */
import { pairedComparison, type PairedComparison, type PairedOptions } from '../domain/evaluation/index.js';
import { binaryMetrics, metricsToRecord, predictBatch, type TextClassifier } from '../ml/index.js';

export interface LabelledRows {
  readonly texts: readonly string[];
  readonly labels: Uint8Array;
}

export interface PairedEvaluation {
  readonly rows: number;
  /** eval_* metrics of A and B on these rows. */
  readonly metricsA: Record<string, number>;
  readonly metricsB: Record<string, number>;
  readonly paired: PairedComparison;
}

/** Predicts with each model once and derives both metric sets and the paired test from the same predictions. */
export function evaluatePair(a: TextClassifier, b: TextClassifier, data: LabelledRows, options: PairedOptions = {}): PairedEvaluation {
  const side = (model: TextClassifier) => {
    const predictions = predictBatch(model, data.texts);
    const probabilities = Float64Array.from(predictions, (p) => p.probability);
    const labels = Uint8Array.from(predictions, (p) => p.label);
    return { metrics: metricsToRecord(binaryMetrics(data.labels, probabilities, model.threshold), 'eval_'), labels };
  };
  const sideA = side(a);
  const sideB = side(b);
  return { rows: data.texts.length, metricsA: sideA.metrics, metricsB: sideB.metrics, paired: pairedComparison(data.labels, sideA.labels, sideB.labels, options) };
}

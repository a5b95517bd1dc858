/**
 * Scores two classifiers on the same labelled rows: each one's metrics (eval_*) and the paired
 * comparison (McNemar, paired deltas, flipped rows). The one place where two models meet the
 * same rows, used by the champion/challenger gate of training jobs and by version comparison.
 */
import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { pairedComparison, type PairedComparison, type PairedOptions } from '../domain/evaluation/index.js';
import { binaryMetrics, logLoss, metricsToRecord, predictBatch, type Prediction, type TextClassifier } from '../ml/index.js';

export interface LabelledRows {
  readonly texts: readonly string[];
  readonly labels: Uint8Array;
}

export interface PairedEvaluationOptions extends PairedOptions {
  /** Prefix of the metric keys; default `eval_`. */
  readonly prefix?: string;
}

export interface PairedEvaluation {
  readonly rows: number;
  /** eval_* metrics of A and B on these rows (with log_loss). */
  readonly metricsA: Record<string, number>;
  readonly metricsB: Record<string, number>;
  readonly paired: PairedComparison;
  /** Each row's prediction by A and by B, in row order. */
  readonly predictionsA: readonly Prediction[];
  readonly predictionsB: readonly Prediction[];
}

/** Rows scored between two clock checks, and the longest the event loop is held (ms). */
const SCORE_CHUNK = 32;
const MAX_HOLD_MS = 20;

/**
 * Predicts with each model once (the same classifier on both sides, once in all) and derives
 * both metric sets and the paired test from the same predictions. Scoring gives the event loop
 * a turn at least every 20 ms whatever the texts' length: it runs inside requests (compare)
 * and jobs (heartbeats must keep going).
 */
export async function evaluatePair(a: TextClassifier, b: TextClassifier, data: LabelledRows, options: PairedEvaluationOptions = {}): Promise<PairedEvaluation> {
  const prefix = options.prefix ?? 'eval_';
  const side = async (model: TextClassifier) => {
    const predictions = await predictAll(model, data.texts);
    const probabilities = Float64Array.from(predictions, (p) => p.probability);
    const metrics = { ...metricsToRecord(binaryMetrics(data.labels, probabilities, model.threshold), prefix), [`${prefix}log_loss`]: logLoss(data.labels, probabilities) };
    return { metrics, predictions, labels: Uint8Array.from(predictions, (p) => p.label) };
  };
  const sideA = await side(a);
  const sideB = b === a ? sideA : await side(b);
  return {
    rows: data.texts.length,
    metricsA: sideA.metrics,
    metricsB: sideB.metrics,
    paired: pairedComparison(data.labels, sideA.labels, sideB.labels, options),
    predictionsA: sideA.predictions,
    predictionsB: sideB.predictions,
  };
}

async function predictAll(classifier: TextClassifier, texts: readonly string[]): Promise<Prediction[]> {
  const out: Prediction[] = [];
  let since = performance.now();
  for (let i = 0; i < texts.length; i += SCORE_CHUNK) {
    out.push(...predictBatch(classifier, texts.slice(i, i + SCORE_CHUNK)));
    if (performance.now() - since > MAX_HOLD_MS) {
      await yieldToEventLoop();
      since = performance.now();
    }
  }
  return out;
}

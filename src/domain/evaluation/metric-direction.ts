/**
 * Which way is better for a metric: the ONE table every side-by-side comparison reads
 * (compareMetrics, hence GET /models/compare and `warden compare`). A figure that is not a quality
 * (throughput, row counts, the decision threshold, timings, resource usage) is shown but never
 * "won": a faster or bigger evaluation is not a better model.
 */
export const METRIC_DIRECTIONS = ['higher', 'lower', 'none'] as const;
export type MetricDirection = (typeof METRIC_DIRECTIONS)[number];

// Matched against the whole key or its `_`-separated tail, so `eval_fp`, `val_roc_auc` and
// `live_window_log_loss` all find their entry whatever prefix the producer put in front.
// Checked in this order: a timing like `loss_seconds` is a timing, not a loss.
const NOT_QUALITY: readonly string[] = [
  'threshold',
  'rows',
  'support',
  'count',
  'epochs',
  'per_second',
  'throughput',
  'seconds',
  'ms',
  'bytes',
  'mb',
  'latency',
  'duration',
  'size',
];
const LOWER_IS_BETTER: readonly string[] = [
  'loss',
  'brier',
  'ece',
  'error',
  'error_rate',
  'mse',
  'mae',
  'rmse',
  'perplexity',
  'fpr',
  'fnr',
  'fp',
  'fn',
  'false_positive_rate',
  'false_negative_rate',
  'false_positives',
  'false_negatives',
];
const HIGHER_IS_BETTER: readonly string[] = [
  'accuracy',
  'balanced_accuracy',
  'precision',
  'recall',
  'f1',
  'roc_auc',
  'pr_auc',
  'auc',
  'average_precision',
  'specificity',
  'tpr',
  'tnr',
  'mcc',
  'tp',
  'tn',
];

function matches(key: string, names: readonly string[]): boolean {
  return names.some((name) => key === name || key.endsWith(`_${name}`));
}

/**
 * `higher` or `lower` when the metric is a known quality figure, `none` for figures that are
 * not quality and for keys this table does not know: a direction that is guessed would let an
 * unknown custom metric decide a winner or a promotion. Keys are compared case-insensitively.
 */
export function metricDirection(key: string): MetricDirection {
  const k = key.toLowerCase();
  if (matches(k, NOT_QUALITY)) return 'none';
  if (matches(k, LOWER_IS_BETTER)) return 'lower';
  if (matches(k, HIGHER_IS_BETTER)) return 'higher';
  return 'none';
}

/**
 * Which side wins one metric: `a`, `b`, `tie`, or null when the metric is not a quality or a
 * side lacks it. Every comparison calls this rather than comparing values itself.
 */
export function metricWinner(key: string, a: number | null | undefined, b: number | null | undefined): 'a' | 'b' | 'tie' | null {
  const direction = metricDirection(key);
  if (direction === 'none' || a === null || a === undefined || b === null || b === undefined) return null;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return null;
  if (a === b) return 'tie';
  return a > b === (direction === 'higher') ? 'a' : 'b';
}

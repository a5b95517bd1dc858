/** The small vocabularies of the registry: one line gives the union type and the runtime check. */

export const STAGES = ['None', 'Staging', 'Production', 'Archived'] as const;
export type Stage = (typeof STAGES)[number];

export const VERSION_STATUSES = ['PENDING', 'READY', 'FAILED'] as const;
export type VersionStatus = (typeof VERSION_STATUSES)[number];

/** Comparisons a policy or a version search may apply to a metric. */
export const METRIC_COMPARISONS = ['>', '>=', '<', '<=', '='] as const;
export type MetricComparison = (typeof METRIC_COMPARISONS)[number];

export function isStage(value: unknown): value is Stage {
  return typeof value === 'string' && (STAGES as readonly string[]).includes(value);
}

export function isVersionStatus(value: unknown): value is VersionStatus {
  return typeof value === 'string' && (VERSION_STATUSES as readonly string[]).includes(value);
}

export function isMetricComparison(value: unknown): value is MetricComparison {
  return typeof value === 'string' && (METRIC_COMPARISONS as readonly string[]).includes(value);
}

/** Applies a comparison; `=` uses a tolerance so 0.1 + 0.2 = 0.3 holds for metrics. */
export function compareMetric(value: number, comparison: MetricComparison, threshold: number): boolean {
  switch (comparison) {
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
    case '=':
      return Math.abs(value - threshold) <= 1e-12 * Math.max(1, Math.abs(value), Math.abs(threshold));
  }
}

import { metricDirection, metricWinner, type MetricDirection } from '../evaluation/metric-direction.js';
import type { ModelVersion } from './entities.js';

export type LineageRelation = 'same' | 'ancestor' | 'descendant' | 'siblings' | 'related' | 'unrelated';

export interface MetricComparisonRow {
  readonly metric: string;
  readonly a: number | null;
  readonly b: number | null;
  /** b − a, null when either side lacks the metric. */
  readonly delta: number | null;
  /** From the one table of metric directions; `none` (throughput, rows, threshold…) is never won. */
  readonly direction: MetricDirection;
  /** null when the metric is not a quality figure or a side lacks it. */
  readonly winner: 'a' | 'b' | 'tie' | null;
}

/**
 * Two metric maps side by side: the union of keys sorted by name, b − a, each metric's direction
 * and winner. `declareWinners: false` keeps every winner null: for figures that were not measured
 * on the same rows, where a difference says nothing about which model is better.
 */
export function compareMetrics(
  a: Readonly<Record<string, number>>,
  b: Readonly<Record<string, number>>,
  options: { readonly declareWinners?: boolean } = {},
): { metrics: MetricComparisonRow[]; wins: { a: number; b: number; ties: number } } {
  const declareWinners = options.declareWinners ?? true;
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  const wins = { a: 0, b: 0, ties: 0 };
  const metrics = keys.map((metric): MetricComparisonRow => {
    const va = a[metric] ?? null;
    const vb = b[metric] ?? null;
    const winner = declareWinners ? metricWinner(metric, va, vb) : null;
    if (winner === 'tie') wins.ties += 1;
    else if (winner !== null) wins[winner] += 1;
    return { metric, a: va, b: vb, delta: va !== null && vb !== null ? vb - va : null, direction: metricDirection(metric), winner };
  });
  return { metrics, wins };
}

/**
 * How version `a` relates to version `b` of the same model: `ancestor` means a is on b's parent
 * chain. `ancestorsOfA`/`ancestorsOfB` are the version numbers on each one's chain (nearest first).
 */
export function versionRelation(a: ModelVersion, b: ModelVersion, ancestorsOfA: readonly number[], ancestorsOfB: readonly number[]): LineageRelation {
  if (a.id === b.id) return 'same';
  if (ancestorsOfB.includes(a.number)) return 'ancestor';
  if (ancestorsOfA.includes(b.number)) return 'descendant';
  if (a.parentVersion !== null && a.parentVersion === b.parentVersion) return 'siblings';
  if (ancestorsOfA.some((n) => ancestorsOfB.includes(n))) return 'related';
  return 'unrelated';
}
